import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { documentOptionsOf } from '../../src/openapi/document-options';
import { watchService } from './conforming-fetch';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface SpawnedService {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the base URL once the service logs that it listens. */
  listening: Promise<string>;
}

/**
 * Starts the built service (`dist/main.js`, as `npm start` does) as a child process with the given env. `detached`
 * makes it the leader of its own process group, which `process.kill(-child.pid, signal)` signals whole, as a
 * terminal's Ctrl-C or `kill -- -<pgid>` does.
 */
export function spawnService(env: Record<string, string>, options: { detached?: boolean } = {}): SpawnedService {
  const childEnv = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env };
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  let resolveUrl: (url: string) => void;
  const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    const line = output.split('\n').find((l) => l.includes('"msg":"listening"'));
    if (line) {
      const { address, port, pathPrefix } = JSON.parse(line) as { address: string; port: number; pathPrefix: string };
      resolveUrl(`http://${address === '0.0.0.0' ? '127.0.0.1' : address}:${port}${pathPrefix}`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Once it listens, its answers are checked against the OpenAPI document of its configuration (the one it read).
  const watched = listening.then(async (url) => watchService(url, documentOptionsOf(loadConfig(childEnv), true)));
  void exited.then(async () => (await watched.catch(() => undefined))?.());
  return { child, output: () => output, exited, listening: watched.then(() => listening, () => listening) };
}
