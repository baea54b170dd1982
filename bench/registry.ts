/**
 * The registry of the verified variant: the real distribution registry in token mode, its tokens issued
 * by the bench's GitLab-like server (which adds its latency to them), behind a small proxy that adds the
 * same latency to every registry answer, as a network between the runner and the registry would.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GitLabServer } from '../test/support/gitlab-server.js';
import { startRegistry, type RunningRegistry } from '../test/support/registry.js';
import { pushImage } from '../test/support/registry-images.js';

export interface BenchRegistry {
  /** Where the CLI asks: `127.0.0.1:PORT` of the proxy. */
  readonly host: string;
  /** Pushes a small image as `<repository>:<tag>` straight to the registry (not timed, no latency). */
  push(repository: string, tag: string): Promise<void>;
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

export async function startBenchRegistry(gitlab: GitLabServer): Promise<BenchRegistry> {
  const registry = await startRegistry({ auth: { kind: 'token', issuer: await gitlab.registryTokenIssuer() } });
  let latencyMs = 0;
  const proxy = createServer((req, res) => {
    setTimeout(() => forward(registry, req, res), latencyMs);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    async push(repository, tag) {
      await pushImage(registry, repository, tag, { seed: `${repository}:${tag}` });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    async stop() {
      await closeServer(proxy);
      await registry.stop();
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

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
