/**
 * A GitLab-like git server for tests: Node's http server on 127.0.0.1 in front of the real
 * `git http-backend`, with GitLab's token authentication, project visibility, push permissions,
 * protected branches, merge request push options, one API endpoint and fault injection.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCgi } from './cgi.js';
import { commitFiles, git } from './git.js';
import { ProjectState, type MergeRequest, type PushRecord } from './gitlab-project.js';
import {
  answerApi,
  parseRoute,
  readBody,
  send,
  sendEndless,
  sendJson,
  sendTrickle,
  type GitEndpoint,
  type Service,
} from './gitlab-http.js';
import {
  canDownload,
  canPush,
  canSee,
  jobTokenPushRefusal,
  jobTokenReadRefusal,
  type JobTokenSettings,
  Messages,
  parseBasicAuth,
  TokenStore,
  type Token,
  type TokenKind,
  type TokenSpec,
} from './gitlab-tokens.js';
import { answerRegistryToken } from './gitlab-registry-auth.js';
import { createRegistryTokenIssuer, type RegistryTokenIssuer } from './registry-tokens.js';
import { backendEnv, configureRepo, findBareRepos, httpBackendPath } from './http-backend.js';
import {
  HOOK_CONTEXT_VARIABLE,
  HOOK_URL_VARIABLE,
  installHooks,
  PRE_RECEIVE_VARIABLE,
  type HookRequest,
} from './hooks.js';

export type { MergeRequest, PushRecord } from './gitlab-project.js';
export { Role, type Token, type TokenKind, type TokenSpec } from './gitlab-tokens.js';

export type { Service } from './gitlab-http.js';

export type Fault =
  /** Answer 500 `Internal Server Error` (to requests of `service` only, if given; `times` times, if given). */
  | { kind: 'status500'; service?: Service; times?: number }
  /** Accept the request and never answer (until the server closes). */
  | { kind: 'stall'; service?: Service; times?: number }
  /** Answer 200 and send without end, fast, until the client goes away (`service` 'api': a JSON body). */
  | { kind: 'endless'; service?: Service }
  /** Answer 200 and send two bytes a second, without end, until the client goes away. */
  | { kind: 'trickle'; service?: Service }
  /**
   * Hold every push's receive-pack POST for `ms` before passing it on to http-backend, unread; a
   * client that went away meanwhile is dropped, so its push never lands.
   */
  | { kind: 'delayPush'; ms: number }
  /** Answer with a redirect (302 unless given) to the same path and query on the origin `to`. */
  | { kind: 'redirect'; to: string; status?: 301 | 302 | 303 | 307 | 308; service?: Service; times?: number }
  /**
   * Once: commit `files` onto `branch` on the server just before a client's push reaches http-backend:
   * `at: 'post'` (default) before the receive-pack POST, so the ref update fails on the server
   * (`! [remote rejected] … (failed to update ref)`); `at: 'advertisement'` before the receive-pack ref
   * advertisement, so the client itself refuses (`! [rejected] … (fetch first)`).
   */
  | {
      kind: 'advanceBeforeNextPush';
      project: string;
      branch: string;
      files: Record<string, string>;
      message?: string;
      at?: 'post' | 'advertisement';
    };

export interface RequestRecord {
  method: string;
  path: string;
  service?: Service;
  project?: string;
  /** Kind of the token that authenticated the request, if one did. */
  tokenKind?: TokenKind;
  /** The request's Content-Encoding (git gzips larger fetch requests). */
  requestEncoding?: string;
  /** The request carried credentials: an Authorization or a PRIVATE-TOKEN header. */
  credentials: boolean;
  /** HTTP status sent; 0 while no answer has been sent. */
  readonly status: number;
  /** What http-backend wrote to stderr, if anything. */
  backendStderr?: string;
  /** performance.now() when the request arrived and when its answer was finished (NaN until then). */
  readonly arrivedAt: number;
  finishedAt: number;
}

/** What a request asked for, as counted by requestCounts(). */
export type RequestKind = 'info/refs' | 'upload-pack' | 'receive-pack' | 'api' | 'other';

export function requestKind(record: Pick<RequestRecord, 'path' | 'service'>): RequestKind {
  if (record.service === 'api') return 'api';
  if (record.path.endsWith('/info/refs')) return 'info/refs';
  if (record.path.endsWith('/git-upload-pack')) return 'upload-pack';
  if (record.path.endsWith('/git-receive-pack')) return 'receive-pack';
  return 'other';
}

