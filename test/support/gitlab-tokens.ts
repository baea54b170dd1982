/**
 * Tokens of the test GitLab and the access decisions GitLab makes for git over HTTP, with GitLab's
 * status codes and messages.
 */

export type TokenKind = 'project' | 'personal' | 'job';

export const Role = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

export interface TokenSpec {
  value: string;
  kind: TokenKind;
  scopes: string[];
  /** Project paths the token can see; omitted: all (not allowed for project tokens). */
  projects?: string[];
  /** YYYY-MM-DD; the token stops working on that day (UTC), as in GitLab. */
  expiresAt?: string;
  revoked?: boolean;
  /** Access level of the token's user: 10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner. */
  role?: number;
  name?: string;
}

export interface Token extends TokenSpec {
  id: number;
  name: string;
  role: number;
  createdAt: string;
}

export const Messages = {
  accessDenied: (helpUrl: string) =>
    'HTTP Basic: Access denied. If a password was provided for Git authentication, the password was ' +
    "incorrect or you're required to use a token instead of a password. If a token was provided, it was " +
    `either incorrect, expired, or improperly scoped. See ${helpUrl}/help/topics/git/troubleshooting_git.md` +
    '#error-on-git-fetch-http-basic-access-denied',
  notFound: "The project you were looking for could not be found or you don't have permission to view it.",
  noDownload: 'You are not allowed to download code from this project.',
  noPush: 'You are not allowed to push code to this project.',
  protectedBranch: 'GitLab: You are not allowed to push code to protected branches on this project.',
  protectedForcePush: 'GitLab: You are not allowed to force push code to a protected branch on this project.',
  protectedDelete: 'GitLab: You can only delete protected branches using the web interface.',
} as const;

export const JOB_TOKEN_USERNAME = 'gitlab-ci-token';

export class TokenStore {
  private readonly tokens = new Map<string, Token>();
  private nextId = 1;

  /** Registers a token; a token with the same value is replaced (to revoke or expire it mid-test). */
  add(spec: TokenSpec): Token {
    if (spec.kind === 'project' && spec.projects?.length !== 1) {
      throw new Error('a project token belongs to exactly one project: pass projects: [path]');
    }
    const previous = this.tokens.get(spec.value);
    const id = previous?.id ?? this.nextId++;
    const token: Token = {
      ...spec,
      id,
      name: spec.name ?? `${spec.kind}-token-${id}`,
      role: spec.role ?? (spec.kind === 'job' ? Role.developer : Role.maintainer),
      createdAt: '2024-01-01T00:00:00.000Z',
    };
    this.tokens.set(spec.value, token);
    return token;
  }

  /** The active token for these Basic credentials, as GitLab's git-over-HTTP authentication finds it. */
  findForGit(username: string, password: string): Token | undefined {
    if (!username.trim()) return undefined;
    const token = this.findActive(password);
    if (!token) return undefined;
    // A job token is only recognised with its fixed username, and that username is for job tokens only.
    if ((token.kind === 'job') !== (username === JOB_TOKEN_USERNAME)) return undefined;
    return token;
  }

  findActive(value: string): Token | undefined {
    const token = this.tokens.get(value);
    return token && isActive(token) ? token : undefined;
  }
}

export function isActive(token: Token, now = new Date()): boolean {
  if (token.revoked) return false;
  return !token.expiresAt || token.expiresAt > now.toISOString().slice(0, 10);
}

export function canSee(token: Token, project: string): boolean {
  return !token.projects || token.projects.includes(project);
}

export function hasScope(token: Token, ...scopes: string[]): boolean {
  return token.scopes.some((scope) => scopes.includes(scope));
}

/** In GitLab the `api` scope includes repository read and write over HTTP. */
export function canDownload(token: Token): boolean {
  if (token.role < Role.reporter) return false;
  return token.kind === 'job' || hasScope(token, 'read_repository', 'write_repository', 'api');
}

export function canPush(token: Token): boolean {
  return token.kind !== 'job' && token.role >= Role.developer && hasScope(token, 'write_repository', 'api');
}

export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
