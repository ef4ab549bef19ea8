/** The most an issuer's discovery document or key set may weigh: real ones are a few KB. */
export const ISSUER_DOCUMENT_MAX_BYTES = 1024 * 1024;

/** An answer from the issuer over the size a discovery document or key set can sensibly have. */
export class ResponseTooLargeError extends Error {
  constructor(url: string, maxBytes: number) {
    super(`${url} answered more than ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * `fetch`, with the answer's body read in full but never beyond `maxBytes`: a hostile or broken issuer answering
 * hundreds of megabytes of JSON would otherwise be held in memory whole (1.1 GB seen for a 300 MB key set) before
 * it is parsed. The body comes back as a new Response, so callers (ours, and jose's key-set fetch through its
 * `customFetch` option) read it as before. A larger body is a `ResponseTooLargeError`: the issuer is unusable.
 */
export function cappedFetch(maxBytes: number = ISSUER_DOCUMENT_MAX_BYTES, fetchImpl: typeof fetch = fetch): typeof fetch {
  return async (url, init) => {
    const response = await fetchImpl(url, init);
    if (response.body === null) return response;
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body.cancel();
      throw new ResponseTooLargeError(url instanceof Request ? url.url : String(url), maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new ResponseTooLargeError(url instanceof Request ? url.url : String(url), maxBytes);
      }
      chunks.push(value);
    }
    return new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
