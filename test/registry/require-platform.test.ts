/** --require-platform against an index and a single-platform image, byte-exact answers from a small server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchTip, REGISTRY } from '../support/gitops-repo.js';
import { newProject, useGitLabServer, pushTo } from '../support/test-server.js';
import { troubleFor } from '../../src/troubleshooting.js';
import { DIGEST_A, DIGEST_B, registryError, startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const server = useGitLabServer();
let registry: FakeRegistry;

const CONFIG_DIGEST = `sha256:${'c'.repeat(64)}`;
const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'1'.repeat(64)}`,
      size: 1,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'2'.repeat(64)}`,
      size: 1,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
    // An attestation manifest, as buildx pushes one: not a platform.
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'3'.repeat(64)}`,
      size: 1,
      platform: { os: 'unknown', architecture: 'unknown' },
    },
  ],
});
const SINGLE = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: CONFIG_DIGEST, size: 1 },
  layers: [],
});

beforeAll(async () => {
  registry = await startFakeRegistry((req, res) => {
    const url = req.url ?? '';
    const answer = (type: string, digest: string, body: string) => {
      res.writeHead(200, {
        'Content-Type': type,
        'Docker-Content-Digest': digest,
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (/\/manifests\/(multi|sha256:a+)$/.test(url))
      return answer('application/vnd.oci.image.index.v1+json', DIGEST_A, INDEX);
    if (/\/manifests\/(single|sha256:b+)$/.test(url))
      return answer('application/vnd.oci.image.manifest.v1+json', DIGEST_B, SINGLE);
    if (url.endsWith(`/blobs/${CONFIG_DIGEST}`))
      return answer(
        'application/octet-stream',
        CONFIG_DIGEST,
        JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } }),
      );
    registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
  });
});
afterAll(() => registry.close());

async function bump(tag: string, platforms: string) {
  const { project, env } = await newProject(server, 'platform');
  const before = await branchTip(server, project, 'main');
  const result = await pushTo(
    server,
    project,
    { ...env, IMAGE_BUMP_VERIFY_IMAGE: 'warn' },
    '--target-env',
    'prod',
    '--image',
    `${REGISTRY}/app1=${registry.host}/team/app:${tag}`,
    '--require-platform',
    platforms,
  );
  return { result, moved: (await branchTip(server, project, 'main')) !== before };
}

describe('--require-platform', () => {
  it('passes an index that has every platform (arm64 given with or without its variant)', async () => {
    const { result, moved } = await bump('multi', 'linux/amd64,linux/arm64');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(moved).toBe(true);
    expect((await bump('multi', 'linux/arm64/v8')).result.exitCode).toBe(0);
  });

  it('refuses an index that lacks one, naming what it has (the attestation entry is no platform); nothing pushed', async () => {
    const { result, moved } = await bump('multi', 'linux/amd64,linux/arm/v7,linux/s390x');
    expect(result.exitCode).toBe(1);
    const error = result.stderr.split('\n').find((line) => line.startsWith('error: '))!;
    expect(error).toBe(
      `error: image ${registry.host}/team/app:multi lacks platform linux/arm/v7, linux/s390x (it has linux/amd64, linux/arm64/v8)`,
    );
    expect(troubleFor(error)?.id).toBe('platform-missing');
    expect(moved).toBe(false);
  });

  it("reads a single-platform image's platform from its config", async () => {
    expect((await bump('single', 'linux/amd64')).result.exitCode).toBe(0);
    const { result, moved } = await bump('single', 'linux/amd64,linux/arm64');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `error: image ${registry.host}/team/app:single lacks platform linux/arm64 (it has linux/amd64)`,
    );
    expect(moved).toBe(false);
  });
});
