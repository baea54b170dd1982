import { BumpError } from '../failures/errors.js';
import { redact } from '../failures/redact.js';

/** The start of the message of a git that ran out of time (git-workspace.ts writes it). */
export const WALL_TIME_EXCEEDED = 'git did not finish within';

export interface FailureContext {
  serverUrl: string;
  project: string;
  branch: string;
  tokenVariable: string;
  stage: 'clone' | 'fetch' | 'push';
  /** --timeout, for the message when the server stalls. */
  timeoutSeconds?: number;
  /** Set when the token is the job's CI_JOB_TOKEN: the project whose pipeline runs (CI_PROJECT_PATH), if known. */
  jobToken?: { pipelineProject?: string };
}

/** How to make the one token that works: shared by every hint that ends in "use another token". */
export function projectAccessTokenHowTo(project = 'the GitOps project'): string {
  return `create a Project Access Token on ${project} (Settings > Access tokens: scope write_repository, role Developer — Maintainer if the branch is protected — and an expiry), store it as a protected, masked CI/CD variable`;
}

/** What a CI job token can do, in GitLab's terms. */
export const JOB_TOKEN_LIMITS =
  'A CI job token pushes only as a job token (--token-variable CI_JOB_TOKEN) and only where GitLab allows it: to its own project once a Maintainer enables "Allow Git push requests to the repository" (GitLab 17.2+), to another project only from GitLab 19.0 and when that project allows it.';

/** Where a project's job-token settings are, in GitLab's UI. */
const JOB_TOKEN_SETTINGS = 'Settings > CI/CD > Job token permissions';

/**
 * GitLab's answers to a job token that may not do something (lib/gitlab/git_access.rb). The first
 * two come before any push (the clone is refused); "push code" covers every push condition at once.
 */
const JOB_TOKEN_REFUSALS = {
  notInAllowlist: /Authentication by CI\/CD job token not allowed from [^\n]*?\./,
  noAccess: /Insufficient permissions to pull from the repository of project [^\n]*?\./,
  noJobTokenPush: /You are not allowed to upload code\./,
  pushRefused: /You are not allowed to push code to this project\./,
} as const;

