/**
 * Small Node servers that answer like a registry in one particular way, for the faults a real registry
 * does not produce on demand (5xx, silence, an untrusted certificate, malformed answers, redirects).
 * Every request is recorded with its headers, so a test can see where credentials went.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { afterEach } from 'vitest';

export interface Recorded {
  method: string;
  url: string;
  authorization?: string;
}

export interface FakeRegistry {
  /** host:port, as an image name writes it. */
  host: string;
  origin: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, requests: Recorded[]) => void;

/** A starter of fake registries for one test file: each is closed after the test that started it. */
export function useFakeRegistries(): (handler: Handler, tls?: { key: string; cert: string }) => Promise<FakeRegistry> {
  const started: FakeRegistry[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((registry) => registry.close()));
  });
  return async (handler, tls) => {
    const registry = await startFakeRegistry(handler, tls);
    started.push(registry);
    return registry;
  };
}

export async function startFakeRegistry(handler: Handler, tls?: { key: string; cert: string }): Promise<FakeRegistry> {
  const requests: Recorded[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res, requests);
  };
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as import('node:net').AddressInfo;
  const host = `127.0.0.1:${address.port}`;
  return {
    host,
    origin: `${tls ? 'https' : 'http'}://${host}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export { selfSignedCertificate } from '../support/registry-tls.js';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

/** A manifest that exists, with its digest. */
export function found(res: ServerResponse, digest = DIGEST_A): void {
  res.writeHead(200, {
    'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
    'Docker-Content-Digest': digest,
    'Content-Length': '2',
  });
  res.end(res.req.method === 'HEAD' ? undefined : '{}');
}

export function registryError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ errors: [{ code, message, detail: null }] });
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
}

/**
 * A port that never takes a connection, as a firewall dropping packets looks to a client: a listening
 * socket whose accept queue is full and never accepted from, so the kernel drops every further SYN.
 * Node accepts every connection itself, so a small Python process holds the socket.
 */
export async function startUnacceptingPort(): Promise<{ port: number; close(): void }> {
  const script = [
    'import socket, time',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]',
    'fill = [socket.socket() for _ in range(3)]',
    'for c in fill: c.setblocking(False); c.connect_ex(("127.0.0.1", port))',
    'time.sleep(0.2); print(port, flush=True); time.sleep(300)',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { port, close: () => child.kill() };
}
