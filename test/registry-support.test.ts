/**
 * The registry test support against the real distribution registry 2.8: images pushed through its API
 * are served with the digests the pushes reported, and its answers (404 bodies, Accept handling, auth
 * challenges) are the ones the registry client is written against.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitLabServer, type GitLabServer } from './support/gitlab-server.js';
import { startRegistry, tlsAvailable, type RunningRegistry } from './support/registry.js';
import { createRegistryTokenIssuer } from './support/registry-tokens.js';
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

describe('token-auth registry whose realm is the test GitLab', () => {
  let gitlab: GitLabServer;
  let registry: RunningRegistry;
  let digest: string;
  beforeAll(async () => {
    gitlab = await startGitLabServer();
    registry = await startRegistry({ auth: { kind: 'token', issuer: await gitlab.registryTokenIssuer() } });
    digest = (await pushImage(registry, 'team/app', 'v1')).digest;
    gitlab.addToken({
      value: 'glpat-registry-read',
      kind: 'personal',
      scopes: ['read_registry'],
      projects: ['team/app'],
      role: 20,
    });
    gitlab.addToken({
      value: 'glpat-other-project',
      kind: 'personal',
      scopes: ['read_registry'],
      projects: ['team/other'],
    });
    gitlab.addToken({ value: 'glpat-repository-only', kind: 'personal', scopes: ['read_repository'] });
    gitlab.addToken({ value: 'job-token-app', kind: 'job', scopes: [], pipelineProject: 'team/app' });
  });
  afterAll(async () => {
    await registry?.stop();
    await gitlab?.close();
  });

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  async function jwtAuth(scope: string, authorization?: string) {
    const response = await fetch(
      `${gitlab.url}/jwt/auth?service=container_registry&scope=${encodeURIComponent(scope)}`,
      {
        headers: authorization ? { Authorization: authorization } : {},
      },
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const head = (name: string, reference: string, authorization?: string) =>
    registryRequest(registry, 'HEAD', `/v2/${name}/manifests/${reference}`, {
      headers: { Accept: ACCEPT_ANY_MANIFEST },
      ...(authorization ? { authorization } : {}),
    });

  it('challenges an anonymous client with a Bearer realm at /jwt/auth, its service and the pull scope', async () => {
    const response = await head('team/app', 'v1');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="${gitlab.url}/jwt/auth",service="container_registry",scope="repository:team/app:pull"`,
    );
    const get = await registryRequest(registry, 'GET', '/v2/team/app/manifests/v1', {});
    expect(JSON.parse(get.body.toString('utf8'))).toEqual({
      errors: [
        {
          code: 'UNAUTHORIZED',
          message: 'authentication required',
          detail: [{ Type: 'repository', Class: '', Name: 'team/app', Action: 'pull' }],
        },
      ],
    });
  });

  it('pulls with a token /jwt/auth gives for a read_registry token or the project job token', async () => {
    for (const authorization of [basic('someone', 'glpat-registry-read'), basic('gitlab-ci-token', 'job-token-app')]) {
      const answer = await jwtAuth('repository:team/app:pull', authorization);
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body)).toEqual(['token']);
      const response = await head('team/app', 'v1', `Bearer ${String(answer.body.token)}`);
      expect(response.status).toBe(200);
      expect(response.headers['docker-content-digest']).toBe(digest);
    }
    const last = gitlab.requests.at(-1)!;
    expect([last.path, last.status, last.tokenKind, last.credentials]).toEqual(['/jwt/auth', 200, 'job', true]);
  });

  it('signs with a kid the registry trusts: a token of another issuer is refused', async () => {
    const stranger = await createRegistryTokenIssuer(`${gitlab.url}/jwt/auth`);
    const own = await gitlab.registryTokenIssuer();
    expect(stranger.keyId).not.toBe(own.keyId);
    expect(own.keyId).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    const access = [{ type: 'repository' as const, name: 'team/app', actions: ['pull'] }];
    expect((await head('team/app', 'v1', `Bearer ${own.mint({ access })}`)).status).toBe(200);
    expect((await head('team/app', 'v1', `Bearer ${stranger.mint({ access })}`)).status).toBe(401);
  });

  it('answers bad credentials with GitLab 401 and credentials without registry scope with 403', async () => {
    const bad = await jwtAuth('repository:team/app:pull', basic('someone', 'wrong'));
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: expect.stringMatching(/^HTTP Basic: Access denied\./) }],
    });
    const noScope = await jwtAuth('repository:team/app:pull', basic('someone', 'glpat-repository-only'));
    expect(noScope).toEqual({ status: 403, body: { errors: [{ code: 'DENIED', message: 'access forbidden' }] } });
  });

  it('gives a token without pull access to a caller who may not pull, which the registry refuses', async () => {
    const answer = await jwtAuth('repository:team/app:pull', basic('someone', 'glpat-other-project'));
    expect(answer.status).toBe(200);
    const claims = JSON.parse(Buffer.from(String(answer.body.token).split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ iss: 'gitlab-issuer', aud: 'container_registry', access: [] });
    const response = await head('team/app', 'v1', `Bearer ${String(answer.body.token)}`);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="${gitlab.url}/jwt/auth",service="container_registry",scope="repository:team/app:pull",error="insufficient_scope"`,
    );
  });

  it('grants only the actions the caller may: push with write_registry, pull to an allowlisted job', async () => {
    const grantedFor = async (scope: string, authorization: string) => {
      const answer = await jwtAuth(scope, authorization);
      const claims = JSON.parse(Buffer.from(String(answer.body.token).split('.')[1]!, 'base64url').toString('utf8'));
      return (claims as { access: unknown[] }).access;
    };
    gitlab.addToken({
      value: 'glpat-writer',
      kind: 'project',
      scopes: ['read_registry', 'write_registry'],
      projects: ['team/app'],
      role: 30,
    });
    gitlab.addToken({ value: 'job-token-other', kind: 'job', scopes: [], pipelineProject: 'team/release' });
    expect(await grantedFor('repository:team/app:pull,push', basic('bot', 'glpat-writer'))).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    ]);
    expect(await grantedFor('repository:team/app:pull,push', basic('someone', 'glpat-registry-read'))).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull'] },
    ]);
    const crossProject = 'repository:team/app/api:pull,push';
    expect(await grantedFor(crossProject, basic('gitlab-ci-token', 'job-token-other'))).toEqual([]);
    gitlab.configureJobToken('team/app', { allowlist: { 'team/release': { push: false } } });
    expect(await grantedFor(crossProject, basic('gitlab-ci-token', 'job-token-other'))).toEqual([
      { type: 'repository', name: 'team/app/api', actions: ['pull'] },
    ]);
  });

  it('refuses anonymous callers a private project (403) and lets them pull a public one', async () => {
    expect(await jwtAuth('repository:team/app:pull')).toEqual({
      status: 403,
      body: { errors: [{ code: 'DENIED', message: 'access forbidden' }] },
    });
    gitlab.makeRegistryPublic('team/app');
    const answer = await jwtAuth('repository:team/app:pull');
    expect(answer.status).toBe(200);
    expect((await head('team/app', 'v1', `Bearer ${String(answer.body.token)}`)).status).toBe(200);
  });
});

describe('htpasswd (Basic) registry', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'basic', users: { pusher: 'registry-secret-1' } } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('challenges with a Basic realm and serves the image to the right password only', async () => {
    const pushed = await pushImage(registry, 'team/basic', 'v1');
    const path = '/v2/team/basic/manifests/v1';
    const headers = { Accept: ACCEPT_ANY_MANIFEST };
    const anonymous = await registryRequest(registry, 'HEAD', path, { headers });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Basic realm="basic-realm"');
    const wrong = `Basic ${Buffer.from('pusher:wrong').toString('base64')}`;
    expect((await registryRequest(registry, 'HEAD', path, { headers, authorization: wrong })).status).toBe(401);
    const right = await registryRequest(registry, 'HEAD', path, {
      headers,
      authorization: registry.adminAuthorization('team/basic'),
    });
    expect(right.status).toBe(200);
    expect(right.headers['docker-content-digest']).toBe(pushed.digest);
  });
});

const tls = tlsAvailable();
describe.skipIf(!tls.available)(`TLS registry (${tls.available ? tls.address : tls.reason})`, () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('serves HTTPS on a non-loopback address to a client trusting its CA, and fails one that does not', async () => {
    expect(registry.url).toBe(`https://${registry.host}`);
    expect(registry.host).not.toMatch(/^(127\.|localhost|\[::1\])/);
    expect(registry.caFile).toBeDefined();
    const pushed = await pushImage(registry, 'team/tls', 'v1');
    const path = '/v2/team/tls/manifests/v1';
    const headers = { Accept: ACCEPT_ANY_MANIFEST };
    const trusted = await registryRequest(registry, 'HEAD', path, { headers });
    expect(trusted.headers['docker-content-digest']).toBe(pushed.digest);
    await expect(registryRequest({ url: registry.url }, 'HEAD', path, { headers })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });
});
