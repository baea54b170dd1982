/**
 * A plain-HTTP proxy in front of a test registry: it records every request the CLI sends to the
 * registry (which the registry itself does not tell) and can add a delay to every answer, as a network
 * between the runner and the registry would.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningRegistry } from './registry.js';

export interface RegistryProxy {
  /** `127.0.0.1:PORT`, as written in an image reference. */
  readonly host: string;
  /** Every request in arrival order: method and path (without the query). */
  readonly requests: { method: string; path: string }[];
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

export async function startRegistryProxy(registry: RunningRegistry): Promise<RegistryProxy> {
  let latencyMs = 0;
  const requests: { method: string; path: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://proxy').pathname });
    setTimeout(() => forward(registry, req, res), latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    setLatency(ms) {
      latencyMs = ms;
    },
    stop() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function forward(registry: RunningRegistry, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '/', registry.url);
  const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
