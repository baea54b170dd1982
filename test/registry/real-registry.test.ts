/**
 * The registry check against the real distribution registry 2.8: anonymous, htpasswd (Basic) and token
 * (Bearer from the test GitLab's /jwt/auth) modes, TLS with the job's CA file, images and indexes pushed
 * through its API, a manifest deleted as a cleanup policy does, and a tag re-pointed while the push retries.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchTip, readServerFile, REGISTRY } from '../support/gitops-repo.js';
import type { GitLabServer } from '../support/gitlab-server.js';
import { startGitLabServer } from '../support/gitlab-server.js';
import { deleteManifest, pushImage, pushIndex, retag } from '../support/registry-images.js';
import { startRegistry, tlsAvailable, type RunningRegistry } from '../support/registry.js';
import type { CliResult } from '../support/run-cli.js';
import { newProject, pushTo } from '../support/test-server.js';
import { troubleFor } from '../../src/troubleshooting.js';

let gitlab: GitLabServer;
const registries: RunningRegistry[] = [];
beforeAll(async () => {
  gitlab = await startGitLabServer();
});
afterAll(async () => {
  await Promise.all(registries.map((registry) => registry.stop()));
  await gitlab?.close();
});

async function registry(options: Parameters<typeof startRegistry>[0] = {}): Promise<RunningRegistry> {
  const started = await startRegistry(options);
  registries.push(started);
  return started;
}

const PROD = 'manifests/overlays/prod/kustomization.yaml';

interface Bump {
  result: CliResult;
  moved: boolean;
  prod: () => Promise<string>;
}

async function bump(image: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Bump> {
  const { project, env: tokenEnv } = await newProject(gitlab, 'real');
  const before = await branchTip(gitlab, project, 'main');
  const result = await pushTo(
    gitlab,
    project,
    { ...tokenEnv, IMAGE_BUMP_VERIFY_IMAGE: 'require', IMAGE_BUMP_DEBUG: '1', ...env },
    '--target-env',
    'prod',
    '--image',
    `${REGISTRY}/app1=${image}`,
    ...extra,
  );
  return {
    result,
    moved: (await branchTip(gitlab, project, 'main')) !== before,
    prod: () => readServerFile(gitlab, project, 'main', PROD),
  };
}

function errorLine(result: CliResult): string {
  return result.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';
}

function expectNone(result: CliResult, secrets: string[]): void {
  const output = `${result.stdout}${result.stderr}`;
  for (const secret of secrets) expect(output).not.toContain(secret);
}

describe('anonymous registry', () => {
  let anonymous: RunningRegistry;
  beforeAll(async () => {
    anonymous = await registry();
  });

  it('--pin-digest writes the digest the push reported, for an image and for a Docker manifest list (its own digest)', async () => {
    const image = await pushImage(anonymous, 'team/app', '1.4.2');
    const run = await bump(`${anonymous.host}/team/app:1.4.2`, ['--pin-digest']);
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(await run.prod()).toContain(
      `    newName: ${anonymous.host}/team/app\n    newTag: 1.4.2\n    digest: ${image.digest}\n`,
    );

    const list = await pushIndex(anonymous, 'team/list', '2.0.0', {
      platforms: ['linux/amd64', 'linux/arm64/v8'],
      format: 'docker',
    });
    const listed = await bump(`${anonymous.host}/team/list:2.0.0`, [
      '--pin-digest',
      '--require-platform',
      'linux/amd64,linux/arm64',
    ]);
    expect(listed.result.exitCode, listed.result.stderr).toBe(0);
    // The list's digest, not the linux/amd64 manifest the registry would rewrite to for an older client.
    expect(await listed.prod()).toContain(`    digest: ${list.digest}\n`);
    expect(list.digest).not.toBe(list.platforms['linux/amd64']);
  });

  it('refuses a tag that was never pushed with the registry answer; nothing pushed', async () => {
    await pushImage(anonymous, 'team/typo', '1.4.2');
    const run = await bump(`${anonymous.host}/team/typo:1.4.3`);
    expect(run.result.exitCode).toBe(1);
    expect(errorLine(run.result)).toBe(
      `error: image ${anonymous.host}/team/typo:1.4.3 is not in registry ${anonymous.host} (HTTP 404: MANIFEST_UNKNOWN: manifest unknown)`,
    );
    expect(troubleFor(errorLine(run.result))?.id).toBe('image-missing');
    expect(run.moved).toBe(false);
  });

  it('stops the clone as soon as the registry says the image is missing, instead of letting it finish', async () => {
    gitlab.setLatency(1500); // the clone alone: three answers, 4.5 s
    try {
      const started = Date.now();
      const run = await bump(`${anonymous.host}/team/never-pushed:1.0.0`);
      const seconds = (Date.now() - started) / 1000;
      expect(run.result.exitCode).toBe(1);
      expect(errorLine(run.result)).toMatch(/^error: image \S+team\/never-pushed:1\.0\.0 is not in registry /);
      expect(seconds).toBeLessThan(3.5);
      expect(run.moved).toBe(false);
    } finally {
      gitlab.setLatency(0);
    }
  });

  it('refuses an image a cleanup policy deleted', async () => {
    const image = await pushImage(anonymous, 'team/cleaned', '1.0.0');
    await deleteManifest(anonymous, 'team/cleaned', image.digest);
    const run = await bump(`${anonymous.host}/team/cleaned:1.0.0`);
    expect(run.result.exitCode).toBe(1);
    expect(errorLine(run.result)).toMatch(/is not in registry .* \(HTTP 404: MANIFEST_UNKNOWN: manifest unknown\)$/);
    expect(run.moved).toBe(false);
  });

  it('--require-platform: an OCI index with every platform passes; one that lacks a platform is refused', async () => {
    await pushIndex(anonymous, 'team/multi', '3.0.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    const complete = await bump(`${anonymous.host}/team/multi:3.0.0`, [
      '--require-platform',
      'linux/amd64,linux/arm64',
    ]);
    expect(complete.result.exitCode, complete.result.stderr).toBe(0);
    const incomplete = await bump(`${anonymous.host}/team/multi:3.0.0`, [
      '--require-platform',
      'linux/amd64,linux/arm/v7',
    ]);
    expect(incomplete.result.exitCode).toBe(1);
    expect(errorLine(incomplete.result)).toBe(
      `error: image ${anonymous.host}/team/multi:3.0.0 lacks platform linux/arm/v7 (it has linux/amd64, linux/arm64)`,
    );
    expect(incomplete.moved).toBe(false);
  });

  it('stops when the tag is pushed again while the push retries; nothing of ours lands', async () => {
    const first = await pushImage(anonymous, 'team/moving', '5.0.0', { seed: 'first' });
    const second = await pushImage(anonymous, 'team/moving', undefined, { seed: 'second' });
    // Right after the tag is first checked, someone pushes it again (a proxy re-points it on the real registry).
    const proxy = await retaggingProxy(anonymous, '/v2/team/moving/manifests/5.0.0', () =>
      retag(anonymous, 'team/moving', '5.0.0', second.digest),
    );
    try {
      const { project, env } = await newProject(gitlab, 'moving');
      gitlab.setFault({ kind: 'advanceBeforeNextPush', project, branch: 'main', files: { 'x.txt': 'moved\n' } });
      const image = `${proxy.host}/team/moving:5.0.0`;
      const result = await pushTo(
        gitlab,
        project,
        { ...env, IMAGE_BUMP_VERIFY_IMAGE: 'warn' },
        '--target-env',
        'prod',
        '--image',
        `${REGISTRY}/app1=${image}`,
        '--pin-digest',
      );
      gitlab.setFault(null);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(errorLine(result)).toBe(
        `error: tag ${image} moved during the release: it named ${first.digest} when checked, and names ${second.digest} now`,
      );
      expect(troubleFor(errorLine(result))?.id).toBe('tag-moved');
      expect(await readServerFile(gitlab, project, 'main', PROD)).not.toContain('team/moving');
    } finally {
      gitlab.setFault(null);
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });
});

describe('htpasswd (Basic) registry', () => {
  const PASSWORD = 'htpasswd-secret-3141';
  let basic: RunningRegistry;
  beforeAll(async () => {
    basic = await registry({ auth: { kind: 'basic', users: { puller: PASSWORD } } });
    await pushImage(basic, 'team/app', '1.0.0');
  });
  const config = (password: string) =>
    JSON.stringify({
      auths: { [`http://${basic.host}/v2/`]: { auth: Buffer.from(`puller:${password}`).toString('base64') } },
    });

  it('answers the Basic challenge with the login from DOCKER_AUTH_CONFIG', async () => {
    const run = await bump(`${basic.host}/team/app:1.0.0`, [], { DOCKER_AUTH_CONFIG: config(PASSWORD) });
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(run.moved).toBe(true);
    expectNone(run.result, [PASSWORD, Buffer.from(`puller:${PASSWORD}`).toString('base64')]);
  });

  it('refuses a wrong password and no login, saying which', async () => {
    const wrong = await bump(`${basic.host}/team/app:1.0.0`, [], { DOCKER_AUTH_CONFIG: config('wrong-password-2718') });
    expect(wrong.result.exitCode).toBe(1);
    expect(errorLine(wrong.result)).toBe(
      `error: registry ${basic.host} refused to show image ${basic.host}/team/app:1.0.0 to the login from DOCKER_AUTH_CONFIG auths["http://${basic.host}/v2/"] (HTTP 401: UNAUTHORIZED: authentication required)`,
    );
    expectNone(wrong.result, ['wrong-password-2718']);
    const none = await bump(`${basic.host}/team/app:1.0.0`);
    expect(errorLine(none.result)).toMatch(
      /refused to show image \S+ without a login \(HTTP 401: UNAUTHORIZED: authentication required\)$/,
    );
    expect(none.moved).toBe(false);
  });
});

describe('token registry whose realm is the test GitLab', () => {
  let tokens: RunningRegistry;
  const JOB_TOKEN = 'job-token-registry-0a1b2c3d';
  const PAT = 'glpat-read-registry-9f8e7d6c';
  beforeAll(async () => {
    tokens = await registry({ auth: { kind: 'token', issuer: await gitlab.registryTokenIssuer() } });
    await pushImage(tokens, 'team/app', '2.0.0');
    gitlab.addToken({ value: JOB_TOKEN, kind: 'job', scopes: [], pipelineProject: 'team/app' });
    gitlab.addToken({ value: PAT, kind: 'personal', scopes: ['read_registry'], projects: ['team/app'], role: 20 });
    gitlab.addToken({
      value: 'glpat-other-registry-1234',
      kind: 'personal',
      scopes: ['read_registry'],
      projects: ['team/other'],
    });
  });

  it("uses the job's CI_REGISTRY_USER/CI_REGISTRY_PASSWORD for $CI_REGISTRY: a Bearer token from /jwt/auth", async () => {
    const before = gitlab.requests.length;
    const run = await bump(`${tokens.host}/team/app:2.0.0`, ['--pin-digest'], {
      CI_REGISTRY: tokens.host,
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: JOB_TOKEN,
    });
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    const jwt = gitlab.requests.slice(before).filter((request) => request.path === '/jwt/auth');
    expect(jwt.map((request) => [request.status, request.tokenKind, request.credentials])).toEqual([
      [200, 'job', true],
    ]);
    expectNone(run.result, [JOB_TOKEN, Buffer.from(`gitlab-ci-token:${JOB_TOKEN}`).toString('base64'), 'eyJ']);
  });

  it('uses DOCKER_AUTH_CONFIG before CI_REGISTRY_*', async () => {
    const before = gitlab.requests.length;
    const run = await bump(`${tokens.host}/team/app:2.0.0`, [], {
      DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { [tokens.host]: { username: 'someone', password: PAT } } }),
      CI_REGISTRY: tokens.host,
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: 'not-the-one-used-5555',
    });
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(
      gitlab.requests
        .slice(before)
        .filter((r) => r.path === '/jwt/auth')
        .map((r) => r.tokenKind),
    ).toEqual(['personal']);
    expectNone(run.result, [PAT, 'eyJ']);
  });

  it('anonymous: GitLab denies the token (403); a login for another project gets a token without pull (401)', async () => {
    const anonymous = await bump(`${tokens.host}/team/app:2.0.0`);
    expect(anonymous.result.exitCode).toBe(1);
    expect(errorLine(anonymous.result)).toBe(
      `error: the token service ${gitlab.url}/jwt/auth of registry ${tokens.host} gave no token to pull image ${tokens.host}/team/app:2.0.0 (HTTP 403: DENIED: access forbidden)`,
    );
    const other = await bump(`${tokens.host}/team/app:2.0.0`, [], {
      DOCKER_AUTH_CONFIG: JSON.stringify({
        auths: { [tokens.host]: { username: 'x', password: 'glpat-other-registry-1234' } },
      }),
    });
    expect(other.result.exitCode).toBe(1);
    expect(errorLine(other.result)).toMatch(
      /refused to show image \S+ to the login from DOCKER_AUTH_CONFIG auths\["\S+"\] \(HTTP 401: UNAUTHORIZED: authentication required\)$/,
    );
    expect(other.moved).toBe(false);
  });
});

const tls = tlsAvailable();
describe.skipIf(!tls.available)('TLS registry', () => {
  it("passes with the job's CA file (CI_SERVER_TLS_CA_FILE) and fails without it", async () => {
    const secure = await registry({ tls: true });
    await pushImage(secure, 'team/app', '1.0.0');
    const trusted = await bump(`${secure.host}/team/app:1.0.0`, [], { CI_SERVER_TLS_CA_FILE: secure.caFile! });
    expect(trusted.result.exitCode, trusted.result.stderr).toBe(0);
    const untrusted = await bump(`${secure.host}/team/app:1.0.0`);
    expect(untrusted.result.exitCode).toBe(1);
    expect(errorLine(untrusted.result)).toMatch(/^error: TLS to registry \S+ failed for image \S+: TLS failed: /);
    expect(untrusted.moved).toBe(false);
  });
});

/**
 * A pass-through proxy in front of a real registry that runs `afterFirst` once, after the first answer
 * to `path` is read and before it is sent: the tag moves right after it was checked.
 */
async function retaggingProxy(
  target: RunningRegistry,
  path: string,
  afterFirst: () => Promise<unknown>,
): Promise<{ host: string; server: Server }> {
  let done = false;
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      new URL(req.url ?? '/', target.url),
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const send = () => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          };
          if (!done && req.url === path && req.method === 'HEAD') {
            done = true;
            void afterFirst().then(send, send);
          } else send();
        });
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
