/** HTTP plumbing of the test GitLab: routing of GitLab's URLs and small response helpers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasScope, type Token, type TokenStore } from './gitlab-tokens.js';

export type Service = 'git-upload-pack' | 'git-receive-pack' | 'api';

export type GitEndpoint = 'info/refs' | 'git-upload-pack' | 'git-receive-pack';
export type Route =
  | { kind: 'api'; path: string }
  | { kind: 'git'; project: string; endpoint: GitEndpoint; service?: Service }
  | { kind: 'unknown' };

/** `/<group>[/<subgroup>…]/<project>[.git]/<smart HTTP endpoint>` or `/api/v4/…`. */
export function parseRoute(url: URL): Route {
  if (url.pathname.startsWith('/api/v4/')) return { kind: 'api', path: url.pathname.slice('/api/v4'.length) };
  const match = /^\/(.+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(url.pathname);
  if (!match) return { kind: 'unknown' };
  const project = match[1]!;
  const segments = project.split('/');
  if (segments.length < 2 || segments.some((s) => s === '' || s === '.' || s === '..')) return { kind: 'unknown' };
  const endpoint = match[2] as GitEndpoint;
  const name = endpoint === 'info/refs' ? url.searchParams.get('service') : endpoint;
  const service = name === 'git-upload-pack' || name === 'git-receive-pack' ? name : undefined;
  return { kind: 'git', project, endpoint, service };
}

export function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${body}\n`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** What a hostile or broken server sends first: a 200 with the content type a client expects for `service`. */
function startAnswer(res: ServerResponse, service: Service | undefined): string {
  const json = service === 'api' || service === undefined;
  res.writeHead(200, {
    'Content-Type': json ? 'application/json' : `application/x-${service}-advertisement`,
    'Cache-Control': 'no-cache',
  });
  return json ? '{"expires_at":"' : '001e# service=git-upload-pack\n0000';
}

/**
 * An answer without end, 64 KiB at a time (about 12 MB/s: enough to show that nothing reads it for
 * long, without a run of the test eating the machine's memory), until the client goes away.
 */
export function sendEndless(res: ServerResponse, service: Service | undefined): void {
  res.write(startAnswer(res, service));
  const chunk = Buffer.alloc(64 * 1024, service === 'api' || service === undefined ? 'x' : '0');
  const timer = setInterval(() => {
    if (!res.writableNeedDrain) res.write(chunk);
  }, 5);
  res.on('close', () => clearInterval(timer));
}

/**
 * An answer that trickles without end: a byte every half second, the first at once. Slow, but never
 * below git's low-speed limit of 1 byte/s, so only a wall-time limit ends it.
 */
export function sendTrickle(res: ServerResponse, service: Service | undefined): void {
  const start = startAnswer(res, service);
  let sent = 0;
  const next = () => res.write(start[sent++ % start.length]!);
  next();
  const timer = setInterval(next, 500);
  res.on('close', () => clearInterval(timer));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The API part of the test GitLab: `GET /api/v4/personal_access_tokens/self` with `PRIVATE-TOKEN`
 * (or `Authorization: Bearer`). Returns the token that authenticated, if any.
 */
export function answerApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  tokens: TokenStore,
): Token | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const header = req.headers['private-token'];
  const value = (Array.isArray(header) ? header[0] : header) ?? bearer;
  const token = value ? tokens.findActive(value) : undefined;
  if (!token || token.kind === 'job') {
    sendJson(res, 401, { message: '401 Unauthorized' });
    return undefined;
  }
  if (!hasScope(token, 'api', 'read_api')) {
    sendJson(res, 403, {
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token.',
      scope: 'api read_api',
    });
  } else if (req.method !== 'GET' || path !== '/personal_access_tokens/self') {
    sendJson(res, 404, { error: '404 Not Found' });
  } else {
    sendJson(res, 200, {
      id: token.id,
      name: token.name,
      revoked: false,
      created_at: token.createdAt,
      scopes: token.scopes,
      user_id: 1000 + token.id,
      last_used_at: null,
      active: true,
      expires_at: token.expiresAt ?? null,
    });
  }
  return token;
}
