/**
 * The registry check's faults, end to end through the CLI against small Node servers: each with its exit
 * code, its error and hint, the server's branch unchanged, the clone removed, and no credential in the output.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip, REGISTRY } from '../support/gitops-repo.js';
import type { CliResult } from '../support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from '../support/test-server.js';
import { requestKind } from '../support/gitlab-server.js';
import { troubleFor } from '../../src/troubleshooting.js';
import {
  DIGEST_A,
  DIGEST_B,
  found,
  registryError,
  selfSignedCertificate,
  useFakeRegistries,
  startUnacceptingPort,
} from './fake-registry.js';

const server = useGitLabServer();
const fake = useFakeRegistries();

const PASSWORD = 'fake-registry-password-5150';
const USER = 'deployer';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const BEARER = 'bearer-token-from-the-realm-8c1d2e';
const authConfig = (host: string) => JSON.stringify({ auths: { [host]: { auth: BASIC } } });

interface Bump {
  result: CliResult;
  tipBefore: string;
  tipAfter: string;
  /** What is left in the run's TMPDIR: the clone is removed whatever happened. */
  leftInTmp: string[];
}

async function bump(image: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Bump> {
  const { project, env: tokenEnv } = await newProject(server, 'verify');
  const tipBefore = await branchTip(server, project, 'main');
  const tmp = mkdtempSync(join(tmpdir(), 'registry-faults-'));
  const result = await pushTo(
    server,
    project,
    { ...tokenEnv, IMAGE_BUMP_VERIFY_IMAGE: 'require', IMAGE_BUMP_DEBUG: '1', NODE_DEBUG: 'http', TMPDIR: tmp, ...env },
    '--target-env',
    'prod',
    '--image',
    `${REGISTRY}/app1=${image}`,
    ...extra,
  );
  return { result, tipBefore, tipAfter: await branchTip(server, project, 'main'), leftInTmp: readdirSync(tmp) };
}

function expectRefused({ result, tipBefore, tipAfter, leftInTmp }: Bump, error: RegExp, hint: RegExp, trouble: string) {
  expect(result.exitCode, result.stderr).toBe(1);
  const errorLine = result.stderr.split('\n').find((line) => line.startsWith('error: '));
  expect(errorLine).toMatch(error);
  expect(result.stderr.split('\n').find((line) => line.startsWith('hint: '))).toMatch(hint);
  expect(troubleFor(errorLine!)?.id).toBe(trouble);
  expect(tipAfter).toBe(tipBefore);
  expect(leftInTmp).toEqual([]);
  expectNoCredential(result);
}

function expectNoCredential(result: CliResult) {
  const output = `${result.stdout}${result.stderr}`;
  for (const secret of [PASSWORD, BASIC, BEARER]) expect(output).not.toContain(secret);
}

const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a registry that cannot confirm the image stops the bump (--verify-image require)', () => {
  it('404: the registry does not have the tag', async () => {
    const registry = await fake((_req, res) => registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown'));
    const image = `${registry.host}/team/app:1.4.2`;
    expectRefused(
      await bump(image),
      new RegExp(
        `^error: image ${quote(image)} is not in registry ${quote(registry.host)} \\(HTTP 404: MANIFEST_UNKNOWN: manifest unknown\\)$`,
      ),
      /tag was pushed|pushed this very tag.*cleanup policy.*multi-arch/,
      'image-missing',
    );
    // Docker's Accept list on the HEAD, then a GET for the registry's words.
    expect(registry.requests.filter((r) => r.url.startsWith('/v2/')).map((r) => `${r.method} ${r.url}`)).toEqual([
      'HEAD /v2/team/app/manifests/1.4.2',
      'GET /v2/team/app/manifests/1.4.2',
    ]);
  });

  it('404 once the clone is done: the run ends without waiting for an expiry lookup that does not answer', async () => {
    const since = server.requests.length;
    let answeredAt = 0;
    // The answer waits until the checkout's blob fetch has been answered: the clone is over then.
    const registry = await fake((_req, res) => {
      const answerOnceCloned = () => {
        const fetches = server.requests.slice(since).filter((r) => requestKind(r) === 'upload-pack');
        if (fetches.length < 2) return void setTimeout(answerOnceCloned, 20);
        setTimeout(() => {
          answeredAt = performance.now();
          registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
        }, 200);
      };
      answerOnceCloned();
    });
    server.setFault({ kind: 'trickle', service: 'api' });
    try {
      const refused = await bump(`${registry.host}/team/app:1.4.2`);
      expectRefused(refused, /^error: image .* is not in registry/, /pushed this very tag/, 'image-missing');
      // The lookup, sent once the clone was done, would have run into its 3 s deadline: the run did not sit it out.
      expect(performance.now() - answeredAt).toBeLessThan(1500);
    } finally {
      server.setFault(null);
    }
  });

  it('5xx: the registry fails', async () => {
    const registry = await fake((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('upstream unavailable');
    });
    const image = `${registry.host}/team/app:1.4.2`;
    expectRefused(
      await bump(image),
      new RegExp(
        `^error: registry ${quote(registry.host)} failed while checking image ${quote(image)} \\(HTTP 503\\)$`,
      ),
      /Run the job again later/,
      'registry-failed',
    );
  });

  it('401: the login is refused; Basic credentials went only to the registry', async () => {
    const registry = await fake((_req, res) =>
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'WWW-Authenticate': 'Basic realm="Registry"',
      }),
    );
    const image = `${registry.host}/team/app:1.4.2`;
    expectRefused(
      await bump(image, [], { DOCKER_AUTH_CONFIG: authConfig(registry.host) }),
      new RegExp(
        `^error: registry ${quote(registry.host)} refused to show image ${quote(image)} to the login from DOCKER_AUTH_CONFIG auths\\["${quote(registry.host)}"\\] \\(HTTP 401: UNAUTHORIZED: authentication required\\)$`,
      ),
      /DOCKER_AUTH_CONFIG.*CI_REGISTRY_USER/,
      'registry-access-denied',
    );
    expect(registry.requests.filter((r) => r.method === 'HEAD').map((r) => r.authorization)).toEqual([
      undefined,
      `Basic ${BASIC}`,
    ]);
  });

  it('a token service that answers something other than a token', async () => {
    const registry = await fake((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        return res.end('<html>login</html>');
      }
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake"`,
      });
    });
    const image = `${registry.host}/team/app:1.4.2`;
    expectRefused(
      await bump(image),
      new RegExp(
        `^error: the token service http://${quote(registry.host)}/token of registry ${quote(registry.host)} gave no token to pull image ${quote(image)} \\(HTTP 200: the answer holds no token\\)$`,
      ),
      /token service refused it or failed/,
      'registry-token-refused',
    );
  });

  it('silence: no answer within --timeout', async () => {
    const registry = await fake(() => undefined);
    const image = `${registry.host}/team/app:1.4.2`;
    const started = performance.now();
    const run = await bump(image, ['--timeout', '2']);
    expect(performance.now() - started).toBeLessThan(15_000);
    expectRefused(
      run,
      new RegExp(
        `^error: cannot reach registry ${quote(registry.host)} for image ${quote(image)}: no (complete )?answer within 2 s$`,
      ),
      /did not answer in time: .*within --timeout seconds.*not through HTTP\(S\)_PROXY/,
      'registry-unreachable',
    );
  });

  it('a registry that never takes the connection holds a warn run up 10 s, not the whole --timeout', async () => {
    const unaccepting = await startUnacceptingPort();
    try {
      const image = `127.0.0.1:${unaccepting.port}/team/app:1.4.2`;
      const started = performance.now();
      const run = await bump(image, ['--timeout', '60'], { IMAGE_BUMP_VERIFY_IMAGE: 'warn' });
      expect(performance.now() - started).toBeLessThan(25_000);
      expect(run.result.exitCode, run.result.stderr).toBe(0);
      expect(run.result.stderr).toContain(
        `warning: cannot reach registry 127.0.0.1:${unaccepting.port} for image ${image}: no connection within 10 s (--verify-image warn: going on)`,
      );
      expect(run.tipAfter).not.toBe(run.tipBefore);
    } finally {
      unaccepting.close();
    }
  });

  it('an unknown host', async () => {
    const image = 'registry.invalid/team/app:1.4.2';
    expectRefused(
      await bump(image),
      /^error: cannot reach registry registry\.invalid for image registry\.invalid\/team\/app:1\.4\.2: the host name does not resolve \((ENOTFOUND|EAI_AGAIN)\)$/,
      /resolve it in DNS/,
      'registry-unreachable',
    );
  });

  it('an answer far larger than any manifest is not read on', async () => {
    const registry = await fake((req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      if (req.method === 'HEAD') return res.end();
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      let sent = 0;
      const more = () => {
        while (sent < 8 && res.write(chunk)) sent++;
        if (sent < 8) res.once('drain', more);
        else res.end();
      };
      more();
    });
    const image = `${registry.host}/team/app:1.4.2`;
    expectRefused(
      await bump(image),
      new RegExp(
        `^error: cannot reach registry ${quote(registry.host)} for image ${quote(image)}: the answer is longer than 4194304 bytes$`,
      ),
      /something other than a registry answered/,
      'registry-unreachable',
    );
  });

  it('TLS: a certificate the job does not trust; trusted through CI_SERVER_TLS_CA_FILE it passes', async () => {
    const tls = selfSignedCertificate();
    const registry = await fake((_req, res) => found(res), tls);
    const image = `${registry.host}/team/app:1.4.2`;
    expectRefused(
      await bump(image),
      new RegExp(
        `^error: TLS to registry ${quote(registry.host)} failed for image ${quote(image)}: TLS failed: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$`,
      ),
      /CI_SERVER_TLS_CA_FILE.*\/etc\/docker\/certs\.d/,
      'registry-tls',
    );
    const trusted = await bump(image, [], { CI_SERVER_TLS_CA_FILE: tls.certFile });
    expect(trusted.result.exitCode, trusted.result.stderr + trusted.result.stdout).toBe(0);
    expect(trusted.tipAfter).not.toBe(trusted.tipBefore);
    expect(trusted.result.stdout).toContain(`${image}: in registry ${registry.host} as ${DIGEST_A}`);
  });
});

