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
  /** Job tokens: the project whose pipeline the job runs in (CI_PROJECT_PATH). */
  pipelineProject?: string;
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
  /** Before GitLab 17.2 a job token has no push ability at all (git_access.rb `auth_upload`). */
  noUpload: 'You are not allowed to upload code.',
  /** git_access.rb `auth_by_job_token_project_not_in_allowlist`; GitLab names the projects by their last path segment. */
  jobTokenNotInAllowlist: (source: string, target: string) =>
    `Authentication by CI/CD job token not allowed from ${lastSegment(source)} to ${lastSegment(target)}.`,
  /** git_access.rb `auth_by_job_token_forbidden`: allowlisted, but the pipeline's user may not read the project. */
  jobTokenForbidden: (target: string) =>
    `Insufficient permissions to pull from the repository of project ${lastSegment(target)}.`,
} as const;

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Which job-token pushes the emulated GitLab version knows. */
export type JobTokenPushSupport =
  /** Before 17.2. */
  | 'none'
  /** 17.2 to 18.x (GA in 18.4), or 19.x with `allow_push_to_allowlisted_projects` off. */
  | 'own-project'
  /** 19.0+ with `allow_push_to_allowlisted_projects` on. */
  | 'allowlisted-projects';

/** A project's job-token settings (Settings > CI/CD > Job token permissions). */
export interface JobTokenSettings {
  /** "Allow Git push requests to the repository" (`ci_push_repository_for_job_token_allowed`). */
  pushAllowed: boolean;
  /** "Allow cross-project Git push requests from allowlisted projects" (`cross_project_push_for_job_token_allowed`). */
  crossProjectPushAllowed: boolean;
  /** "Limit access to this project" (inbound scope), on by default. */
  inboundScopeEnabled: boolean;
  /** Allowlisted project paths; `push`: the entry may push (default permissions or `admin_repositories`). */
  allowlist: Map<string, { push: boolean }>;
  /**
   * The GitLab version emulated for this project's job-token pushes (per project, so that scenarios
   * sharing one server cannot change each other's GitLab).
   */
  support: JobTokenPushSupport;
}

export function defaultJobTokenSettings(): JobTokenSettings {
  return {
    pushAllowed: false,
    crossProjectPushAllowed: false,
    inboundScopeEnabled: true,
    allowlist: new Map(),
    support: 'allowlisted-projects',
  };
}

/** GitLab's 403 for a job token reading `target`, or undefined when it may (its own project, or allowlisted). */
export function jobTokenReadRefusal(token: Token, target: string, settings: JobTokenSettings): string | undefined {
  const source = token.pipelineProject;
  const allowed = !source || source === target || !settings.inboundScopeEnabled || settings.allowlist.has(source);
  if (!allowed) return Messages.jobTokenNotInAllowlist(source, target);
  // Role 0: the pipeline's user is no member of the project at all.
  return token.role < Role.guest ? Messages.jobTokenForbidden(target) : undefined;
}

/** GitLab's 403 for a job token pushing to `target` (git_access.rb and ProjectPolicy), or undefined when it may. */
export function jobTokenPushRefusal(token: Token, target: string, settings: JobTokenSettings): string | undefined {
  const support = settings.support;
  if (support === 'none') return Messages.noUpload;
  const source = token.pipelineProject;
  const own = source === target;
  const crossAllowed =
    source !== undefined &&
    support === 'allowlisted-projects' &&
    settings.crossProjectPushAllowed &&
    settings.inboundScopeEnabled &&
    settings.allowlist.get(source)?.push === true;
  if (!settings.pushAllowed || !(own || crossAllowed) || token.role < Role.developer) return Messages.noPush;
  return undefined;
}

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
