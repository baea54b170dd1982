import { UsageError } from '../failures/errors.js';
import { JOB_TOKEN_LIMITS, projectAccessTokenHowTo } from '../git/failure.js';
import { isJobTokenVariable } from '../git/environment.js';
import { MIN_SECRET_LENGTH } from '../failures/redact.js';
import type { TokenInput } from '../settings/types.js';

/**
 * GitLab's tokens are 20 characters and more (`glpat-` and 20; job tokens as JWTs, longer). A shorter
 * value could not be masked, by GitLab or by us, without masking ordinary words with it. 16 KiB leaves
 * room for any JWT; a longer value is no token, and its header would not fit into one variable of
 * git's environment (the kernel's limit is 128 KiB: `spawn E2BIG`).
 */
export const MAX_TOKEN_LENGTH = 16_384;

/** The variable is not set, or set to nothing (what a protected variable looks like on an unprotected ref). */
export function missingTokenError(variable: string, state: 'not set' | 'empty'): UsageError {
  return new UsageError(`${variable} is ${state}: no token to push with`, {
    hint:
      `Store a Project Access Token (scope write_repository, role Developer) as the CI/CD variable ${variable}, or name the variable that holds it with --token-variable. ` +
      'Protected variables reach only pipelines on protected branches and tags (elsewhere the variable is absent): run on a protected ref or unprotect the variable. ' +
      "Masked variables must meet GitLab's masking rules to be hidden in the job log.",
  });
}

export function ciJobTokenInVariableError(variable: string): UsageError {
  return new UsageError(
    `${variable} holds this job's CI_JOB_TOKEN, which pushes only when named as such (--token-variable CI_JOB_TOKEN)`,
    {
      hint: `${JOB_TOKEN_LIMITS} Either pass --token-variable CI_JOB_TOKEN where GitLab allows job-token pushes, or ${projectAccessTokenHowTo()} and put its name in --token-variable (default GITLAB_PUSHER_TOKEN).`,
    },
  );
}

export function multiLineTokenError(variable: string): UsageError {
  return new UsageError(`${variable} holds more than one line`, {
    hint: 'Store the token alone, without line breaks (a multi-line value cannot be masked either).',
  });
}

/** `--token-variable $GITLAB_PUSHER_TOKEN`: the "name" is a value (likely the token), so it is never shown. */
export function tokenVariableIsValueError(holder: string): UsageError {
  return new UsageError(
    `the name given for the token variable is the value of ${holder}, not the name of a variable that is set (the value is not shown)`,
    {
      hint: `Pass the variable's name, not its value: --token-variable ${holder} (without "$"). If that value is a token, treat it as exposed and rotate it.`,
    },
  );
}

/** The value is never shown, nor its length: either would help guess a real token. */
export function implausibleTokenError(variable: string, problem: 'short' | 'long'): UsageError {
  const what =
    problem === 'short' ? `shorter than ${MIN_SECRET_LENGTH} characters` : `longer than ${MAX_TOKEN_LENGTH} characters`;
  return new UsageError(`${variable} holds a value ${what}, which is no GitLab token`, {
    hint:
      problem === 'short'
        ? `GitLab tokens are 20 characters or more, and a shorter value cannot be masked in the job log: put the whole token in ${variable}, and check the variable is the one you meant (--token-variable).`
        : `Put the token alone in ${variable} (no file content, certificate or list of values), and check --token-variable names the right variable.`,
  });
}

/** The token the variable the user named holds; checked for presence and a plausible length, never for its shape. */
export function checkToken({ variable, value: token, ciJobToken, holderOfName }: TokenInput): string {
  if (token === undefined && holderOfName) throw tokenVariableIsValueError(holderOfName);
  if (token === undefined || token.trim() === '')
    throw missingTokenError(variable, token === undefined ? 'not set' : 'empty');
  if (ciJobToken && !isJobTokenVariable(variable) && token.trim() === ciJobToken.trim())
    throw ciJobTokenInVariableError(variable);
  if (/[\r\n]/.test(token.trim())) throw multiLineTokenError(variable);
  if (token.trim().length < MIN_SECRET_LENGTH) throw implausibleTokenError(variable, 'short');
  if (token.trim().length > MAX_TOKEN_LENGTH) throw implausibleTokenError(variable, 'long');
  return token.trim();
}
