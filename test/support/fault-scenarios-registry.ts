/**
 * Fault scenarios of the registry check (--verify-image require, --pin-digest, --require-platform): each
 * registry answer the check must explain, served by one small registry-shaped server per worker (a plain
 * one and a TLS one with a certificate nobody trusts), and the inputs refused before anything is cloned.
 * The scenario's token doubles as the registry password, so the leak test looks for it too.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { git } from './git.js';
import type { Expectation, Prepared, Scenario, ScenarioContext } from './fault-scenarios.js';
import { escape, writable } from './scenario-basics.js';
import { REGISTRY } from './gitops-repo.js';
import { selfSignedCertificate } from './registry-tls.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const HOST = '\\S+';

/** Requests per repository, for a tag that names another digest from its second question on. */
const asked = new Map<string, number>();

function answer(req: IncomingMessage, res: ServerResponse): void {
  const match = /^\/v2\/team\/([a-z0-9-]+)\/manifests\/[^/]+$/.exec(req.url ?? '');
  const repository = match?.[1] ?? '';
  const kind = repository.replace(/-\d+$/, '');
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  const manifest = (digest: string, body: unknown = { schemaVersion: 2 }) =>
    json(200, body, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': digest });
  const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    json(status, { errors: [{ code, message }] }, headers);
  if (req.url?.startsWith('/token')) return json(200, { note: 'no token here' });
  if (!match) return json(200, {});
  switch (kind) {
    case 'present':
      return manifest(DIGEST_A);
    case 'moving': {
      const count = (asked.get(repository) ?? 0) + (req.method === 'HEAD' ? 1 : 0);
      asked.set(repository, count);
      return manifest(count <= 1 ? DIGEST_A : DIGEST_B);
    }
    case 'multi':
      return json(
        200,
        {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: DIGEST_B,
              size: 2,
              platform: { os: 'linux', architecture: 'amd64' },
            },
          ],
        },
        { 'Content-Type': 'application/vnd.oci.image.index.v1+json', 'Docker-Content-Digest': DIGEST_A },
      );
    case 'unreadable':
      return manifest(DIGEST_A, { schemaVersion: 2, note: 'neither index nor image' });
    case 'missing':
      return error(404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    case 'broken':
      return error(503, 'UNAVAILABLE', 'service unavailable');
    case 'private':
      return error(401, 'UNAUTHORIZED', 'authentication required', { 'WWW-Authenticate': 'Basic realm="registry"' });
    case 'tokenless':
      return error(401, 'UNAUTHORIZED', 'authentication required', {
        'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="registry"`,
      });
    case 'silent':
      return; // never answers
    default:
      return error(404, 'NAME_UNKNOWN', 'repository name not known to registry');
  }
}

let plain: Promise<string> | undefined;
let tls: Promise<string> | undefined;

/** host:port of this worker's registry-shaped server (never keeps the worker alive). */
function plainRegistry(): Promise<string> {
  plain ??= listen(createHttpServer(answer));
  return plain;
}

/** host:port of a TLS registry whose certificate is self-signed and trusted by nobody. */
function untrustedRegistry(): Promise<string> {
  tls ??= (() => {
    const options = selfSignedCertificate();
    return listen(createHttpsServer(options, answer));
  })();
  return tls;
}

async function listen(server: import('node:http').Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let sequence = 0;

/** The standard project, its bump pointed at `repository` on the registry, and the check required. */
async function registryBump(
  ctx: ScenarioContext,
  image: (host: string) => string,
  {
    extraArgs = [],
    host = plainRegistry,
    env = {},
  }: { extraArgs?: string[]; host?: () => Promise<string>; env?: Record<string, string> } = {},
): Promise<Prepared> {
  const prepared = await writable(ctx);
  const registry = await host();
  const auth = Buffer.from(`deployer:${ctx.token}`).toString('base64');
  return {
    ...prepared,
    args: ['--target-env', 'prod', '--image', `${REGISTRY}/app1=${image(registry)}`, ...extraArgs],
    env: {
      ...prepared.env,
      IMAGE_BUMP_VERIFY_IMAGE: 'require',
      DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { [registry]: { auth } } }),
      ...env,
    },
  };
}

const refused = (error: RegExp, hint: RegExp, trouble: string): Expectation => ({ exitCode: 1, error, hint, trouble });
const image = (repository: string, tag = '1.4.2') => `${HOST}/team/${repository}:${escape(tag)}`;

