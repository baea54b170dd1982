/**
 * What the test GitLab needs to know about `git http-backend`: where it is, the CGI environment for
 * one request, and the repository settings the emulation relies on.
 */
import type { IncomingMessage } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanGitEnv, git } from './git.js';

let backendPath: Promise<string> | undefined;

export function httpBackendPath(): Promise<string> {
  backendPath ??= git(['--exec-path']).then((dir) => join(dir.trim(), 'git-http-backend'));
  return backendPath;
}

export interface BackendRequest {
  root: string;
  /** `<group>/<project>` without `.git`. */
  project: string;
  endpoint: string;
  /** REMOTE_USER, and the committer name of the server's reflog entries. */
  user: string;
  /** Extra variables; http-backend passes its environment on to receive-pack and the hooks. */
  extra: Record<string, string>;
}

/** The CGI environment for one request, built from nothing (no variable of this process leaks in). */
export function backendEnv(req: IncomingMessage, request: BackendRequest): Record<string, string> {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return cleanGitEnv({
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    GIT_PROJECT_ROOT: request.root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${request.project}.git/${request.endpoint}`,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: new URL(req.url ?? '/', 'http://127.0.0.1').search.slice(1),
    CONTENT_TYPE: header('content-type') ?? '',
    // Absent for chunked bodies: http-backend then reads to EOF.
    CONTENT_LENGTH: header('content-length'),
    // http-backend inflates gzip bodies itself when told.
    HTTP_CONTENT_ENCODING: header('content-encoding'),
    // Protocol v2 is negotiated through this header.
    GIT_PROTOCOL: header('git-protocol'),
    REMOTE_USER: request.user,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_COMMITTER_NAME: request.user,
    GIT_COMMITTER_EMAIL: `${request.user}@noreply.example.com`,
    GIT_COMMITTER_DATE: undefined,
    GIT_AUTHOR_NAME: undefined,
    GIT_AUTHOR_EMAIL: undefined,
    GIT_AUTHOR_DATE: undefined,
    ...request.extra,
  });
}

/** Settings every served repository gets. */
export function repoSettings(hooksDir: string): [string, string][] {
  return [
    ['http.receivepack', 'true'],
    ['receive.advertisePushOptions', 'true'],
    // Partial clones (--filter=blob:none) and their lazy fetches of single blobs.
    ['uploadpack.allowFilter', 'true'],
    ['uploadpack.allowAnySHA1InWant', 'true'],
    ['core.hooksPath', hooksDir],
    ['gc.auto', '0'],
    ['receive.autogc', 'false'],
  ];
}

export async function configureRepo(gitDir: string, hooksDir: string): Promise<void> {
  for (const [key, value] of repoSettings(hooksDir)) {
    await git(['config', '--file', join(gitDir, 'config'), key, value]);
  }
}

/** Bare repositories (`*.git` directories) below `dir`. */
export async function findBareRepos(dir: string, depth = 0): Promise<string[]> {
  if (depth > 4) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name.endsWith('.git')) found.push(path);
    else found.push(...(await findBareRepos(path, depth + 1)));
  }
  return found;
}
