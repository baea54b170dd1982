import { UsageError } from './errors.js';

/** The token, read from the variable the user named; checked only for presence, never for its shape. */
export function readToken(variable: string, env: NodeJS.ProcessEnv): string {
  const token = env[variable];
  if (token === undefined || token.trim() === '') {
    throw new UsageError(`${variable} is ${token === undefined ? 'not set' : 'empty'}: no token to push with`, {
      hint: `Store a Project Access Token (scope write_repository) as the CI/CD variable ${variable}. Protected variables reach only pipelines on protected branches and tags, and a masked variable must meet GitLab's masking rules; run on a protected ref or unprotect the variable.`,
    });
  }
  if (env.CI_JOB_TOKEN && token === env.CI_JOB_TOKEN) {
    throw new UsageError(`${variable} holds this job's CI_JOB_TOKEN, which cannot push to another project`, {
      hint: 'A job token can never push to another project (and to its own only when "Allow Git push requests to the repository" is on, GitLab 17.2+). Create a Project Access Token on the GitOps project (scope write_repository, role Developer, an expiry) and store it in the variable instead.',
    });
  }
  if (/[\r\n]/.test(token.trim())) {
    throw new UsageError(`${variable} holds more than one line`, { hint: 'Store the token alone, without line breaks.' });
  }
  return token.trim();
}
