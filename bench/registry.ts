/**
 * The registry of the verified variant: the real distribution registry in token mode, its tokens issued
 * by the bench's GitLab-like server (which adds its latency to them), behind a proxy that adds the same
 * latency to every registry answer, as a network between the runner and the registry would.
 */
import type { GitLabServer } from '../test/support/gitlab-server.js';
import { startRegistry } from '../test/support/registry.js';
import { pushImage } from '../test/support/registry-images.js';
import { startRegistryProxy } from '../test/support/registry-proxy.js';

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
  const proxy = await startRegistryProxy(registry);
  return {
    host: proxy.host,
    async push(repository, tag) {
      await pushImage(registry, repository, tag, { seed: `${repository}:${tag}` });
    },
    setLatency: (ms) => proxy.setLatency(ms),
    async stop() {
      await proxy.stop();
      await registry.stop();
    },
  };
}