/** GitLab refused the job token: names which of GitLab's conditions is missing, as far as its answer tells. */
export function jobTokenRefusal(output: string, context: FailureContext): BumpError | undefined {
  const target = context.project;
  const source = context.jobToken?.pipelineProject;
  const crossProject = source !== undefined && source !== target;
  const pipeline = source ?? "the pipeline's project";
  const orAccessToken = `Or push with a Project Access Token instead: ${projectAccessTokenHowTo(target)} and name it with --token-variable.`;
  const said = (pattern: RegExp) => pattern.exec(output)?.[0];
  let gitlabSays: string | undefined;
  if (isAuthenticationFailure(output)) {
    return new BumpError(
      `GitLab rejected this job's CI_JOB_TOKEN (HTTP 401): it is not a job token of a running job on ${context.serverUrl}`,
      {
        hint: `A job token is valid only while its job runs, and only on the GitLab that runs the job: check --server-url (default $CI_SERVER_URL) and that no CI/CD variable of your own is named CI_JOB_TOKEN. ${orAccessToken}`,
      },
    );
  }
  if ((gitlabSays = said(JOB_TOKEN_REFUSALS.notInAllowlist))) {
    return new BumpError(
      `GitLab refused this job's CI_JOB_TOKEN for ${target} (HTTP 403: "${gitlabSays}"): ${pipeline} is not on the job token allowlist of ${target}`,
      {
        hint: `Enable it: in ${target}, ${JOB_TOKEN_SETTINGS} > Add group or project: ${pipeline}, with permission to push to the repository (fine-grained: Repository read and write), then the push settings below. ${orAccessToken}`,
      },
    );
  }
  if ((gitlabSays = said(JOB_TOKEN_REFUSALS.noAccess))) {
    return new BumpError(
      `GitLab refused this job's CI_JOB_TOKEN for ${target} (HTTP 403: "${gitlabSays}"): the user who runs the pipeline is not a member of ${target}`,
      {
        hint: `A job token acts with the role of the user who started the pipeline: that user needs role Developer or higher in ${target} (Manage > Members). ${orAccessToken}`,
      },
    );
  }
  if ((gitlabSays = said(JOB_TOKEN_REFUSALS.noJobTokenPush))) {
    return new BumpError(
      `GitLab refused to let this job's CI_JOB_TOKEN push to ${target} (HTTP 403: "${gitlabSays}"): this GitLab does not accept pushes with a job token (it needs GitLab 17.2 or later)`,
      {
        hint: `Enable it: upgrade GitLab (own project: 17.2, generally available in 18.4; another project: 19.0). ${orAccessToken}`,
      },
    );
  }
  if ((gitlabSays = said(JOB_TOKEN_REFUSALS.pushRefused))) {
    const missing = crossProject
      ? `one of GitLab's conditions for a push from ${pipeline} is missing: in ${target}, "Allow Git push requests to the repository" or "Allow cross-project Git push requests from allowlisted projects" is off, the allowlist entry for ${pipeline} lacks push permission, the pipeline's user has a role below Developer there, or this GitLab is older than 19.0 (or its feature flag allow_push_to_allowlisted_projects is off)`
      : `"Allow Git push requests to the repository" is off in ${target}, or the pipeline's user has a role below Developer there`;
    const enable = crossProject
      ? `in ${target}, ${JOB_TOKEN_SETTINGS}: enable "Allow Git push requests to the repository" and "Allow cross-project Git push requests from allowlisted projects", and give the allowlist entry of ${pipeline} push permission (fine-grained: Repository read and write); the pipeline's user needs role Developer in ${target}; on GitLab 19.x an administrator may have to enable the feature flag allow_push_to_allowlisted_projects`
      : `a Maintainer of ${target} enables ${JOB_TOKEN_SETTINGS} > "Allow Git push requests to the repository" (GitLab 17.2+), and the pipeline's user needs role Developer there`;
    return new BumpError(
      `GitLab refused to let this job's CI_JOB_TOKEN push to ${target} (HTTP 403: "${gitlabSays}"): ${missing}`,
      { hint: `Enable it: ${enable}. ${orAccessToken}` },
    );
  }
  return undefined;
}

/** The push was refused only because the branch moved under us: fetch, re-apply, push again. */
/** Our --force-with-lease expectation no longer holds: the bump branch moved since we read it. */
export function isLeaseLost(output: string): boolean {
  return /\(stale info\)|incorrect old value provided/i.test(output);
}

/** The server said no to what was pushed (rather than git failing to reach it). */
export function isPushRefusal(output: string): boolean {
  return /\[(remote )?rejected\]|not allowed to|pre-receive hook declined|returned error: 403/i.test(output);
}