describe('warn mode', () => {
  it('prints a warning for a missing image and pushes', async () => {
    const registry = await fake((_req, res) => registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown'));
    const image = `${registry.host}/team/app:1.4.2`;
    const run = await bump(image, ['--verify-image', 'warn']);
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(run.result.stderr).toContain(
      `warning: image ${image} is not in registry ${registry.host} (HTTP 404: MANIFEST_UNKNOWN: manifest unknown) (--verify-image warn: going on)`,
    );
    expect(run.tipAfter).not.toBe(run.tipBefore);
  });

  it('goes on without a malformed DOCKER_AUTH_CONFIG, saying where it is wrong', async () => {
    const registry = await fake((_req, res) => found(res));
    const run = await bump(`${registry.host}/team/app:1.4.2`, ['--verify-image', 'warn'], {
      DOCKER_AUTH_CONFIG: `{"auths": {"${registry.host}": {"auth": "${BASIC}"}`,
    });
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(run.result.stderr).toMatch(
      /^warning: DOCKER_AUTH_CONFIG is not valid JSON \(line 1, column \d+\); the registries are asked without it$/m,
    );
    expectNoCredential(run.result);
  });

  it('refuses a malformed DOCKER_AUTH_CONFIG with exit 2 in require mode, before cloning', async () => {
    const run = await bump('registry.example.com/team/app:1.4.2', [], {
      DOCKER_AUTH_CONFIG: `{"auths": {"r": {"auth": "${BASIC}"}}`,
    });
    expect(run.result.exitCode).toBe(2);
    expect(run.result.stderr).toMatch(/^error: DOCKER_AUTH_CONFIG is not valid JSON \(line 1, column \d+\)$/m);
    expect(run.result.stdout).not.toContain('Clone');
    expectNoCredential(run.result);
  });
});

describe('credentials on the wire', () => {
  it('a Bearer token from the realm, asked with the login, service and pull scope; nothing printed', async () => {
    const registry = await fake((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ token: BEARER, expires_in: 300 }));
      }
      if (req.headers.authorization === `Bearer ${BEARER}`) return found(res);
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake registry",scope="repository:team/app:pull"`,
      });
    });
    const run = await bump(`${registry.host}/team/app:1.4.2`, [], { DOCKER_AUTH_CONFIG: authConfig(registry.host) });
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    const token = registry.requests.find((r) => r.url.startsWith('/token'))!;
    expect(new URL(token.url, 'http://x').searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(new URL(token.url, 'http://x').searchParams.get('service')).toBe('fake registry');
    expect(token.authorization).toBe(`Basic ${BASIC}`);
    expect(registry.requests.filter((r) => r.method === 'HEAD').map((r) => r.authorization)).toEqual([
      undefined,
      `Bearer ${BEARER}`,
    ]);
    expectNoCredential(run.result);
  });

  it('a redirect to another origin is followed without the credentials', async () => {
    const elsewhere = await fake((_req, res) => found(res));
    const registry = await fake((req, res) => {
      if (!req.headers.authorization)
        return registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
          'WWW-Authenticate': 'Basic realm="r"',
        });
      res.writeHead(307, { Location: `${elsewhere.origin}/v2/team/app/manifests/1.4.2` });
      res.end();
    });
    const run = await bump(`${registry.host}/team/app:1.4.2`, [], { DOCKER_AUTH_CONFIG: authConfig(registry.host) });
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(registry.requests.some((r) => r.authorization === `Basic ${BASIC}`)).toBe(true);
    expect(elsewhere.requests.filter((r) => r.url.startsWith('/v2/team')).map((r) => r.authorization)).toEqual([
      undefined,
    ]);
  });
});

