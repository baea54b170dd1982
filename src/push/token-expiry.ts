import { readFileSync } from 'node:fs';
import { guardProcessOutput } from '../failures/redact.js';
import { requestFunction } from '../git/http-request.js';

/**
 * When the token expires, asked of GitLab's `personal_access_tokens/self` (which answers for project
 * access tokens too). Any failure means "unknown": this check never fails a bump.
 */
export type ExpiryLookup = { expiresAt: string | null } | { unknown: string };

/** An answer is a few hundred bytes: anything much longer is not GitLab's, and is not read on. */
const BODY_CAP = 64 * 1024;

export interface ExpiryLookupOptions {
  /** Bounds the whole exchange, counted from when the request is sent, a trickling answer included. */
  timeoutMs?: number;
  /** Abandons the lookup. */
  signal?: AbortSignal;
  caFile?: string;
  /**
   * The request is made (and its connection opened) at once, and sent when this settles: the JS of a
   * first HTTP request then runs while the process has nothing else to do, and the server answers it
   * when it suits the run.
   */
  sendAfter?: Promise<unknown>;
}

/**
 * node:http rather than fetch: fetch costs more to load than the lookup itself. node:http follows no
 * redirect: a 3xx is just "unknown", and the token goes to the validated server only. The token is set
 * after the request is made, so that the options NODE_DEBUG=http prints when it opens the connection do
 * not hold it. A request made ahead (`sendAfter`) whose connection the server closes before it is sent
 * (a front end's timeout for idle connections, during a long clone) is made once more when it is sent.
 */
export async function lookUpExpiry(
  serverUrl: string,
  token: string,
  { timeoutMs = 3000, signal, caFile, sendAfter }: ExpiryLookupOptions = {},
): Promise<ExpiryLookup> {
  guardProcessOutput();
  let ca: Buffer | undefined;
  try {
    ca = caFile ? readFileSync(caFile) : undefined;
  } catch {
    return { unknown: 'CA file unreadable' };
  }
  const url = new URL(`${serverUrl}/api/v4/personal_access_tokens/self`);
  const send = await requestFunction(url);
  return new Promise((resolveOnce) => {
    let settled = false;
    let sent = false;
    let deadline: NodeJS.Timeout | undefined;
    const resolve = (lookup: ExpiryLookup) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolveOnce(lookup);
    };
    const makeRequest = () => {
      const request = send(url, { headers: { Accept: 'application/json' }, signal, ca }, (response) => {
        // An answer before the request was sent is the server giving up on an idle connection.
        if (!sent) return request.destroy();
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > BODY_CAP) return request.destroy(new Error('too large'));
          chunks.push(chunk);
        });
        response.on('error', () => resolve({ unknown: 'error' }));
        response.on('close', () => resolve({ unknown: 'closed' })); // after 'end', when that came
        response.on('end', () => {
          if (response.statusCode !== 200) return resolve({ unknown: `HTTP ${response.statusCode}` });
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { expires_at?: unknown };
            resolve({ expiresAt: typeof body.expires_at === 'string' ? body.expires_at : null });
          } catch {
            resolve({ unknown: 'not JSON' });
          }
        });
      });
      request.setHeader('PRIVATE-TOKEN', token);
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => {
        if (!sent && !signal?.aborted) return; // made again when it is sent
        resolve({
          unknown:
            error.message === 'timeout' || error.message === 'too large'
              ? error.message
              : signal?.aborted
                ? 'abandoned'
                : 'error',
        });
      });
      return request;
    };
    let request = makeRequest();
    const sendNow = () => {
      if (settled) return;
      if (signal?.aborted) return resolve({ unknown: 'abandoned' });
      if (request.destroyed) request = makeRequest();
      sent = true;
      request.setTimeout(timeoutMs);
      deadline = setTimeout(() => request.destroy(new Error('timeout')), timeoutMs);
      request.end();
    };
    if (sendAfter) void sendAfter.then(sendNow, sendNow);
    else sendNow();
  });
}

/** Whole days until the token stops working (at 00:00 UTC on its expiry date). */
export function daysUntil(expiresAt: string, now = new Date()): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(expiresAt);
  if (!match) return undefined;
  const end = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Math.floor((end - now.getTime()) / 86_400_000);
}

export function expiryWarning(
  lookup: ExpiryLookup,
  tokenVariable: string,
  warningDays: number,
  now = new Date(),
): string | undefined {
  if (!('expiresAt' in lookup) || !lookup.expiresAt) return undefined;
  const days = daysUntil(lookup.expiresAt, now);
  if (days === undefined || days > warningDays) return undefined;
  const when = days <= 0 ? 'today' : days === 1 ? 'in 1 day' : `in ${days} days`;
  return `the token in ${tokenVariable} expires on ${lookup.expiresAt.slice(0, 10)} (${when}): create a new Project Access Token on the GitOps project (scope write_repository, same role) and update ${tokenVariable} before then`;
}
