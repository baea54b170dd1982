import { registerSecret } from '../failures/redact.js';
import { withoutQuery } from '../failures/url-shown.js';
import { isLoopbackRegistry } from '../image/registry-name.js';
import type { RegistryLogin } from '../settings/types.js';
import type { Challenge } from './challenge.js';
import type { HttpAnswer } from './registry-http.js';
import { errorDetail, readJson } from './registry-answer.js';
import { basicAuthorization } from './credentials.js';

/** The token service refused or failed: its status and what it said. */
export class TokenServiceError extends Error {
  constructor(
    readonly status: number,
    readonly realm: string,
    readonly detail: string,
  ) {
    super(`token service ${realm} answered HTTP ${status}${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * The Bearer token for pulling `repository`, from the realm of the registry's challenge: asked with the
 * registry's service and the pull scope, with the login as Basic credentials when there is one (never
 * over plain HTTP to a host that is not loopback), and registered with redaction as soon as it arrives.
 */
export async function fetchBearerToken(
  challenge: Challenge,
  repository: string,
  login: RegistryLogin | undefined,
  get: (url: URL, authorization: string | undefined) => Promise<HttpAnswer>,
): Promise<string> {
  let realm: URL;
  try {
    realm = new URL(challenge.params.realm ?? '');
  } catch {
    throw new TokenServiceError(0, 'the realm', 'the challenge names no URL as its realm');
  }
  const shownRealm = withoutQuery(realm);
  if (realm.protocol !== 'https:' && realm.protocol !== 'http:')
    throw new TokenServiceError(0, shownRealm, 'the realm is not an http(s) URL');
  if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
  realm.searchParams.set('scope', `repository:${repository}:pull`);
  const secure = realm.protocol === 'https:' || isLoopbackRegistry(realm.host);
  const answer = await get(realm, login && secure ? basicAuthorization(login) : undefined);
  const body = readJson(answer.body) as Record<string, unknown> | undefined;
  if (answer.status !== 200) throw new TokenServiceError(answer.status, shownRealm, errorDetail(body));
  const token = body && typeof body === 'object' ? (body.token ?? body.access_token) : undefined;
  if (typeof token !== 'string' || token === '')
    throw new TokenServiceError(answer.status, shownRealm, 'the answer holds no token');
  registerSecret(token);
  return token;
}