/** The rejected ref's line of a push's output, for the message when the retries run out. */
export function rejectionLine(output: string): string {
  const lines = output.split('\n');
  const line =
    lines.find((l) => /\[(remote )?rejected\]/.test(l)) ??
    lines.find((l) => /failed to update|cannot lock/i.test(l)) ??
    lines[0] ??
    '';
  return line
    .replace(/^\s*!\s*/, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

export function isBranchMoved(output: string): boolean {
  return /\[rejected\][^\n]*\((fetch first|non-fast-forward)\)|failed to update ref|cannot lock ref|incorrect old value provided|\(stale info\)/i.test(
    output,
  );
}

export function isProtectedBranchRefusal(output: string): boolean {
  return /not allowed to (push code to|force push code to a) protected branch/i.test(output);
}

/** The server refused the credentials themselves (as opposed to what they may do). */
export function isAuthenticationFailure(output: string): boolean {
  return /HTTP Basic: Access denied|Authentication failed|returned error: 401|could not read (Username|Password)/i.test(
    output,
  );
}

export function jobTokenError(tokenVariable: string): BumpError {
  return new BumpError(`the token in ${tokenVariable} is a CI job token, and a job token cannot push here`, {
    hint: `${JOB_TOKEN_LIMITS} ${capitalize(projectAccessTokenHowTo())} and name it with --token-variable.`,
  });
}

export function unauthorizedError(context: FailureContext): BumpError {
  return new BumpError(
    `GitLab rejected the token in ${context.tokenVariable} (HTTP 401): it is invalid, expired or revoked`,
    {
      hint: `Rotate it: ${projectAccessTokenHowTo(context.project)}, update ${context.tokenVariable} with the new value and revoke the old token. Tokens stop working at 00:00 UTC on their expiry date.`,
    },
  );
}

/** GitLab's 403 for a push: the token authenticated, but its scope or role does not allow writing. */
export function pushForbiddenError(
  context: FailureContext,
  gitlabSays = 'You are not allowed to push code to this project.',
): BumpError {
  return new BumpError(
    `the token in ${context.tokenVariable} may not push to ${context.project} (HTTP 403: "${gitlabSays}"): it lacks the write_repository scope or its role is below Developer`,
    {
      hint: `A token's scopes and role are fixed when it is created: ${projectAccessTokenHowTo(context.project)} and put it in ${context.tokenVariable}.`,
    },
  );
}

/** GitLab's 403 for a clone or fetch: the token authenticated, but may not even read. */
export function readForbiddenError(
  context: FailureContext,
  gitlabSays = 'You are not allowed to download code from this project.',
): BumpError {
  return new BumpError(
    `the token in ${context.tokenVariable} may not read ${context.project} (HTTP 403: "${gitlabSays}"): it lacks a repository scope or its role is below Reporter`,
    {
      hint: `Pushing needs the write_repository scope and role Developer: ${projectAccessTokenHowTo(context.project)} and put it in ${context.tokenVariable}.`,
    },
  );
}

export function projectNotFoundError(context: FailureContext): BumpError {
  return new BumpError(
    `project ${context.project} was not found on ${context.serverUrl}: its path is wrong, or the token in ${context.tokenVariable} belongs to another project`,
    {
      hint: `Check --project: it is the path in the project's URL (${context.serverUrl}/${context.project}). A Project Access Token works only in the project it was created in (GitLab answers "not found" everywhere else): create it on ${context.project} itself, not on the project whose pipeline runs the bump.`,
    },
  );
}

export function protectedBranchError(context: FailureContext): BumpError {
  return new BumpError(
    `${context.branch} is a protected branch of ${context.project} and the token's role may not push to it`,
    {
      hint: `Either allow the token's role to push: in ${context.project}, Settings > Repository > Protected branches, ${context.branch}, "Allowed to push and merge" (e.g. Maintainers, with a token of role Maintainer); or let a merge request carry the change: --mode merge-request (always) or --fallback merge-request (only when a push is refused like this).`,
    },
  );
}

export function missingBranchError(context: FailureContext): BumpError {
  return new BumpError(`branch ${context.branch} does not exist in ${context.project}`, {
    hint: 'Pass --branch with an existing branch of the GitOps project (or leave it out to use its default branch).',
  });
}

export function serverError(context: FailureContext, status = '500'): BumpError {
  return new BumpError(`GitLab answered with a server error (HTTP ${status}) while ${attempted(context)}`, {
    hint: 'The fault is on the GitLab side, not in the token or the options: retry the job. If it persists, check the GitLab instance status or ask its administrators.',
  });
}

export function unreachableError(context: FailureContext, reason: string): BumpError {
  return new BumpError(`cannot connect to ${hostOf(context.serverUrl)} while ${attempted(context)}: ${reason}`, {
    hint: 'Check --server-url (default $CI_SERVER_URL) and that the runner can reach that host and port: a proxy (HTTPS_PROXY, NO_PROXY), a firewall or DNS may be in the way.',
  });
}

export function timeoutError(context: FailureContext): BumpError {
  const limit = context.timeoutSeconds ? `${context.timeoutSeconds} s, --timeout` : '--timeout';
  return new BumpError(
    `${context.serverUrl} stopped answering while ${attempted(context)}: no progress within ${limit}`,
    {
      hint: 'The server (or a proxy in between) stalled. Retry the job; if the GitLab instance is only slow, raise --timeout (seconds without progress, and that each git step may take; default 60).',
    },
  );
}

/** The server kept a git step busy (trickling, or sending without end) past --timeout: the step was stopped. */
export function timeLimitError(context: FailureContext): BumpError {
  const limit = context.timeoutSeconds ? `${context.timeoutSeconds} s, --timeout` : '--timeout';
  return new BumpError(
    `${context.serverUrl} sent too slowly or without end while ${attempted(context)}: stopped git after ${limit}`,
    {
      hint: 'The server (or a proxy in between) sent too slowly or without end. Retry the job; if the GitLab instance is only slow, raise --timeout (seconds that each git step may take, default 60).',
    },
  );
}

export function unexplainedGitError(context: FailureContext, detail: string): BumpError {
  return new BumpError(`git ${context.stage} failed while ${attempted(context)}: ${detail}`, {
    hint: 'Run again with --keep-workdir DIR to inspect the clone, and IMAGE_BUMP_DEBUG=1 for details.',
  });
}

/** Other pipelines kept pushing first until --max-attempts ran out. */
export function retriesExhaustedError(attempts: number, branch: string, lastRejection: string): BumpError {
  return new BumpError(
    `gave up after ${attempts} push attempts: ${branch} kept moving (last rejection: ${lastRejection})`,
    {
      hint: 'Many pipelines are pushing to this branch at once; raise --max-attempts or run the bumps one after another (resource_group).',
    },
  );
}

/** Turns git's output for a failed clone, fetch or push into one error and one hint a user can act on. */
export function explainGitFailure(output: string, context: FailureContext): BumpError {
  if (output.startsWith(WALL_TIME_EXCEEDED)) return timeLimitError(context);
  if (isProtectedBranchRefusal(output)) return protectedBranchError(context);
  const jobTokenRefused = context.jobToken && jobTokenRefusal(output, context);
  if (jobTokenRefused) return jobTokenRefused;
  const pushRefusal = /You are not allowed to (?:push|upload) code[^\n.]*\./i.exec(output);
  if (pushRefusal) return pushForbiddenError(context, pushRefusal[0]);
  const readRefusal = /You are not allowed to download code[^\n.]*\./i.exec(output);
  if (readRefusal) return readForbiddenError(context, readRefusal[0]);
  if (isAuthenticationFailure(output)) return unauthorizedError(context);
  if (
    /could not be found or you don't have permission|repository '[^']*' not found|returned error: 404|\b404\b/i.test(
      output,
    )
  ) {
    return projectNotFoundError(context);
  }
  if (/Remote branch .* not found|couldn't find remote ref/i.test(output)) return missingBranchError(context);
  if (/returned error: 403\b/i.test(output)) {
    return context.stage === 'push' ? pushForbiddenError(context) : readForbiddenError(context);
  }
  const status = /returned error: (5\d\d)|\bHTTP (5\d\d)\b/i.exec(output);
  if (status || /Internal Server Error/i.test(output)) return serverError(context, status?.[1] ?? status?.[2] ?? '500');
  if (
    /Failed to connect|Connection refused|Could not resolve (host|proxy)|Couldn't connect|Network is unreachable|No route to host/i.test(
      output,
    )
  ) {
    return unreachableError(context, curlReason(output));
  }
  if (/Operation too slow|timed out|timeout/i.test(output)) return timeoutError(context);
  return unexplainedGitError(context, lastMeaningfulLine(output));
}

/** "while cloning https://gitlab.example.com/group/gitops.git": what was tried, and where. */
function attempted(context: FailureContext): string {
  const url = `${context.serverUrl}/${context.project}.git`;
  switch (context.stage) {
    case 'clone':
      return `cloning ${url}`;
    case 'fetch':
      return `fetching ${context.branch} from ${url}`;
    case 'push':
      return `pushing ${context.branch} to ${url}`;
  }
}

function hostOf(serverUrl: string): string {
  try {
    const url = new URL(serverUrl);
    return url.port ? url.host : `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`;
  } catch {
    return serverUrl;
  }
}

/** curl's own words after git's "unable to access '<url>':" prefix, e.g. "Could not resolve host: gitlab.example.com". */
function curlReason(output: string): string {
  const line = lastMeaningfulLine(output);
  return line.replace(/^fatal: unable to access '[^']*': */, '') || line;
}

function lastMeaningfulLine(output: string): string {
  const lines = redact(output)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^(hint:|To |remote: *$)/.test(line));
  const fatal = lines.find((line) => /^(fatal|error):/.test(line));
  return fatal ?? lines.at(-1) ?? 'no output';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
