import http from 'node:http';
import zlib from 'node:zlib';

/** Raw GET (no automatic decompression, unlike fetch), for checking headers and gzip on the wire. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

export async function scrape(baseUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await rawGet(`${baseUrl}/metrics`, headers);
  if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
  return response.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(response.body).toString() : response.body.toString();
}

/** The value of the one sample whose line starts with `series` exactly (name plus label block), or undefined. */
export function sampleValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Number of sample lines (not comments) whose metric name starts with `prefix`. */
export function countSeries(text: string, prefix: string): number {
  return text.split('\n').filter((line) => line.startsWith(prefix)).length;
}

/** Fires `total` requests with at most `concurrency` in flight. */
export async function fireRequests(urls: (i: number) => string, total: number, concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const response = await fetch(urls(i));
        await response.arrayBuffer();
      }
    }),
  );
}
