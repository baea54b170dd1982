import { withoutQuery } from '../failures/url-shown.js';
import { apiHostOf, isLoopbackRegistry } from '../image/registry-name.js';
import type { RegistryEnvironment, RegistryLogin } from '../settings/types.js';
import { fetchBearerToken } from './bearer-token.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { basicAuthorization, loginFor } from './credentials.js';
import { exchange, TransportError, type HttpAnswer } from './registry-http.js';
import { trustedCas } from './trust.js';

/**
 * Speaking to one registry: over HTTPS (a registry on localhost or 127.0.0.0/8 that does not speak TLS,
 * over plain HTTP, as Docker does), answering its `WWW-Authenticate` challenge (a Bearer token from its
 * realm for `repository:<name>:pull`, or Basic), and following a redirect only without credentials when
 * it leads to another origin (whose challenge is never answered). Tokens are kept per repository for the
 * run and registered with redaction as soon as they arrive.
 */

const MAX_REDIRECTS = 5;
const TOKEN_ANSWER_BYTES = 1024 * 1024;

export interface SessionOptions {
  deadlineMs: number;
  debug: (line: string) => void;
  /** The challenge the registry is known to make: its token is asked for before the first request. */
  expectedChallenge?: Challenge;
}

export class RegistrySession {
  private readonly login: RegistryLogin | undefined;
  private readonly ca: string[] | undefined;
  /** Asked once for the requests in parallel (a failure is asked again by the next request). */
  private originAnswer: Promise<string> | undefined;
  /** One token exchange per repository for the requests in parallel. */
  private readonly tokens = new Map<string, Promise<string>>();
  private basic = false;

  constructor(
    readonly registry: string,
    env: RegistryEnvironment,
    private readonly options: SessionOptions,
  ) {
    const choice = loginFor(registry, env);
    this.login = choice.login;
    if (choice.note) options.debug(choice.note);
    options.debug(`registry ${registry}: ${this.login ? `login from ${this.login.source}` : 'anonymous'}`);
    this.ca = trustedCas(registry, env);
  }

  /** Whether a login is used, for messages. */
  get loginSource(): string | undefined {
    return this.login?.source;
  }

  /** GET or HEAD `/v2/<repository>/<rest>` with the registry's authentication. */
  async request(
    method: 'GET' | 'HEAD',
    repository: string,
    rest: string,
    accept: readonly string[],
    maxBytes: number,
  ): Promise<HttpAnswer> {
    const path = `/v2/${repository}/${rest}`;
    const expected = this.options.expectedChallenge;
    if (expected && this.login && !this.tokens.has(repository))
      this.tokens.set(repository, this.fetchToken(expected, repository));
    // A refused guess is no answer: the registry's own challenge is asked for and followed.
    const sentWith = await this.authorizationFor(repository).catch(() => undefined);
    const first = await this.send(method, path, accept, maxBytes, sentWith);
    const answer = first.answer;
    // A challenge is answered only when the registry itself made it: a host a redirect led to could
    // otherwise name any realm and receive the login.
    if (answer.status !== 401 || !first.fromRegistry) return answer;
    const challenge = pickChallenge(String(answer.headers['www-authenticate'] ?? ''));
    // A request in parallel may have got a token (or taken up Basic) since this one was sent: then that
    // is tried, and no other asked for.
    if ((await this.authorizationFor(repository)) === sentWith) {
      if (challenge?.scheme === 'bearer' && challenge.params.realm)
        this.tokens.set(repository, this.fetchToken(challenge, repository));
      else if (challenge?.scheme === 'basic' && this.login && !this.basic) this.basic = true;
      else return answer;
    }
    return (await this.send(method, path, accept, maxBytes, await this.authorizationFor(repository))).answer;
  }

  private fetchToken(challenge: Challenge, repository: string): Promise<string> {
    const token = fetchBearerToken(challenge, repository, this.login, (url, authorization) =>
      this.exchange('GET', url, { Accept: 'application/json' }, authorization, TOKEN_ANSWER_BYTES),
    );
    // A refusal fails the requests waiting for it; the next request asks again.
    token.catch(() => {
      if (this.tokens.get(repository) === token) this.tokens.delete(repository);
    });
    return token;
  }

