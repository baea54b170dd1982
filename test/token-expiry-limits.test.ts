import { describe, expect, it } from 'vitest';
import { lookUpExpiry } from '../src/push/token-expiry.js';
import { useGitLabServer } from './support/test-server.js';

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
      const { value, ms } = await timed(lookUpExpiry(server.url, 'some-token', 3000));
      expect(value).toEqual({ unknown: 'too large' });
      expect(ms).toBeLessThan(1500);
    } finally {
      server.setFault(null);
    }
  });

  it('gives a trickling answer its deadline in all, not per byte', async () => {
    server.setFault({ kind: 'trickle', service: 'api' });
    try {
      const { value, ms } = await timed(lookUpExpiry(server.url, 'some-token', 1000));
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
      const lookup = timed(lookUpExpiry(server.url, 'some-token', 3000, abandon.signal));
      setTimeout(() => abandon.abort(), 200);
      const { value, ms } = await lookup;
      expect(value).toEqual({ unknown: 'abandoned' });
      expect(ms).toBeLessThan(1000);
    } finally {
      server.setFault(null);
    }
  });
});
