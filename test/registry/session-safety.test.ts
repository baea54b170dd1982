/**
 * The registry check against small Node servers, driven through ImageVerification directly (no clone):
 * where credentials may go, malformed redirects, answers without a digest.
 */
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../src/failures/output.js';
import { parseImageArg } from '../../src/image/image-arg.js';
import { ImageVerification } from '../../src/registry/image-verification.js';
import { readRegistryEnvironment } from '../../src/settings/environment-inputs.js';
import type { RegistryEnvironment, RegistrySettings } from '../../src/settings/types.js';
import { DIGEST_A, found, registryError, selfSignedCertificate, useFakeRegistries } from './fake-registry.js';

const fake = useFakeRegistries();

const USER = 'deployer';
const PASSWORD = 'session-safety-password-7731';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

function loginFor(host: string): RegistryEnvironment {
  return {
    authConfig: {
      auths: { [host]: { username: USER, password: PASSWORD, source: `DOCKER_AUTH_CONFIG auths["${host}"]` } },
      helperHosts: {},
    },
  };
}

interface Run {
  images?: string[];
  error?: Error;
  stdout: string;
  stderr: string;
  verified: ReturnType<ImageVerification['verified']>;
  verification: ImageVerification;
}

/** Verifies `image` (as the new image of setting `app`) and reports what happened and what was printed. */
async function verify(
  image: string | string[],
  registry: Partial<RegistrySettings> = {},
  env: RegistryEnvironment = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const output = createOutput(
    { inCi: false, noColor: true, debug: false },
    { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } },
  );
  const verification = new ImageVerification(
    {
      images: [image].flat().map((one, index) => parseImageArg(`app${index}=${one}`)),
      registry: { verifyImage: 'require', pinDigest: false, requirePlatforms: [], ...registry },
      timeoutSeconds: 5,
      serverUrl: 'https://gitlab.example.com',
    },
    env,
    output,
  );
  try {
    const settings = await verification.images();
    const images = settings.map((s) => `${s.newName ?? s.name}:${s.newTag ?? ''}${s.digest ? `@${s.digest}` : ''}`);
    return { images, stdout, stderr, verified: verification.verified(), verification };
  } catch (error) {
    return { error: error as Error, stdout, stderr, verified: verification.verified(), verification };
  }
}

