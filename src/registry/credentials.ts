import { registerSecret } from '../failures/redact.js';
import type { RegistryEnvironment, RegistryLogin } from '../settings/types.js';

/**
 * The login for one registry, in the runner's order: DOCKER_AUTH_CONFIG's `auths`, then the job's
 * CI_REGISTRY_USER/CI_REGISTRY_PASSWORD for the host in CI_REGISTRY only, then none (anonymous). A
 * credential helper (`credHelpers`, `credsStore`) is a program of the runner's host that this job cannot
 * run: it is named in a note, and the next source is tried.
 */
export interface LoginChoice {
  login?: RegistryLogin;
  note?: string;
}

export function loginFor(registry: string, env: RegistryEnvironment): LoginChoice {
  const config = env.authConfig;
  const fromConfig = ownEntry(config?.auths, registry);
  if (fromConfig) return { login: fromConfig };
  const hostHelper = ownEntry(config?.helperHosts, registry);
  const helper = hostHelper ?? config?.credsStore;
  const note = helper
    ? `DOCKER_AUTH_CONFIG keeps the login for ${registry} in docker-credential-${helper} (${hostHelper ? 'credHelpers' : 'credsStore'}), a program this job cannot run`
    : undefined;
  if (env.ciRegistry?.login && env.ciRegistry.host === registry) return { login: env.ciRegistry.login, note };
  return { note };
}

/** An entry of the map itself, never one its prototype lends (a registry named "constructor"). */
function ownEntry<T>(map: Record<string, T> | undefined, key: string): T | undefined {
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** The Basic credentials of a login, registered with redaction before they are used. */
export function basicAuthorization({ username, password }: RegistryLogin): string {
  const encoded = Buffer.from(`${username}:${password}`).toString('base64');
  registerSecret(encoded);
  return `Basic ${encoded}`;
}