export const REGISTRY_SCENARIOS: readonly Scenario[] = [
  {
    name: 'registry: the image is there (the login from DOCKER_AUTH_CONFIG, and the push goes ahead)',
    server: 'main',
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/present:1.4.2`, { extraArgs: ['--pin-digest'] }),
    expect: () => ({
      exitCode: 0,
      pushes: true,
      summary: new RegExp(`-> ${HOST}/team/present:1\\.4\\.2@${DIGEST_A} `),
    }),
  },
  {
    name: 'registry: 404, the tag is not there',
    server: 'main',
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/missing:1.4.2`),
    expect: () =>
      refused(
        new RegExp(
          `^image ${image('missing')} is not in registry ${HOST} \\(HTTP 404: MANIFEST_UNKNOWN: manifest unknown\\)$`,
        ),
        /^Nothing was pushed\. .*cleanup policy.*multi-arch/,
        'image-missing',
      ),
  },
  {
    name: 'registry: 401, the login is refused',
    server: 'main',
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/private:1.4.2`),
    expect: () =>
      refused(
        new RegExp(
          `^registry ${HOST} refused to show image ${image('private')} to the login from DOCKER_AUTH_CONFIG auths\\["${HOST}"\\] \\(HTTP 401: UNAUTHORIZED: authentication required\\)$`,
        ),
        /DOCKER_AUTH_CONFIG.*read_registry.*CI_REGISTRY_USER and CI_REGISTRY_PASSWORD/,
        'registry-access-denied',
      ),
  },
  {
    name: 'registry: the token service answers without a token',
    server: 'main',
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/tokenless:1.4.2`),
    expect: () =>
      refused(
        new RegExp(
          `^the token service http://${HOST}/token of registry ${HOST} gave no token to pull image ${image('tokenless')} \\(HTTP 200: the answer holds no token\\)$`,
        ),
        /the token service refused it or failed/,
        'registry-token-refused',
      ),
  },
  {
    name: 'registry: 5xx',
    server: 'main',
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/broken:1.4.2`),
    expect: () =>
      refused(
        new RegExp(
          `^registry ${HOST} failed while checking image ${image('broken')} \\(HTTP 503: UNAVAILABLE: service unavailable\\)$`,
        ),
        /Run the job again later/,
        'registry-failed',
      ),
  },
  {
    name: 'registry: no answer within --timeout',
    server: 'main',
    timeoutMs: 20_000,
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/silent:1.4.2`, { extraArgs: ['--timeout', '2'] }),
    expect: () =>
      refused(
        new RegExp(`^cannot reach registry ${HOST} for image ${image('silent')}: no (complete )?answer within 2 s$`),
        /did not answer in time: it must take the connection within 10 s and answer within --timeout seconds/,
        'registry-unreachable',
      ),
  },
  {
    name: 'registry: an unknown host',
    server: 'main',
    setup: (ctx) => registryBump(ctx, () => 'registry.invalid/team/app:1.4.2'),
    expect: () =>
      refused(
        /^cannot reach registry registry\.invalid for image registry\.invalid\/team\/app:1\.4\.2: the host name does not resolve \((ENOTFOUND|EAI_AGAIN)\)$/,
        /resolve it in DNS/,
        'registry-unreachable',
      ),
  },
  {
    name: 'registry: a certificate the job does not trust',
    server: 'main',
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/present:1.4.2`, { host: untrustedRegistry }),
    expect: () =>
      refused(
        new RegExp(
          `^TLS to registry ${HOST} failed for image ${image('present')}: TLS failed: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$`,
        ),
        /CI_SERVER_TLS_CA_FILE/,
        'registry-tls',
      ),
  },
  {
    name: 'registry: a new name alone names no tag to ask about',
    server: 'main',
    setup: (ctx) => registryBump(ctx, (host) => `${host}/team/present`),
    expect: () =>
      refused(
        new RegExp(
          `^cannot verify image ${HOST}/team/present: it names no tag or digest \\(the tag comes from the resources\\)$`,
        ),
        /Give the tag \(or digest\) with the new name/,
        'image-untagged',
      ),
  },
  {
    name: 'registry: --pin-digest with a digest the tag does not name',
    server: 'main',
    setup: (ctx) =>
      registryBump(ctx, (host) => `${host}/team/present:1.4.2@${DIGEST_B}`, { extraArgs: ['--pin-digest'] }),
    expect: () =>
      refused(
        new RegExp(
          `^--pin-digest: the tag of ${image('present', `1.4.2@${DIGEST_B}`)} resolves to ${DIGEST_A}, not to the digest given, ${DIGEST_B}$`,
        ),
        /Give the tag alone/,
        'pin-digest-mismatch',
      ),
  },
  {
    name: 'registry: the tag moves while the push is retried',
    server: 'faults',
    setup: async (ctx) => ({
      ...(await registryBump(ctx, (host) => `${host}/team/moving-${++sequence}:1.4.2`, {
        extraArgs: ['--pin-digest'],
      })),
      fault: { kind: 'advanceBeforeNextPush', project: ctx.project, branch: 'main', files: { 'x.txt': 'moved\n' } },
    }),
    // The branch moved (the server's concurrent commit), but no bump was pushed on top of it.
    expect: () => ({
      ...refused(
        new RegExp(
          `^tag ${HOST}/team/moving-\\d+:1\\.4\\.2 moved during the release: it named ${DIGEST_A} when checked, and names ${DIGEST_B} now$`,
        ),
        /nothing was pushed, so that no other image is deployed than the one verified/,
        'tag-moved',
      ),
      pushes: true,
    }),
    check: async (ctx) => {
      const subject = await git(['log', '-1', '--format=%s', 'refs/heads/main'], {
        cwd: ctx.server.repoPath(ctx.project),
      });
      expect(subject, 'the tip is the other writer’s commit, not a bump').toBe('Concurrent change');
    },
  },
  {
    name: 'registry: --require-platform with an index that lacks a platform',
    server: 'main',
    setup: (ctx) =>
      registryBump(ctx, (host) => `${host}/team/multi:1.4.2`, {
        extraArgs: ['--require-platform', 'linux/amd64,linux/arm64'],
      }),
    expect: () =>
      refused(
        new RegExp(`^image ${image('multi')} lacks platform linux/arm64 \\(it has linux/amd64\\)$`),
        /^Nothing was pushed\. Build and push the image for every platform/,
        'platform-missing',
      ),
  },
  {
    name: 'registry: --require-platform on a manifest whose platforms cannot be read',
    server: 'main',
    setup: (ctx) =>
      registryBump(ctx, (host) => `${host}/team/unreadable:1.4.2`, {
        extraArgs: ['--require-platform', 'linux/amd64'],
      }),
    expect: () =>
      refused(
        new RegExp(
          `^cannot read the platforms of image ${image('unreadable')}: the manifest is neither an index nor an image manifest$`,
        ),
        /imagetools inspect/,
        'platforms-unknown',
      ),
  },
  ...[
    {
      name: 'registry input: an unknown --verify-image mode',
      args: ['--verify-image', 'strict'],
      error: '--verify-image must be off, warn or require, not "strict"',
      trouble: 'verify-image-invalid',
    },
    {
      name: 'registry input: --pin-digest with --verify-image off',
      args: ['--verify-image', 'off', '--pin-digest'],
      error: '--pin-digest cannot work with --verify-image off',
      trouble: 'verify-image-off-conflict',
    },
    {
      name: 'registry input: --pin-digest with a tag kept from the file',
      args: ['--image', 'registry.example.com/team/app1=*:1.4.2', '--pin-digest', '--verify-image', 'warn'],
      error:
        '--pin-digest needs each new tag in the argument, but the one for "registry.example.com/team/app1" keeps a "*" from the file',
      trouble: 'pin-digest-needs-tag',
    },
    {
      name: 'registry input: a platform without its os',
      args: ['--require-platform', 'arm64'],
      error: '--require-platform "arm64" is not a platform of the form os/architecture[/variant]',
      trouble: 'platform-invalid',
    },
  ].map(({ name, args, error, trouble }): Scenario => ({
    name,
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: ['--target-env', 'prod', '--image', 'registry.example.com/team/app1:v1.1.0', ...args],
    }),
    expect: () => ({ exitCode: 2, error, hint: /\S/, trouble }),
  })),
  {
    name: 'registry input: a DOCKER_AUTH_CONFIG that is not JSON, with the check required',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      env: {
        GITLAB_PUSHER_TOKEN: ctx.token,
        IMAGE_BUMP_VERIFY_IMAGE: 'require',
        DOCKER_AUTH_CONFIG: `{"auths": {"registry.example.com": {"auth": "${Buffer.from(`u:${ctx.token}`).toString('base64')}"}}`,
      },
    }),
    expect: () => ({
      exitCode: 2,
      error: /^DOCKER_AUTH_CONFIG is not valid JSON \(line 1, column \d+\)$/,
      hint: /config\.json/,
      trouble: 'docker-auth-config-invalid',
    }),
  },
];