describe('credentials go only to the registry', () => {
  it('a 401 challenge from a host a redirect led to is not answered: its realm never sees the login', async () => {
    const elsewhere = await fake((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ token: 'stolen' }));
      }
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="x"`,
      });
    });
    const registry = await fake((req, res) => {
      res.writeHead(307, { Location: `${elsewhere.origin}${req.url}` });
      res.end();
    });
    const run = await verify(`${registry.host}/team/app:1.4.2`, {}, loginFor(registry.host));
    expect(run.error?.message).toMatch(/refused to show image .* \(HTTP 401: UNAUTHORIZED: authentication required\)$/);
    expect(elsewhere.requests.filter((r) => r.url.startsWith('/token'))).toEqual([]);
    expect(elsewhere.requests.map((r) => r.authorization)).not.toContain(BASIC);
    expect(elsewhere.requests.every((r) => r.authorization === undefined)).toBe(true);
  });
});

describe('a redirect that cannot be followed is a failure of the registry, not of the program', () => {
  const redirecting = (location: string) =>
    fake((_req, res) => {
      res.writeHead(302, { Location: location });
      res.end();
    });

  for (const [what, location, detail] of [
    ['no URL', 'http://[bad', 'the registry redirected to a location that is no URL'],
    ['another scheme', 'ftp://127.0.0.1/v2/team/app', 'the registry redirected to a URL that is not HTTPS (ftp:)'],
  ] as const)
    it(`to ${what}: a warning in warn mode, and the run goes on`, async () => {
      const registry = await redirecting(location);
      const image = `${registry.host}/team/app:1.4.2`;
      const run = await verify(image, { verifyImage: 'warn' });
      expect(run.error).toBeUndefined();
      expect(run.images).toEqual([image]);
      expect(run.verified).toEqual([{ image, digest: undefined, status: 'not-verified' }]);
      expect(run.stderr).toContain(`cannot reach registry ${registry.host} for image ${image}: ${detail}`);
      const required = await verify(image, { verifyImage: 'require' });
      expect((required.error as { hint?: string } | undefined)?.hint).toMatch(
        /^The registry \(or a proxy in front of it\) sent the request somewhere this job does not follow/,
      );
    });

  it('from HTTPS to plain HTTP: refused, and the plain-HTTP host is never asked', async () => {
    const elsewhere = await fake((_req, res) => found(res));
    const tls = selfSignedCertificate();
    const registry = await fake((req, res) => {
      res.writeHead(307, { Location: `${elsewhere.origin}${req.url}` });
      res.end();
    }, tls);
    const run = await verify(
      `${registry.host}/team/app:1.4.2`,
      {},
      { ...loginFor(registry.host), caFile: tls.certFile },
    );
    expect(run.error?.message).toMatch(/: the registry redirected from HTTPS to plain HTTP$/);
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('the digest', () => {
  /** HEAD 200 without Docker-Content-Digest, and a GET that fails: the image is there, its digest unknown. */
  const noDigest = (res: import('node:http').ServerResponse) => {
    if (res.req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      return res.end();
    }
    registryError(res, 503, 'UNAVAILABLE', 'try later');
  };

  it('--pin-digest fails when the registry reports none (it pinned nothing, silently)', async () => {
    const registry = await fake((_req, res) => noDigest(res));
    const image = `${registry.host}/team/app:1.4.2`;
    const run = await verify(image, { pinDigest: true });
    expect(run.error?.message).toBe(
      `registry ${registry.host} failed while checking image ${image} (HTTP 200: the registry reported no digest)`,
    );
    // Without pinning, the image being there is enough.
    const plain = await verify(image);
    expect(plain.error).toBeUndefined();
    expect(plain.verified).toEqual([{ image, digest: undefined, status: 'verified' }]);
  });

  it('a tag asked again on a retry fails when the registry reports none now', async () => {
    let heads = 0;
    const registry = await fake((req, res) => {
      if (req.method === 'HEAD' && ++heads === 1) return found(res, DIGEST_A);
      noDigest(res);
    });
    const image = `${registry.host}/team/app:1.4.2`;
    const run = await verify(image, { pinDigest: true });
    expect(run.images).toEqual([`${image}@${DIGEST_A}`]);
    await expect(run.verification.recheckTags()).rejects.toThrow(
      `registry ${registry.host} failed while checking image ${image} (HTTP 200: the registry reported no digest)`,
    );
  });

  it('a proxy that refuses HEAD (405) and a GET that finds nothing (404): the image is missing', async () => {
    const registry = await fake((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(405);
        return res.end();
      }
      registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    });
    const image = `${registry.host}/team/app:1.4.2`;
    const run = await verify(image);
    expect(run.error?.message).toBe(
      `image ${image} is not in registry ${registry.host} (HTTP 404: MANIFEST_UNKNOWN: manifest unknown)`,
    );
  });
});

describe('trust', () => {
  it("a registry whose CA is in NODE_EXTRA_CA_CERTS is trusted when the job's CA file is there too", async () => {
    const registryTls = selfSignedCertificate();
    const gitlabTls = selfSignedCertificate();
    const registry = await fake((_req, res) => found(res), registryTls);
    const env = readRegistryEnvironment(
      { CI_SERVER_TLS_CA_FILE: gitlabTls.certFile, NODE_EXTRA_CA_CERTS: registryTls.certFile },
      true,
    );
    const image = `${registry.host}/team/app:1.4.2`;
    const run = await verify(image, {}, env);
    expect(run.error).toBeUndefined();
    expect(run.verified).toEqual([{ image, digest: DIGEST_A, status: 'verified' }]);
  });
});

describe('--require-platform', () => {
  it('asks for the image config only by a well-formed digest (it goes into a path sent with the credentials)', async () => {
    const registry = await fake((req, res) => {
      if (req.url?.includes('/blobs/')) return found(res);
      if (req.method === 'HEAD') return found(res);
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(JSON.stringify({ schemaVersion: 2, config: { digest: '../../../../other/repo/manifests/x?y=' } }));
    });
    const image = `${registry.host}/team/app:1.4.2`;
    const run = await verify(image, { requirePlatforms: [{ os: 'linux', architecture: 'amd64' }] });
    expect(run.error?.message).toBe(
      `cannot read the platforms of image ${image}: the manifest names an image config digest that is no digest`,
    );
    expect(registry.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'HEAD /v2/team/app/manifests/1.4.2',
      `GET /v2/team/app/manifests/${DIGEST_A}`,
    ]);
  });
});

describe('warn mode', () => {
  it('holds its warnings until the answers are awaited, with the found lines (not inside the clone section)', async () => {
    const registry = await fake((_req, res) => registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown'));
    const image = `${registry.host}/team/app:1.4.2`;
    let stderr = '';
    const output = createOutput(
      { inCi: false, noColor: true, debug: false },
      { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } },
    );
    const verification = new ImageVerification(
      {
        images: [parseImageArg(`app=${image}`)],
        registry: { verifyImage: 'warn', pinDigest: false, requirePlatforms: [] },
        timeoutSeconds: 5,
        serverUrl: 'https://gitlab.example.com',
      },
      {},
      output,
    );
    await verification.start();
    expect(stderr).toBe('');
    await verification.images();
    expect(stderr).toBe(
      `warning: image ${image} is not in registry ${registry.host} (HTTP 404: MANIFEST_UNKNOWN: manifest unknown) (--verify-image warn: going on)\n`,
    );
  });
});

describe('requests in parallel', () => {
  it('share one token exchange per repository and one scheme probe, and ask a reference named twice once', async () => {
    const tls = selfSignedCertificate();
    const TOKEN = 'one-token-for-all-9d1f';
    const registry = await fake((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ token: TOKEN }));
      }
      if (req.url === '/v2/') {
        res.writeHead(200);
        return res.end('{}');
      }
      if (req.headers.authorization === `Bearer ${TOKEN}`) return found(res);
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'WWW-Authenticate': `Bearer realm="https://${req.headers.host}/token",service="fake"`,
      });
    }, tls);
    const image = (tag: string) => `${registry.host}/team/app:${tag}`;
    const run = await verify(
      [image('1.0.0'), image('2.0.0'), image('3.0.0'), image('1.0.0')],
      {},
      {
        caFile: tls.certFile,
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.verified.map((one) => one.image)).toEqual([image('1.0.0'), image('2.0.0'), image('3.0.0')]);
    const asked = registry.requests.map((r) => `${r.method} ${r.url.replace(/\?.*/, '')}`);
    expect(asked.filter((line) => line === 'GET /token')).toHaveLength(1);
    expect(asked.filter((line) => line === 'GET /v2/')).toHaveLength(1);
    expect(asked.filter((line) => line === 'HEAD /v2/team/app/manifests/1.0.0')).toHaveLength(2);
  });
});