describe('--pin-digest', () => {
  it('refuses an argument whose digest is not what its tag names now, showing both', async () => {
    const registry = await fake((_req, res) => found(res, DIGEST_B));
    const image = `${registry.host}/team/app:1.4.2@${DIGEST_A}`;
    expectRefused(
      await bump(image, ['--pin-digest']),
      new RegExp(
        `^error: --pin-digest: the tag of ${quote(image)} resolves to ${DIGEST_B}, not to the digest given, ${DIGEST_A}$`,
      ),
      /Give the tag alone/,
      'pin-digest-mismatch',
    );
  });
});

describe('the digest a registry reports', () => {
  it('is the sha256 of the manifest when the registry sends no Docker-Content-Digest', async () => {
    const body = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}';
    const registry = await fake((req, res) => {
      res.writeHead(200, {
        'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
        'Content-Length': body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    const run = await bump(`${registry.host}/team/app:1.4.2`, ['--pin-digest']);
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    const { createHash } = await import('node:crypto');
    expect(run.result.stdout).toContain(`as sha256:${createHash('sha256').update(body).digest('hex')}`);
  });

  it('comes from the GET when a proxy refuses HEAD (405), as Docker falls back to GET', async () => {
    const registry = await fake((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(405);
        return res.end();
      }
      found(res, DIGEST_B);
    });
    const run = await bump(`${registry.host}/team/app:1.4.2`, ['--pin-digest']);
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(run.result.stdout).toContain(`as ${DIGEST_B}`);
  });

  it('is refused when it is not a digest, so that nothing else is ever written into the files', async () => {
    const registry = await fake((_req, res) => found(res, 'sha256:zz\nnewName: evil'.replace('\n', ' ')));
    const image = `${registry.host}/team/app:1.4.2`;
    expectRefused(
      await bump(image, ['--pin-digest']),
      new RegExp(
        `^error: registry ${quote(registry.host)} failed while checking image ${quote(image)} \\(HTTP 200: the registry reported a Docker-Content-Digest that is no digest\\)$`,
      ),
      /Run the job again later/,
      'registry-failed',
    );
  });
});
