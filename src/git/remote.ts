import { BumpError } from '../failures/errors.js';
import { gitEnvironment, isJobTokenVariable, JOB_TOKEN_USERNAME, type GitEnvironmentOptions } from './environment.js';
import {
  explainGitFailure,
  isAuthenticationFailure,
  isBranchMoved,
  isLeaseLost,
  isProtectedBranchRefusal,
  isPushRefusal,
  jobTokenError,
  rejectionLine,
  type FailureContext,
} from './failure.js';
import { GitWorkspace, readsAsJobToken, type PushRequest } from './workspace.js';
import { isRedirectRefusal, redirectError, redirectTarget } from './redirect.js';
import type { PushEnvironment, PushSettings } from '../settings/types.js';
import { sparsePaths } from '../settings/target-spec.js';
import { usualBaseDirs } from './sparse-cone.js';

/**
 * How a push ended. The ways a bump expects are named; only what nobody expects (git not reaching the
 * server, a wall-time limit, a signal) throws.
 */
export type PushResult =
  | { kind: 'pushed'; serverOutput: string }
  /** Another writer pushed to the branch first (non-fast-forward, or the ref was locked). */
  | { kind: 'branch-moved'; rejection: string }
  /** The bump branch moved after we read it: our --force-with-lease no longer holds. */
  | { kind: 'lease-lost'; rejection: string }
  /** The token may not push to this protected branch. */
  | { kind: 'protected-branch'; error: BumpError }
  /** The server refused the push for another reason (permissions, a hook): `error` says which and how to fix it. */
  | { kind: 'refused'; error: BumpError };

/** The GitOps project on the server, and the one way this process talks to it. */
export class Remote {
  readonly url: string;
  readonly context: FailureContext;
  /** The token is this job's CI_JOB_TOKEN (--token-variable CI_JOB_TOKEN): it goes as user gitlab-ci-token. */
  readonly jobToken: boolean;
  private readonly environmentOptions: GitEnvironmentOptions;

  constructor(
    private readonly settings: PushSettings,
    token: string,
    { caFile, gitBase, pipelineProject }: Pick<PushEnvironment, 'caFile' | 'gitBase' | 'pipelineProject'>,
  ) {
    this.url = `${settings.serverUrl}/${settings.project}.git`;
    this.jobToken = isJobTokenVariable(settings.tokenVariable);
    this.environmentOptions = {
      serverUrl: settings.serverUrl,
      token,
      ...(this.jobToken ? { username: JOB_TOKEN_USERNAME } : {}),
      timeoutSeconds: settings.timeoutSeconds,
      author: settings.author,
      caFile,
      base: gitBase,
    };
    this.context = {
      serverUrl: settings.serverUrl,
      project: settings.project,
      branch: settings.branch ?? '(default branch)',
      tokenVariable: settings.tokenVariable,
      stage: 'clone',
      timeoutSeconds: settings.timeoutSeconds,
      ...(this.jobToken ? { jobToken: { pipelineProject } } : {}),
    };
  }

  /** After a push with the job token: GitLab starts no pipeline for it, which the user should not wait for. */
  jobTokenPushNote(): string | undefined {
    if (!this.jobToken) return undefined;
    const pipelineProject = this.context.jobToken?.pipelineProject;
    const where =
      pipelineProject && pipelineProject !== this.settings.project
        ? `${this.settings.project} (pushed from ${pipelineProject}'s pipeline)`
        : this.settings.project;
    return `pushed with CI_JOB_TOKEN: GitLab starts no pipeline in ${where} for a push made with a job token`;
  }

  /** `whileCloning` runs once git clone has started (CPU work that would otherwise wait for it); `stop` ends it early. */
  clone(whileCloning?: () => void, stop?: AbortSignal): Promise<GitWorkspace> {
    return this.run('clone', () =>
      GitWorkspace.clone({
        url: this.url,
        branch: this.settings.branch,
        paths: sparsePaths(this.settings.targets),
        filesOf: usualBaseDirs(this.settings.targets.kustomizations.map((target) => target.dir)),
        environment: gitEnvironment(this.environmentOptions),
        timeoutMs: this.settings.timeoutSeconds * 1000,
        keepDir: this.settings.keepWorkdir,
        whileCloning,
        stop,
      }),
    );
  }

  /** Runs a git step; a failure becomes one BumpError that names its cause and its fix. */
  async run<T>(stage: FailureContext['stage'], action: () => Promise<T>): Promise<T> {
    this.context.stage = stage;
    try {
      return await action();
    } catch (error) {
      if (error instanceof BumpError) throw error;
      throw await this.explain(gitOutput(error));
    }
  }

  /** Pushes from the clone; a refusal the bump expects comes back as a result, not an error. */
  async push(workspace: GitWorkspace, request: PushRequest): Promise<PushResult> {
    this.context.stage = 'push';
    try {
      return { kind: 'pushed', serverOutput: await workspace.push(request) };
    } catch (error) {
      if (error instanceof BumpError) throw error;
      const output = gitOutput(error);
      if (isLeaseLost(output)) return { kind: 'lease-lost', rejection: rejectionLine(output) };
      if (isBranchMoved(output)) return { kind: 'branch-moved', rejection: rejectionLine(output) };
      const explained = await this.explain(output);
      if (isProtectedBranchRefusal(output)) return { kind: 'protected-branch', error: explained };
      if (isPushRefusal(output)) return { kind: 'refused', error: explained };
      throw explained;
    }
  }

  async explain(output: string): Promise<BumpError> {
    if (isRedirectRefusal(output)) {
      return redirectError(
        this.url,
        await redirectTarget(this.url, this.context.stage === 'push' ? 'git-receive-pack' : 'git-upload-pack'),
      );
    }
    // Refused credentials may be a CI job token in another variable, which GitLab accepts only under its own username.
    if (!this.jobToken && isAuthenticationFailure(output) && (await this.readsAsJobToken()))
      return jobTokenError(this.settings.tokenVariable);
    return explainGitFailure(output, this.context);
  }

  private readsAsJobToken(): Promise<boolean> {
    const environment = gitEnvironment({ ...this.environmentOptions, username: JOB_TOKEN_USERNAME });
    return readsAsJobToken(this.url, environment, this.settings.timeoutSeconds * 1000);
  }
}

export function gitOutput(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
