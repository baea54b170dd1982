import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { lookUpExpiry } from '../src/push/token-expiry.js';
import { requestKind } from './support/gitlab-server.js';
import { newProject, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

describe('the token expiry lookup keeps its limits', () => {
  it('stops reading an answer without end at 64 KiB', async () => {
    server.setFault({ kind: 'endless', service: 'api' });
    try {
      const { value, ms } = await timed(lookUpExpiry(server.url, 'some-token', { timeoutMs: 3000 }));
      expect(value).toEqual({ unknown: 'too large' });
      expect(ms).toBeLessThan(1500);
    } finally {
      server.setFault(null);
    }
  });

  it('gives a trickling answer its deadline in all, not per byte', async () => {
    server.setFault({ kind: 'trickle', service: 'api' });
    try {
      const { value, ms } = await timed(lookUpExpiry(server.url, 'some-token', { timeoutMs: 1000 }));
      expect(value).toEqual({ unknown: 'timeout' });
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(2000);
    } finally {
      server.setFault(null);
    }
  });

  it('is abandoned at once when its signal aborts', async () => {
    server.setFault({ kind: 'trickle', service: 'api' });
    try {
      const abandon = new AbortController();
      const lookup = timed(lookUpExpiry(server.url, 'some-token', { timeoutMs: 3000, signal: abandon.signal }));
      setTimeout(() => abandon.abort(), 200);
      const { value, ms } = await lookup;
      expect(value).toEqual({ unknown: 'abandoned' });
      expect(ms).toBeLessThan(1000);
    } finally {
      server.setFault(null);
    }
  });

  it('made at once and sent when sendAfter settles: the server sees it then, and its deadline counts from then', async () => {
    const { token } = await newProject(server, 'expiry-later', {
      token: { expiresAt: '2031-02-03', scopes: ['api', 'write_repository'] },
    });
    const since = server.requests.length;
    let release!: () => void;
    const sendAfter = new Promise<void>((resolve) => (release = resolve));
    const lookup = timed(lookUpExpiry(server.url, token, { timeoutMs: 1000, sendAfter }));
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(server.requests.slice(since).filter((r) => requestKind(r) === 'api')).toHaveLength(0);
    release();
    const { value, ms } = await lookup;
    expect(value).toEqual({ expiresAt: '2031-02-03' });
    expect(ms).toBeGreaterThanOrEqual(1300);
    expect(server.requests.slice(since).filter((r) => requestKind(r) === 'api')).toHaveLength(1);
  });

  it('abandoned before it was sent: it never reaches the server', async () => {
    const since = server.requests.length;
    const abandon = new AbortController();
    let release!: () => void;
    const sendAfter = new Promise<void>((resolve) => (release = resolve));
    const lookup = lookUpExpiry(server.url, 'some-token', { signal: abandon.signal, sendAfter });
    await new Promise((resolve) => setTimeout(resolve, 100));
    abandon.abort();
    release();
    expect(await lookup).toEqual({ unknown: 'abandoned' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests.slice(since).filter((r) => requestKind(r) === 'api')).toHaveLength(0);
  });

  it('made ahead on a connection the server closes while it waits (a header timeout): made again when it is sent', async () => {
    let answered = 0;
    const idleClosing = createServer(
      { headersTimeout: 400, requestTimeout: 800, connectionsCheckingInterval: 100 },
      (_request, response) => {
        answered++;
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{"expires_at":"2031-02-03"}');
      },
    );
    await new Promise<void>((resolve) => idleClosing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = idleClosing.address() as AddressInfo;
      const sendAfter = new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await lookUpExpiry(`http://127.0.0.1:${port}`, 'some-token', { sendAfter })).toEqual({
        expiresAt: '2031-02-03',
      });
      expect(answered).toBe(1);
    } finally {
      idleClosing.closeAllConnections();
      await new Promise((resolve) => idleClosing.close(resolve));
    }
  });
});
