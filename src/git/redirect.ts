import { BumpError } from '../failures/errors.js';
import { withoutQuery } from '../failures/url-shown.js';
import { requestFunction } from './http-request.js';

/**
 * git runs with `http.followRedirects=false` (see git-environment.ts): a redirect is a failure, reported
 * by git as "The requested URL returned error: 302". Where it pointed is asked again, without
 * credentials, only to name it in the error.
 */
export function isRedirectRefusal(gitOutput: string): boolean {
  return /returned error: 30[0-8]\b/.test(gitOutput);
}

/** Where the server sends a request for the repository that carries no credentials; undefined when it does not redirect (or does not answer). */
export async function redirectTarget(
  repoUrl: string,
  service: 'git-upload-pack' | 'git-receive-pack',
  timeoutMs = 3000,
): Promise<string | undefined> {
  const url = new URL(`${repoUrl}/info/refs?service=${service}`);
  const send = await requestFunction(url);
  return new Promise((resolve) => {
    const request = send(url, { timeout: timeoutMs }, (response) => {
      const location = response.headers.location;
      response.resume();
      request.destroy();
      if (!response.statusCode || response.statusCode < 300 || response.statusCode > 399 || !location)
        return resolve(undefined);
      try {
        resolve(new URL(location, url).href);
      } catch {
        resolve(undefined);
      }
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
    request.end();
  });
}

const FIX =
  'Set --server-url (the server_url input, default $CI_SERVER_URL) to the GitLab URL itself, not one that redirects; if the project was moved or renamed, set --project to its new path. Git and the token lookup follow no redirect, so the token never reaches a server other than the one named.';

/** A redirect refused: to another origin (where the token must never go), within the origin, or to somewhere the probe could not see. */
export function redirectError(repoUrl: string, target: string | undefined): BumpError {
  const origin = new URL(repoUrl).origin;
  if (target && new URL(target).origin !== origin) {
    const other = new URL(target).origin;
    return new BumpError(`the server redirected ${origin} to ${other}; the token is sent only to ${origin}`, {
      hint: `${FIX} If ${other} is your GitLab, name it in --server-url.`,
    });
  }
  if (target)
    return new BumpError(`the server redirected ${repoUrl} to ${withoutQuery(target)}; no redirect is followed`, {
      hint: FIX,
    });
  return new BumpError(`the server answered ${repoUrl} with a redirect; no redirect is followed`, { hint: FIX });
}
