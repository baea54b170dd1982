import { UsageError } from '../failures/errors.js';
import { isRecord } from '../failures/record.js';
import { registerSecret } from '../failures/redact.js';
import { registryOfAuthKey } from '../image/registry-name.js';
import type { DockerAuthConfig, RegistryLogin } from './types.js';

/**
 * DOCKER_AUTH_CONFIG, the runner's JSON (Docker's config.json): `auths` keyed by host, host:port or URL,
 * each with `auth` (base64 of user:password) or `username` and `password`; `credHelpers` and `credsStore`
 * name helper programs. Every secret is registered with redaction as soon as it is read, and a refusal
 * says where the JSON is wrong without ever showing any of it.
 */

const HINT =
  'DOCKER_AUTH_CONFIG is the JSON of a Docker config.json, e.g. {"auths":{"registry.example.com":{"auth":"<base64 of user:password>"}}}, or (a File-type variable) the path of a file that holds it. Check the CI/CD variable.';

const refuse = (where: string) => new UsageError(`DOCKER_AUTH_CONFIG ${where}`, { hint: HINT });

export function parseDockerAuthConfig(raw: string): DockerAuthConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw refuse(`is not valid JSON${jsonErrorPlace(raw, error)}`);
  }
  if (!isRecord(parsed)) throw refuse('is not a JSON object');
  // Without a prototype: a registry named like an Object property ("constructor") finds nothing.
  const config: DockerAuthConfig = {
    auths: Object.create(null) as DockerAuthConfig['auths'],
    helperHosts: Object.create(null) as DockerAuthConfig['helperHosts'],
  };
  if (parsed.auths !== undefined) {
    if (!isRecord(parsed.auths)) throw refuse('"auths" is not an object');
    for (const [key, entry] of Object.entries(parsed.auths)) {
      const login = readLogin(key, entry);
      if (login) config.auths[registryOfAuthKey(key)] ??= login;
    }
  }
  if (parsed.credHelpers !== undefined) {
    if (!isRecord(parsed.credHelpers)) throw refuse('"credHelpers" is not an object');
    for (const [key, helper] of Object.entries(parsed.credHelpers)) {
      if (typeof helper !== 'string') throw refuse(`credHelpers[${JSON.stringify(key)}] is not a string`);
      config.helperHosts[registryOfAuthKey(key)] = helper;
    }
  }
  if (parsed.credsStore !== undefined) {
    if (typeof parsed.credsStore !== 'string') throw refuse('"credsStore" is not a string');
    config.credsStore = parsed.credsStore;
  }
  return config;
}

/** An `auths` entry's login, or undefined for an entry without one (`{}` is what `docker login` with a helper leaves). */
function readLogin(key: string, entry: unknown): RegistryLogin | undefined {
  const where = `auths[${JSON.stringify(key)}]`;
  if (!isRecord(entry)) throw refuse(`${where} is not an object`);
  const source = `DOCKER_AUTH_CONFIG ${where}`;
  // Tokens this job cannot use (an OAuth refresh token, a registry token) are still secrets.
  for (const field of ['identitytoken', 'registrytoken'] as const) {
    const token = entry[field];
    if (typeof token === 'string') registerSecret(token);
  }
  if (entry.auth !== undefined && entry.auth !== '') {
    if (typeof entry.auth !== 'string') throw refuse(`${where}.auth is not a string`);
    registerSecret(entry.auth);
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(entry.auth) ? Buffer.from(entry.auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw refuse(`${where}.auth is not the base64 of user:password`);
    const password = decoded.slice(colon + 1);
    registerSecret(password);
    return { username: decoded.slice(0, colon), password, source };
  }
  const { username, password } = entry;
  if (username === undefined && password === undefined) return undefined;
  if (typeof password === 'string') registerSecret(password);
  if (typeof username !== 'string' || username === '') throw refuse(`${where}.username is missing or not a string`);
  if (typeof password !== 'string') throw refuse(`${where}.password is missing or not a string`);
  return { username, password, source };
}

/** " (line L, column C)" where V8 gives a position; its message itself may quote the JSON, so it is never shown. */
function jsonErrorPlace(raw: string, error: unknown): string {
  const match = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) return raw.trim() === '' ? ': it is empty' : '';
  const before = raw.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}
