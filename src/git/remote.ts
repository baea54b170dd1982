import { BumpError } from '../failures/errors.js';
import { gitEnvironment, type GitEnvironmentOptions } from './environment.js';
import { explainGitFailure, isAuthenticationFailure, jobTokenError, type FailureContext } from './failure.js';
import { GitWorkspace, readsAsJobToken } from './workspace.js';
import { isRedirectRefusal, redirectError, redirectTarget } from './redirect.js';
import type { PushEnvironment, PushSettings } from '../settings/types.js';
import { sparsePaths } from '../settings/target-spec.js';

/** The GitOps project on the server, and the one way this process talks to it. */
export class Remote {
  readonly url: string;
  readonly context: FailureContext;
  private readonly environmentOptions: GitEnvironmentOptions;

  constructor(
    private readonly settings: PushSettings,
    token: string,
    { caFile, gitBase }: Pick<PushEnvironment, 'caFile' | 'gitBase'>,
  ) {
    this.url = `${settings.serverUrl}/${settings.project}.git`;
    this.environmentOptions = {
      serverUrl: settings.serverUrl,
      token,
      timeoutSeconds: settings.timeoutSeconds,
      author: settings.author,
      caFile,
      base: gitBase,
    };
    this.context = { serverUrl: settings.serverUrl, project: settings.project, branch: settings.branch ?? '(default branch)', tokenVariable: settings.tokenVariable, stage: 'clone', timeoutSeconds: settings.timeoutSeconds };
  }

  clone(): Promise<GitWorkspace> {
    return this.run('clone', () =>
      GitWorkspace.clone({
        url: this.url,
        branch: this.settings.branch,
        paths: sparsePaths(this.settings.targets),
        environment: gitEnvironment(this.environmentOptions),
        timeoutMs: this.settings.timeoutSeconds * 1000,
        keepDir: this.settings.keepWorkdir,
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

  async explain(output: string): Promise<BumpError> {
    if (isRedirectRefusal(output)) {
      return redirectError(this.url, await redirectTarget(this.url, this.context.stage === 'push' ? 'git-receive-pack' : 'git-upload-pack'));
    }
    // Refused credentials may be a CI job token, which GitLab accepts only under its own username.
    if (isAuthenticationFailure(output) && (await this.readsAsJobToken())) return jobTokenError(this.settings.tokenVariable);
    return explainGitFailure(output, this.context);
  }

  private readsAsJobToken(): Promise<boolean> {
    const environment = gitEnvironment({ ...this.environmentOptions, username: 'gitlab-ci-token' });
    return readsAsJobToken(this.url, environment, this.settings.timeoutSeconds * 1000);
  }
}

export function gitOutput(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