  private async authorizationFor(repository: string): Promise<string | undefined> {
    const token = this.tokens.get(repository);
    if (token) return `Bearer ${await token}`;
    if (this.basic && this.login) return basicAuthorization(this.login);
    return undefined;
  }

  private async send(
    method: 'GET' | 'HEAD',
    path: string,
    accept: readonly string[],
    maxBytes: number,
    authorization: string | undefined,
  ): Promise<{ answer: HttpAnswer; fromRegistry: boolean }> {
    const headers = { Accept: accept.join(', '), 'User-Agent': 'gitops-image-bump' };
    const origin = new URL(await this.origin());
    let url = new URL(path, origin);
    for (let hop = 0; ; hop++) {
      const fromRegistry = url.origin === origin.origin;
      const answer = await this.exchange(method, url, headers, fromRegistry ? authorization : undefined, maxBytes);
      const location = answer.headers.location;
      if (answer.status < 300 || answer.status >= 400 || !location || hop >= MAX_REDIRECTS)
        return { answer, fromRegistry };
      url = redirectTarget(location, url);
      this.options.debug(`registry ${this.registry}: redirected to ${withoutQuery(url)}`);
    }
  }

  /** The registry's origin; for a loopback registry, HTTPS when it answers TLS, else plain HTTP. */
  private origin(): Promise<string> {
    if (!this.originAnswer) {
      const answer = isLoopbackRegistry(this.registry)
        ? this.probeLoopback(apiHostOf(this.registry))
        : Promise.resolve(`https://${apiHostOf(this.registry)}`);
      answer.catch(() => {
        if (this.originAnswer === answer) this.originAnswer = undefined;
      });
      this.originAnswer = answer;
    }
    return this.originAnswer;
  }

  private async probeLoopback(host: string): Promise<string> {
    try {
      await exchange({
        method: 'GET',
        url: new URL(`https://${host}/v2/`),
        headers: {},
        deadlineMs: this.options.deadlineMs,
        maxBytes: TOKEN_ANSWER_BYTES,
        ca: this.ca,
      });
      return `https://${host}`;
    } catch (error) {
      if (!(error instanceof TransportError) || error.problem !== 'plain-http') throw error;
      this.options.debug(
        `registry ${this.registry}: no TLS on a loopback registry, speaking plain HTTP as Docker does`,
      );
      return `http://${host}`;
    }
  }

  private exchange(
    method: 'GET' | 'HEAD',
    url: URL,
    headers: Record<string, string>,
    authorization: string | undefined,
    maxBytes: number,
  ): Promise<HttpAnswer> {
    return exchange({
      method,
      url,
      headers,
      authorization,
      deadlineMs: this.options.deadlineMs,
      maxBytes,
      ca: this.ca,
    });
  }
}

/**
 * Where a redirect leads: HTTPS, or plain HTTP from a plain-HTTP (loopback) registry to a loopback host;
 * never from HTTPS down to HTTP. Anything else is a transport failure, not an error of this program.
 */
function redirectTarget(location: string, from: URL): URL {
  const refuse = (why: string) => new TransportError('redirect', withoutQuery(from), why);
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw refuse('the registry redirected to a location that is no URL');
  }
  if (target.protocol === 'https:') return target;
  if (target.protocol !== 'http:')
    throw refuse(`the registry redirected to a URL that is not HTTPS (${target.protocol})`);
  if (from.protocol === 'https:') throw refuse('the registry redirected from HTTPS to plain HTTP');
  if (!isLoopbackRegistry(target.host))
    throw refuse(`the registry redirected to plain HTTP on ${target.host}, which is not loopback`);
  return target;
}

function pickChallenge(header: string): Challenge | undefined {
  const challenges = parseChallenges(header);
  return (
    challenges.find((challenge) => challenge.scheme === 'bearer') ??
    challenges.find((challenge) => challenge.scheme === 'basic')
  );
}
