import { BumpError } from './errors.js';
import { redact } from './redact.js';

export interface FailureContext {
  serverUrl: string;
  project: string;
  branch: string;
  tokenVariable: string;
  stage: 'clone' | 'fetch' | 'push';
}

const PAT_HOWTO =
  'create a Project Access Token on the GitOps project (Settings > Access tokens: scope write_repository only, role Developer — Maintainer if the branch is protected — and an expiry), store it as a protected, masked CI/CD variable';

/** The push was refused only because the branch moved under us: fetch, re-apply, push again. */
export function isBranchMoved(output: string): boolean {
  return /\[rejected\][^\n]*\((fetch first|non-fast-forward)\)|failed to update ref|cannot lock ref|incorrect old value provided|\(stale info\)/i.test(output);
}

export function isProtectedBranchRefusal(output: string): boolean {
  return /not allowed to (push code to|force push code to a) protected branch/i.test(output);
}

/** The server refused the credentials themselves (as opposed to what they may do). */
export function isAuthenticationFailure(output: string): boolean {
  return /HTTP Basic: Access denied|Authentication failed|returned error: 401|could not read (Username|Password)/i.test(output);
}

export function jobTokenError(tokenVariable: string): BumpError {
  return new BumpError(`the token in ${tokenVariable} is a CI job token, and a job token cannot push here`, {
    hint: `A CI job token can never push to another project (and to its own only when "Allow Git push requests to the repository" is on, GitLab 17.2+). ${capitalize(PAT_HOWTO)} and name it with --token-variable.`,
  });
}

/** Turns git's output for a failed clone, fetch or push into one error and one hint a user can act on. */
export function explainGitFailure(output: string, context: FailureContext): BumpError {
  const where = `${context.serverUrl}/${context.project}`;
  const detail = lastMeaningfulLine(output);
  const variable = context.tokenVariable;
  if (isProtectedBranchRefusal(output)) {
    return new BumpError(`${context.branch} is a protected branch of ${context.project} and the token's role may not push to it`, {
      hint: `In ${context.project}, Settings > Repository > Protected branches: allow the token's role (e.g. Maintainers) to push to ${context.branch}, or use merge-request mode.`,
    });
  }
  if (/You are not allowed to (push|upload) code/i.test(output)) {
    return new BumpError(`the token in ${variable} may not push to ${context.project}: GitLab answered "You are not allowed to push code to this project."`, {
      hint: `A CI job token (CI_JOB_TOKEN) can never push to another project (and to its own only with "Allow Git push requests to the repository", GitLab 17.2+); a token without the write_repository scope or with a role below Developer cannot push either. ${capitalize(PAT_HOWTO)} and name it with --token-variable.`,
    });
  }
  if (isAuthenticationFailure(output)) {
    return new BumpError(`GitLab rejected the token in ${variable} (HTTP 401): it is invalid, expired or revoked`, {
      hint: `Rotate it: ${PAT_HOWTO}, then update ${variable}. Tokens stop working at 00:00 UTC on their expiry date.`,
    });
  }
  if (/could not be found or you don't have permission|repository '[^']*' not found|returned error: 404|\b404\b/i.test(output)) {
    return new BumpError(`project ${context.project} was not found on ${context.serverUrl}, or the token in ${variable} cannot see it`, {
      hint: `Check --project (the path in the project's URL). A Project Access Token reaches only the project it was created in: create it on ${context.project}.`,
    });
  }
  if (/Remote branch .* not found|couldn't find remote ref/i.test(output)) {
    return new BumpError(`branch ${context.branch} does not exist in ${context.project}`, { hint: 'Pass --branch with an existing branch of the GitOps project (or leave it out to use its default branch).' });
  }
  if (/returned error: 5\d\d|\bHTTP 5\d\d\b|Internal Server Error/i.test(output)) {
    return new BumpError(`${where} answered with a server error during ${context.stage}: ${detail}`, { hint: 'GitLab had a problem; retry the job. If it persists, check the GitLab instance status.' });
  }
  if (/Failed to connect|Connection refused|Could not resolve host|Couldn't connect/i.test(output)) {
    return new BumpError(`cannot reach ${context.serverUrl} (${context.stage}): ${detail}`, { hint: 'Check --server-url and that the runner can reach GitLab (proxy, firewall, DNS).' });
  }
  if (/Operation too slow|timed out|timeout/i.test(output)) {
    return new BumpError(`${context.serverUrl} stopped answering during ${context.stage}: ${detail}`, { hint: 'The server stalled. Retry the job; raise --timeout if the GitLab instance is slow.' });
  }
  return new BumpError(`git ${context.stage} failed: ${detail}`, { hint: `Run with --keep-workdir DIR to inspect the clone of ${where}.` });
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
