/**
 * The test GitLab's `/jwt/auth`: registry tokens for `?service=container_registry&scope=repository:<path>:<actions>`,
 * with the answers of GitLab's JwtController and Auth::ContainerRegistryAuthenticationService: 404 for
 * another service, 401 `UNAUTHORIZED` for bad Basic credentials, 403 `DENIED` for credentials without
 * registry abilities (or anonymous asking for nothing it may have), and otherwise 200 `{"token": …}`
 * whose `access` holds only the actions granted (none, when the caller may not pull).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './gitlab-http.js';
import {
  canSee,
  hasScope,
  jobTokenReadRefusal,
  type JobTokenSettings,
  parseBasicAuth,
  Role,
  type Token,
  type TokenStore,
} from './gitlab-tokens.js';
import { REGISTRY_SERVICE, type RegistryAccess, type RegistryTokenIssuer } from './registry-tokens.js';

export interface RegistryAuthContext {
  gitlabUrl: string;
  tokens: TokenStore;
  /** Undefined while the GitLab has no registry configured (GitLab: 404 `registry not enabled`). */
  issuer: RegistryTokenIssuer | undefined;
  /** Projects whose registry anyone may pull from (public projects). */
  publicProjects: ReadonlySet<string>;
  /** Whether a project of that path exists on the server. */
  projectExists(path: string): boolean;
  jobTokenSettings(project: string): JobTokenSettings;
}

export const RegistryAuthMessages = {
  accessDenied: (gitlabUrl: string) =>
    'HTTP Basic: Access denied. If a password was provided for Git authentication, the password was incorrect ' +
    "or you're required to use a token instead of a password. If a token was provided, it was either " +
    `incorrect, expired, or improperly scoped. See ${gitlabUrl}/help/user/profile/account/` +
    'two_factor_authentication_troubleshooting.md#error-http-basic-access-denied-if-a-password-was-provided-for-git-authentication-',
} as const;

/** Answers a `/jwt/auth` request; returns the token that authenticated it, if one did. */
export function answerRegistryToken(req: IncomingMessage, res: ServerResponse, url: URL, context: RegistryAuthContext) {
  if (url.searchParams.get('service') !== REGISTRY_SERVICE) {
    res.writeHead(404).end();
    return undefined;
  }
  if (!context.issuer) {
    sendJson(res, 404, { errors: [{ code: 'UNAVAILABLE', message: 'registry not enabled' }] });
    return undefined;
  }
  let token: Token | undefined;
  if (req.headers.authorization !== undefined) {
    const credentials = parseBasicAuth(req.headers.authorization);
    token = credentials && context.tokens.findForGit(credentials.username, credentials.password);
    if (!token) {
      const message = RegistryAuthMessages.accessDenied(context.gitlabUrl);
      sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message }] });
      return undefined;
    }
    if (!hasRegistryAbility(token)) {
      sendJson(res, 403, { errors: [{ code: 'DENIED', message: 'access forbidden' }] });
      return token;
    }
  }
  // Docker sends `scope=a&scope=b`; RFC 6749 clients may send one space-separated list.
  const requested = url.searchParams.getAll('scope').flatMap((scope) => scope.split(/\s+/).filter(Boolean));
  const access = requested
    .map((scope) => grant(scope, token, context))
    .filter((entry): entry is RegistryAccess => entry !== undefined);
  if (!token && access.length === 0) {
    sendJson(res, 403, { errors: [{ code: 'DENIED', message: 'access forbidden' }] });
    return undefined;
  }
  const jwt = context.issuer.mint({
    ...(token ? { subject: token.name } : {}),
    access,
    authType: token ? authType(token) : 'none',
  });
  sendJson(res, 200, { token: jwt });
  return token;
}

function grant(scope: string, token: Token | undefined, context: RegistryAuthContext): RegistryAccess | undefined {
  const [type, name, actions] = splitScope(scope);
  if (type !== 'repository' || !name || actions === undefined) return undefined;
  const project = projectOf(name, token, context);
  const granted = actions.split(',').filter((action) => project && may(action, project, token, context));
  return granted.length > 0 ? { type, name, actions: granted } : undefined;
}

/** `repository:group/app:pull,push` → type, name, actions (a name may hold a port-less path only). */
function splitScope(scope: string): [string | undefined, string | undefined, string | undefined] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return [undefined, undefined, undefined];
  return [scope.slice(0, first), scope.slice(first + 1, last), scope.slice(last + 1)];
}

/**
 * The project an image path belongs to, as GitLab's ContainerRegistry::Path finds it: the longest
 * leading part of the path that names a project (`group/app/api` belongs to `group/app`). Projects the
 * server never saw count when a token or the public list names them, else the path's first two segments.
 */
function projectOf(name: string, token: Token | undefined, context: RegistryAuthContext): string | undefined {
  const segments = name.split('/');
  if (segments.length < 2) return undefined;
  const known = (path: string) =>
    context.projectExists(path) ||
    context.publicProjects.has(path) ||
    token?.projects?.includes(path) === true ||
    token?.pipelineProject === path;
  for (let length = segments.length; length >= 2; length--) {
    const candidate = segments.slice(0, length).join('/');
    if (known(candidate)) return candidate;
  }
  return segments.slice(0, 2).join('/');
}

function may(action: string, project: string, token: Token | undefined, context: RegistryAuthContext): boolean {
  const isPublic = context.publicProjects.has(project);
  if (!token) return action === 'pull' && isPublic;
  if (token.kind === 'job') {
    const own = token.pipelineProject === project;
    if (action === 'pull')
      return own || jobTokenReadRefusal(token, project, context.jobTokenSettings(project)) === undefined;
    if (action === 'push') return own && token.role >= Role.developer;
    if (action === 'delete') return own;
    return false;
  }
  if (!canSee(token, project) && !isPublic) return false;
  if (action === 'pull') return hasScope(token, 'read_registry', 'api') && (isPublic || token.role >= Role.reporter);
  if (action === 'push')
    return canSee(token, project) && hasScope(token, 'write_registry', 'api') && token.role >= Role.developer;
  // `delete` and `*` need admin_container_image: the api scope and the Maintainer role.
  if (action === 'delete' || action === '*')
    return canSee(token, project) && hasScope(token, 'api') && token.role >= Role.maintainer;
  return false;
}

/** Job tokens always may log in to the registry; other tokens need a registry scope (or api). */
function hasRegistryAbility(token: Token): boolean {
  return token.kind === 'job' || hasScope(token, 'read_registry', 'write_registry', 'api');
}

function authType(token: Token): string {
  return token.kind === 'job' ? 'build' : 'personal_access_token';
}
