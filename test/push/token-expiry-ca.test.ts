import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookUpExpiry } from '../../src/push/token-expiry.js';

// A GitLab behind a certificate of its own CA, as CI_SERVER_TLS_CA_FILE describes on a self-managed instance.
const dir = mkdtempSync(join(tmpdir(), 'image-bump-ca-'));
const caFile = join(dir, 'cert.pem');
let server: Server;
let url: string;

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', caFile],
    ],
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(caFile) },
    (request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          expires_at: request.headers['private-token'] === 'glpat-ca-test-token-0001' ? '2030-01-01' : null,
        }),
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the token expiry lookup on a server with its own CA', () => {
  it('trusts the CA file the job names, as git does', async () => {
    expect(await lookUpExpiry(url, 'glpat-ca-test-token-0001', { caFile })).toEqual({
      expiresAt: '2030-01-01',
    });
  });

  it('without it, the certificate is not trusted and the expiry stays unknown', async () => {
    expect(await lookUpExpiry(url, 'glpat-ca-test-token-0001')).toEqual({ unknown: 'error' });
  });
});
