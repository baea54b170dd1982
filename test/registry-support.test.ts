/**
 * The registry test support against the real distribution registry 2.8: images pushed through its API
 * are served with the digests the pushes reported, and its answers (404 bodies, Accept handling, auth
 * challenges) are the ones the registry client is written against.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from './support/registry.js';
import {
  ACCEPT_ANY_MANIFEST,
  deleteManifest,
  MediaTypes,
  pushImage,
  pushIndex,
  registryRequest,
  retag,
} from './support/registry-images.js';

function errorCodes(body: Buffer): string[] {
  return (JSON.parse(body.toString('utf8')) as { errors: Array<{ code: string }> }).errors.map((e) => e.code);
}

describe('anonymous registry', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  const manifest = (name: string, reference: string, method = 'HEAD', accept = ACCEPT_ANY_MANIFEST) =>
    registryRequest(
      registry,
      method,
      `/v2/${name}/manifests/${reference}`,
      accept ? { headers: { Accept: accept } } : {},
    );

  it('serves a pushed image under its tag and its digest, with the digest the push reported', async () => {
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry.url).toBe(`http://${registry.host}`);
    const pushed = await pushImage(registry, 'team/app', 'v1.2.3');
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const byTag = await manifest('team/app', 'v1.2.3');
    expect(byTag.status).toBe(200);
    expect(byTag.headers['docker-content-digest']).toBe(pushed.digest);
    expect(byTag.headers['content-type']).toBe(MediaTypes.ociManifest);
    expect((await manifest('team/app', pushed.digest)).status).toBe(200);
  });

  it('pushes a Docker schema2 manifest when asked', async () => {
    const pushed = await pushImage(registry, 'team/docker-format', 'v1', { format: 'docker' });
    const head = await manifest('team/docker-format', 'v1');
    expect(head.headers['content-type']).toBe(MediaTypes.dockerManifest);
    expect(head.headers['docker-content-digest']).toBe(pushed.digest);
  });

  it('answers a missing tag or repository with 404: MANIFEST_UNKNOWN on GET, no body on HEAD', async () => {
    await pushImage(registry, 'team/missing-tag', 'v1');
    const get = await manifest('team/missing-tag', 'v2', 'GET');
    expect(get.status).toBe(404);
    expect(JSON.parse(get.body.toString('utf8'))).toEqual({
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v2' } }],
    });
    const head = await manifest('team/missing-tag', 'v2');
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
    const noRepository = await manifest('team/never-pushed', 'v1', 'GET');
    expect(noRepository.status).toBe(404);
    expect(errorCodes(noRepository.body)).toEqual(['MANIFEST_UNKNOWN']);
  });

  it('serves an OCI index listing its platforms, and only to a client that accepts OCI indexes', async () => {
    const index = await pushIndex(registry, 'team/multi', 'v1', { platforms: ['linux/amd64', 'linux/arm64'] });
    const get = await manifest('team/multi', 'v1', 'GET');
    expect(get.status).toBe(200);
    expect(get.headers['content-type']).toBe(MediaTypes.ociIndex);
    expect(get.headers['docker-content-digest']).toBe(index.digest);
    const listed = (JSON.parse(get.body.toString('utf8')) as { manifests: Array<{ digest: string; platform: object }> })
      .manifests;
    expect(listed.map((m) => [m.platform, m.digest])).toEqual([
      [{ os: 'linux', architecture: 'amd64' }, index.platforms['linux/amd64']],
      [{ os: 'linux', architecture: 'arm64' }, index.platforms['linux/arm64']],
    ]);
    // Registry 2.8 will not serve an OCI index to a client whose Accept lacks the OCI index type.
    for (const accept of ['', MediaTypes.ociManifest]) {
      const refused = await manifest('team/multi', 'v1', 'GET', accept);
      expect(refused.status).toBe(404);
      expect(errorCodes(refused.body)).toEqual(['MANIFEST_UNKNOWN']);
    }
  });

  it('serves a Docker manifest list, or its linux/amd64 manifest to a client that accepts no list', async () => {
    const list = await pushIndex(registry, 'team/multi-docker', 'v1', {
      platforms: ['linux/amd64', 'linux/arm64/v8'],
      format: 'docker',
    });
    const head = await manifest('team/multi-docker', 'v1');
    expect(head.headers['content-type']).toBe(MediaTypes.dockerList);
    expect(head.headers['docker-content-digest']).toBe(list.digest);
    const rewritten = await manifest('team/multi-docker', 'v1', 'HEAD', MediaTypes.dockerManifest);
    expect(rewritten.status).toBe(200);
    expect(rewritten.headers['docker-content-digest']).toBe(list.platforms['linux/amd64']);
  });

  it('re-points a tag to another manifest, and a deleted manifest takes its tags with it', async () => {
    const first = await pushImage(registry, 'team/mutable', 'stable', { seed: 'one' });
    const second = await pushImage(registry, 'team/mutable', undefined, { seed: 'two' });
    expect(second.digest).not.toBe(first.digest);
    await retag(registry, 'team/mutable', 'stable', second.digest);
    expect((await manifest('team/mutable', 'stable')).headers['docker-content-digest']).toBe(second.digest);

    await deleteManifest(registry, 'team/mutable', second.digest);
    expect((await manifest('team/mutable', 'stable')).status).toBe(404);
    expect((await manifest('team/mutable', second.digest)).status).toBe(404);
    expect((await manifest('team/mutable', first.digest)).status).toBe(200);
  });
});