export interface StartOptions {
  /** Directory holding `<group>/<project>.git`; a temporary one (removed on close) by default. */
  root?: string;
  /** Delay before every answer (hooks' callbacks excepted), as a network's round trip would add. */
  latencyMs?: number;
}

const CONCURRENT_AUTHOR = { name: 'Concurrent Pusher', email: 'concurrent@example.com' };

export class GitLabServer {
  /** Every request except the hooks' callbacks, in arrival order. */
  readonly requests: RequestRecord[] = [];
  readonly url: string;
  readonly port: number;
  private readonly tokens = new TokenStore();
  private readonly projects = new Map<string, ProjectState>();
  private readonly contexts = new Map<string, { project: string; token: Token }>();
  private readonly children = new Set<ChildProcess>();
  private readonly hookPath = `/-/test-hooks/${randomUUID()}`;
  private fault: Fault | null = null;
  private registryIssuer: Promise<RegistryTokenIssuer> | undefined;
  private resolvedRegistryIssuer: RegistryTokenIssuer | undefined;
  private readonly publicRegistryProjects = new Set<string>();
  private faultRemaining = Infinity;
  private latencyMs = 0;

  constructor(
    private readonly server: Server,
    readonly root: string,
    private readonly hooksDir: string,
    private readonly ownedDirs: string[],
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) send(res, 500, `test server error: ${String(error)}`);
        else res.destroy();
      });
    });
  }

  addToken(spec: TokenSpec): Token {
    return this.tokens.add(spec);
  }

  /** Creates the bare repository `<root>/<path>.git` (HEAD → defaultBranch, no commits yet). */
  async createProject(path: string, options: { defaultBranch?: string } = {}): Promise<string> {
    const gitDir = this.repoPath(path);
    await mkdir(gitDir, { recursive: true });
    await git(['init', '--quiet', '--bare', `--initial-branch=${options.defaultBranch ?? 'main'}`, gitDir]);
    await this.configureRepo(gitDir);
    return gitDir;
  }

  repoPath(project: string): string {
    return join(this.root, `${project}.git`);
  }

  projectUrl(project: string): string {
    return `${this.url}/${project}.git`;
  }

  protectBranch(project: string, branch: string, options: { allowedRole?: number; allowForcePush?: boolean } = {}) {
    const rules = this.state(project).protectedBranches;
    const rule = {
      pattern: branch,
      allowedRole: options.allowedRole ?? 40,
      allowForcePush: options.allowForcePush ?? false,
    };
    const index = rules.findIndex((existing) => existing.pattern === branch);
    if (index === -1) rules.push(rule);
    else rules[index] = rule;
  }

  /** Commits `files` onto the server's `branch` directly, as another user's push would. Returns the sha. */
  advanceBranch(
    project: string,
    branch: string,
    files: Record<string, string>,
    message = 'Concurrent change',
  ): Promise<string> {
    return commitFiles(this.repoPath(project), branch, files, message, { author: CONCURRENT_AUTHOR });
  }

  /** Changes a project's job-token settings (Settings > CI/CD > Job token permissions). */
  configureJobToken(
    project: string,
    settings: Partial<Omit<JobTokenSettings, 'allowlist'>> & { allowlist?: Record<string, { push: boolean }> },
  ): void {
    const current = this.state(project).jobToken;
    const { allowlist, ...flags } = settings;
    Object.assign(current, flags);
    for (const [path, entry] of Object.entries(allowlist ?? {})) current.allowlist.set(path, entry);
  }

  /**
   * Turns on the container registry's token service (`/jwt/auth`; 404 `registry not enabled` until
   * then) and returns its issuer: what a registry's `auth.token` config needs (realm, service, issuer,
   * certificate), and `mint()` for tokens without a round trip.
   */
  registryTokenIssuer(): Promise<RegistryTokenIssuer> {
    this.registryIssuer ??= createRegistryTokenIssuer(`${this.url}/jwt/auth`).then((issuer) => {
      this.resolvedRegistryIssuer = issuer;
      return issuer;
    });
    return this.registryIssuer;
  }

  /** Lets anyone, anonymous included, pull from `project`'s container registry (a public project). */
  makeRegistryPublic(project: string): void {
    this.publicRegistryProjects.add(project);
  }

  /** Pushes that landed (post-receive ran), oldest first. */
  pushLog(project: string): PushRecord[] {
    return this.state(project).pushes;
  }

  mergeRequests(project: string): MergeRequest[] {
    return this.state(project).mergeRequests;
  }

  /** Delays every answer from now on by `ms` (see StartOptions.latencyMs); 0 turns the delay off. */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** How many requests of each kind arrived since `since` (an index into `requests`; 0 by default). */
  requestCounts(since = 0): Record<RequestKind, number> {
    const counts: Record<RequestKind, number> = {
      'info/refs': 0,
      'upload-pack': 0,
      'receive-pack': 0,
      api: 0,
      other: 0,
    };
    for (const record of this.requests.slice(since)) counts[requestKind(record)] += 1;
    return counts;
  }

  setFault(fault: Fault | null): void {
    this.fault = fault;
    this.faultRemaining = fault && 'times' in fault && fault.times !== undefined ? fault.times : Infinity;
  }

  async close(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    for (const dir of this.ownedDirs) await rm(dir, { recursive: true, force: true });
  }

  /** Applies the repository settings this server relies on (done for every project it creates). */
  configureRepo(gitDir: string): Promise<void> {
    return configureRepo(gitDir, this.hooksDir);
  }

  private state(project: string): ProjectState {
    let state = this.projects.get(project);
    if (!state) {
      state = new ProjectState(project, this.repoPath(project), `${this.url}/${project}`);
      this.projects.set(project, state);
    }
    return state;
  }

  private consumeFault(): void {
    this.faultRemaining -= 1;
    if (this.faultRemaining <= 0) this.setFault(null);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === this.hookPath) return this.handleHook(req, res);

    const route = parseRoute(url);
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      ...(route.kind === 'api' ? { service: 'api' as const } : {}),
      ...(route.kind === 'git' ? { project: route.project, service: route.service } : {}),
      ...(req.headers['content-encoding'] ? { requestEncoding: req.headers['content-encoding'] } : {}),
      credentials: req.headers.authorization !== undefined || req.headers['private-token'] !== undefined,
      get status() {
        return res.headersSent ? res.statusCode : 0;
      },
      arrivedAt: performance.now(),
      finishedAt: NaN,
    };
    this.requests.push(record);
    res.once('close', () => (record.finishedAt = performance.now()));
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    const fault = this.fault;
    if (
      fault &&
      (fault.kind === 'status500' || fault.kind === 'stall' || fault.kind === 'redirect') &&
      (!fault.service || fault.service === record.service)
    ) {
      this.consumeFault();
      if (fault.kind === 'status500') send(res, 500, 'Internal Server Error');
      if (fault.kind === 'redirect')
        send(res, fault.status ?? 302, 'Moved', { Location: new URL(req.url ?? '/', fault.to).href });
      return; // stall: the request stays open until the client gives up or the server closes
    }
    if (
      fault &&
      (fault.kind === 'endless' || fault.kind === 'trickle') &&
      (!fault.service || fault.service === record.service)
    ) {
      return fault.kind === 'endless' ? sendEndless(res, record.service) : sendTrickle(res, record.service);
    }

    if (url.pathname === '/jwt/auth' && req.method === 'GET') {
      const token = answerRegistryToken(req, res, url, {
        gitlabUrl: this.url,
        tokens: this.tokens,
        issuer: this.resolvedRegistryIssuer,
        publicProjects: this.publicRegistryProjects,
        projectExists: (path) => this.projects.has(path) || existsSync(join(this.repoPath(path), 'HEAD')),
        jobTokenSettings: (path) => this.state(path).jobToken,
      });
      if (token) record.tokenKind = token.kind;
      return;
    }
    if (route.kind === 'api') {
      record.tokenKind = answerApi(req, res, route.path, this.tokens)?.kind;
      return;
    }
    if (route.kind === 'unknown' || !route.service) return send(res, 404, 'Not Found');
    const expectedMethod = route.endpoint === 'info/refs' ? 'GET' : 'POST';
    if (req.method !== expectedMethod) return send(res, 404, 'Not Found');

    const credentials = parseBasicAuth(req.headers.authorization);
    const token = credentials && this.tokens.findForGit(credentials.username, credentials.password);
    if (!token) {
      return send(res, 401, Messages.accessDenied(this.url), { 'WWW-Authenticate': 'Basic realm="GitLab"' });
    }
    record.tokenKind = token.kind;
    if (!existsSync(join(this.repoPath(route.project), 'HEAD')) || !canSee(token, route.project)) {
      return send(res, 404, Messages.notFound);
    }
    const jobTokenSettings = this.state(route.project).jobToken;
    const readRefusal = token.kind === 'job' ? jobTokenReadRefusal(token, route.project, jobTokenSettings) : undefined;
    if (readRefusal) return send(res, 403, readRefusal);
    if (!canDownload(token)) return send(res, 403, Messages.noDownload);
    if (route.service === 'git-receive-pack') {
      const pushRefusal =
        token.kind === 'job'
          ? jobTokenPushRefusal(token, route.project, jobTokenSettings)
          : !canPush(token) && Messages.noPush;
      if (pushRefusal) return send(res, 403, pushRefusal);
      await this.maybeAdvance(route.project, route.endpoint === 'info/refs' ? 'advertisement' : 'post');
      if (
        route.endpoint === 'git-receive-pack' &&
        fault?.kind === 'delayPush' &&
        !(await stillThereAfter(req, fault.ms))
      )
        return;
    }
    await this.runBackend(req, res, route.project, route.endpoint, token, record);
  }

  private async maybeAdvance(project: string, at: 'post' | 'advertisement'): Promise<void> {
    const fault = this.fault;
    if (fault?.kind !== 'advanceBeforeNextPush' || fault.project !== project || (fault.at ?? 'post') !== at) return;
    this.setFault(null);
    await this.advanceBranch(project, fault.branch, fault.files, fault.message);
  }

  private async runBackend(
    req: IncomingMessage,
    res: ServerResponse,
    project: string,
    endpoint: GitEndpoint,
    token: Token,
    record: RequestRecord,
  ): Promise<void> {
    const context = randomUUID();
    const env = backendEnv(req, {
      root: this.root,
      project,
      endpoint,
      user: token.name,
      extra: {
        [HOOK_URL_VARIABLE]: `${this.url}${this.hookPath}`,
        [HOOK_CONTEXT_VARIABLE]: context,
        [PRE_RECEIVE_VARIABLE]: this.state(project).protectedBranches.length > 0 ? 'run' : 'skip',
      },
    });
    this.contexts.set(context, { project, token });
    try {
      const result = await runCgi(req, res, {
        command: await httpBackendPath(),
        env,
        onSpawn: (child) => {
          this.children.add(child);
          child.on('close', () => this.children.delete(child));
        },
      });
      if (result.stderr) record.backendStderr = result.stderr;
    } finally {
      this.contexts.delete(context);
    }
  }

  private async handleHook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = JSON.parse(await readBody(req)) as HookRequest;
    const context = this.contexts.get(request.context);
    if (!context) return sendJson(res, 200, { exitCode: 1, output: 'unknown push context\n' });
    const state = this.state(context.project);
    if (request.hook === 'pre-receive') {
      return sendJson(res, 200, state.preReceive(request.updates, context.token.role));
    }
    const updates = request.updates.map(({ ref, old, new: next }) => ({ ref, old, new: next }));
    sendJson(res, 200, await state.postReceive(updates, request.options, context.token.kind));
  }
}

/** Waits `ms`; false when the client went away meanwhile. */
function stillThereAfter(req: IncomingMessage, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(!req.socket.destroyed), ms);
    req.socket.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

export async function startGitLabServer(options: StartOptions = {}): Promise<GitLabServer> {
  const base = await mkdtemp(join(tmpdir(), 'gitlab-test-'));
  const root = options.root ?? join(base, 'repos');
  const hooksDir = join(base, 'hooks');
  await mkdir(root, { recursive: true });
  await mkdir(hooksDir);
  await installHooks(hooksDir);
  const server = createServer({ keepAliveTimeout: 1000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const gitlab = new GitLabServer(server, root, hooksDir, [base]);
  gitlab.setLatency(options.latencyMs ?? 0);
  if (options.root) for (const repo of await findBareRepos(root)) await gitlab.configureRepo(repo);
  return gitlab;
}
