/**
 * A real OCI registry for tests: the CNCF distribution registry 2.8 (Debian's `docker-registry`),
 * started on a free port with a generated config (filesystem storage in a temporary directory,
 * deletes enabled), anonymous, with htpasswd (Basic) or token (Bearer) authentication, over HTTP or TLS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { createServer } from 'node:net';
import { createServerCertificate, tlsAddress } from './registry-tls.js';
import type { RegistryTokenIssuer } from './registry-tokens.js';

export { tlsAvailable } from './registry-tls.js';

export const REGISTRY_BINARY = process.env.DOCKER_REGISTRY_BINARY ?? 'docker-registry';

export type RegistryAuth =
  /** No authentication: every request is allowed. */
  | { kind: 'anonymous' }
  /** htpasswd: `users` maps user names to passwords (hashed with bcrypt into the registry's htpasswd file). */
  | { kind: 'basic'; users: Record<string, string>; realm?: string }
  /** Bearer tokens signed by `issuer` (the test GitLab's `/jwt/auth`, see GitLabServer.registryTokenIssuer()). */
  | { kind: 'token'; issuer: RegistryTokenIssuer };

export interface StartRegistryOptions {
  /** Anonymous by default. */
  auth?: RegistryAuth;
  /**
   * Serve HTTPS with a certificate from a generated CA, bound to the machine's own non-loopback address
   * (a client speaks plain HTTP to 127.0.0.0/8 and localhost, as Docker does). Check tlsAvailable() first.
   */
  tls?: boolean;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` (or `ADDRESS:PORT`, `[ADDRESS]:PORT` with TLS) as written in an image reference. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` or `https://ADDRESS:PORT`, no trailing slash. */
  readonly url: string;
  /** PEM file of the CA that signed the TLS certificate (TLS only). */
  readonly caFile?: string;
  readonly auth: RegistryAuth;
  /** An Authorization header value with every right on repository `name` (pull, push, delete), or undefined when anonymous. */
  adminAuthorization(name: string): string | undefined;
  /** What the registry wrote to stderr so far (errors only: the log level is `error`). */
  logs(): string;
  /** Kills the registry and removes its directory. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts the registry in a shell that kills it when its stdin closes: stop() closes it, and so does
 * the end of the test process however it ends, so no registry outlives the test run.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$1" serve "$2" </dev/null 3<&- & r=$!',
  // An asynchronous list reads /dev/null unless told otherwise: the watcher reads the shell's stdin as fd 3.
  '(read -r _ <&3; kill "$r" 2>/dev/null) & w=$!',
  'wait "$r"; status=$?',
  'kill "$w" 2>/dev/null',
  'exit "$status"',
].join('\n');

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const auth = options.auth ?? { kind: 'anonymous' };
  const dir = await mkdtemp(join(tmpdir(), 'registry-test-'));
  try {
    const address = options.tls ? tlsAddress() : '127.0.0.1';
    if (address === undefined) throw new Error('no non-loopback address for a TLS registry (see tlsAvailable())');
    const certificate = options.tls ? await createServerCertificate(dir, address) : undefined;
    const authConfig = await writeAuthConfig(dir, auth);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(address);
      const hostPart = address.includes(':') ? `[${address}]` : address;
      const host = `${hostPart}:${port}`;
      const url = `${certificate ? 'https' : 'http'}://${host}`;
      const configFile = join(dir, 'config.yml');
      await writeFile(
        configFile,
        JSON.stringify({
          version: 0.1,
          log: { level: 'error', accesslog: { disabled: true } },
          storage: {
            filesystem: { rootdirectory: join(dir, 'data') },
            delete: { enabled: true },
            maintenance: { uploadpurging: { enabled: false } },
          },
          http: {
            addr: `${hostPart}:${port}`,
            secret: randomBytes(16).toString('hex'),
            headers: { 'X-Content-Type-Options': ['nosniff'] },
            ...(certificate ? { tls: { certificate: certificate.certFile, key: certificate.keyFile } } : {}),
          },
          ...(authConfig ? { auth: authConfig } : {}),
        }),
      );
      const child = spawn('sh', ['-c', WATCHDOG, 'sh', REGISTRY_BINARY, configFile], {
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      running.add(child);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-64 * 1024);
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const registry: RunningRegistry = {
        host,
        url,
        ...(certificate ? { caFile: certificate.caFile } : {}),
        auth,
        adminAuthorization: (name) => adminAuthorization(auth, name),
        logs: () => stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.stdin.end();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
          }
          running.delete(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
      const ca = certificate ? readFileSync(certificate.caFile) : undefined;
      const ready = await waitUntilAnswering(url, ca, exited);
      if (ready) return registry;
      running.delete(child);
      // Another process may have taken the port between closedPort() and the registry's bind.
      if (attempt < 3 && /address already in use/.test(stderr)) continue;
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start (${REGISTRY_BINARY}):\n${stderr}`);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function writeAuthConfig(dir: string, auth: RegistryAuth): Promise<object | undefined> {
  if (auth.kind === 'anonymous') return undefined;
  if (auth.kind === 'basic') {
    const path = join(dir, 'htpasswd');
    // The registry's htpasswd reader accepts bcrypt hashes only.
    const lines = Object.entries(auth.users).map(([user, password]) => `${user}:${bcrypt.hashSync(password, 5)}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    return { htpasswd: { realm: auth.realm ?? 'basic-realm', path } };
  }
  const rootcertbundle = join(dir, 'token-issuer.crt');
  await writeFile(rootcertbundle, auth.issuer.certificatePem);
  return {
    token: { realm: auth.issuer.realm, service: auth.issuer.service, issuer: auth.issuer.issuer, rootcertbundle },
  };
}

function adminAuthorization(auth: RegistryAuth, name: string): string | undefined {
  if (auth.kind === 'anonymous') return undefined;
  if (auth.kind === 'basic') {
    const [user, password] = Object.entries(auth.users)[0] ?? [];
    if (user === undefined) throw new Error('a basic-auth registry needs at least one user');
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const token = auth.issuer.mint({
    subject: 'registry-test-admin',
    access: [{ type: 'repository', name, actions: ['pull', 'push', 'delete'] }],
  });
  return `Bearer ${token}`;
}

/** Polls `GET /v2/` until the registry answers (any status) or exits; 10 s at most. */
async function waitUntilAnswering(url: string, ca: Buffer | undefined, exited: Promise<unknown>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (!gone && Date.now() < deadline) {
    if (await answers(`${url}/v2/`, ca)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

function answers(url: string, ca: Buffer | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const request = url.startsWith('https:') ? httpsRequest(url, { ca }) : httpRequest(url);
    request.setTimeout(1000, () => request.destroy());
    request.on('response', (response) => {
      response.resume();
      resolve(true);
    });
    request.on('error', () => resolve(false));
    request.end();
  });
}

/** A TCP port on `address` that nothing listens on: bound by the OS, then released at once. */
async function freePort(address: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const bound = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (bound === null || typeof bound === 'string') throw new Error('no TCP address');
  return bound.port;
}
