import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedirectRefusal, redirectError, redirectTarget } from '../src/git/redirect.js';
import { lookUpExpiry } from '../src/push/token-expiry.js';
import { troubleFor } from '../src/troubleshooting.js';
import { closedPort } from './support/closed-port.js';

const TOKEN = 'glpat-Rdr7xQk2mW9zT4vB8nL3';

/** A plain HTTP server that records the headers of every request and answers with `answer`. */
async function recordingServer(
  answer: (url: string) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    const { status, headers, body } = answer(req.url ?? '/');
    res.writeHead(status, headers);
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let target: Awaited<ReturnType<typeof recordingServer>>;
let redirecting: Awaited<ReturnType<typeof recordingServer>>;

beforeAll(async () => {
  target = await recordingServer(() => ({
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    body: '{"expires_at":"2030-01-01"}',
  }));
  redirecting = await recordingServer((url) => ({ status: 302, headers: { Location: `${target.url}${url}` } }));
});
afterAll(async () => {
  await Promise.all([target?.close(), redirecting?.close()]);
});

describe('a redirect', () => {
  it('is what git reports with http.followRedirects=false', () => {
    expect(
      isRedirectRefusal("fatal: unable to access 'http://127.0.0.1:1/g/p.git/': The requested URL returned error: 302"),
    ).toBe(true);
    expect(
      isRedirectRefusal("fatal: unable to access 'http://127.0.0.1:1/g/p.git/': The requested URL returned error: 403"),
    ).toBe(false);
  });

  it('is asked where it leads without credentials, and not followed', async () => {
    const before = target.seen.length;
    expect(await redirectTarget(`${redirecting.url}/g/p.git`, 'git-receive-pack')).toBe(
      `${target.url}/g/p.git/info/refs?service=git-receive-pack`,
    );
    expect(redirecting.seen.at(-1)).not.toHaveProperty('authorization');
    expect(target.seen.length).toBe(before);
    expect(await redirectTarget(`${target.url}/g/p.git`, 'git-upload-pack')).toBeUndefined();
    expect(await redirectTarget(`http://127.0.0.1:${await closedPort()}/g/p.git`, 'git-upload-pack')).toBeUndefined();
  });

  it.each([
    [
      'another origin',
      'http://127.0.0.1:2/g/p.git/info/refs?service=git-upload-pack',
      'the server redirected http://127.0.0.1:1 to http://127.0.0.1:2; the token is sent only to http://127.0.0.1:1',
    ],
    [
      'https on the same host',
      'https://127.0.0.1:1/g/p.git/info/refs',
      'the server redirected http://127.0.0.1:1 to https://127.0.0.1:1; the token is sent only to http://127.0.0.1:1',
    ],
    [
      'a moved project',
      'http://127.0.0.1:1/g/renamed.git/info/refs?service=git-upload-pack',
      'the server redirected http://127.0.0.1:1/g/p.git to http://127.0.0.1:1/g/renamed.git/info/refs; no redirect is followed',
    ],
    [
      'nowhere the probe saw',
      undefined,
      'the server answered http://127.0.0.1:1/g/p.git with a redirect; no redirect is followed',
    ],
  ])('to %s is refused, named, and a trouble of its own', (_case, location, message) => {
    const error = redirectError('http://127.0.0.1:1/g/p.git', location);
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(1);
    expect(error.hint).toMatch(
      /^Set --server-url .* if the project was moved or renamed, set --project to its new path\./,
    );
    expect(troubleFor(error.message)?.id).toBe('server-redirect');
  });
});

describe('the token expiry lookup', () => {
  it('follows no redirect: the token goes to the server named only', async () => {
    const before = target.seen.length;
    expect(await lookUpExpiry(redirecting.url, TOKEN)).toEqual({ unknown: 'HTTP 302' });
    expect(redirecting.seen.at(-1)?.['private-token']).toBe(TOKEN);
    expect(target.seen.length, 'requests that reached the other origin').toBe(before);
    expect(await lookUpExpiry(target.url, TOKEN)).toEqual({ expiresAt: '2030-01-01' });
  });

  it('prints nothing of the token under NODE_DEBUG=http, even with nothing to redact it', async () => {
    // NODE_DEBUG is read when Node starts: only a process of its own shows what it prints.
    const module = fileURLToPath(new URL('../src/push/token-expiry.ts', import.meta.url));
    const script = `const { lookUpExpiry } = await import(${JSON.stringify(module)}); console.log(JSON.stringify(await lookUpExpiry(${JSON.stringify(target.url)}, ${JSON.stringify(TOKEN)})));`;
    const result = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { NODE_DEBUG: 'http,net' },
      reject: false,
    });
    expect(result.stdout.trim(), result.stderr).toBe('{"expiresAt":"2030-01-01"}');
    expect(result.stderr).toMatch(/HTTP \d+: createConnection/);
    expect(result.stderr).not.toContain(TOKEN);
  });
});
