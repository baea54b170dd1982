import { readFileSync } from 'node:fs';
import type { OutputSettings } from '../failures/output.js';
import { BumpError } from '../failures/errors.js';
import { registerSecret } from '../failures/redact.js';
import { canonicalRegistry } from '../image/registry-name.js';
import { parseDockerAuthConfig } from './docker-auth-config.js';
import type { PushEnvironment, PushSettings, RegistryEnvironment, RegistrySettings } from './types.js';

/**
 * Everything a run takes from the process environment besides its options, read here only: the
 * output's switches, the token (by the name the settings hold), the CA files, what git may see, and
 * the registry logins.
 */

/**
 * What git and its curl need from the job, or what a runner sets on purpose (CA bundles, proxies,
 * locale); none carries our token. Of git's traces only GIT_TRACE (commands) and GIT_TRACE_PACKET
 * (protocol lines) pass: neither shows HTTP headers. GIT_TRACE_CURL and GIT_CURL_VERBOSE would print
 * them (and GIT_TRACE_REDACT=0 unmasked), and trace2 can be told to print config and variables.
 */
const PASSED_THROUGH = new Set([
  'PATH',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_SSL_NO_VERIFY',
  'GIT_SSL_CERT',
  'GIT_SSL_KEY',
  'GIT_HTTP_USER_AGENT',
  'GIT_TRACE',
  'GIT_TRACE_PACKET',
]);

/** The variables of the job that every git process starts from (the sealing ones are added by git/environment.ts). */
export function gitBaseEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (PASSED_THROUGH.has(name) || name.startsWith('LC_'))) base[name] = value;
  }
  return base;
}

export function readOutputSettings(env: NodeJS.ProcessEnv): OutputSettings {
  return {
    inCi: Boolean(env.CI),
    noColor: Boolean(env.NO_COLOR),
    debug: Boolean(env.IMAGE_BUMP_DEBUG || env.CI_DEBUG_TRACE === 'true'),
  };
}

export function readPushEnvironment(
  settings: Pick<PushSettings, 'tokenVariable'> & { registry?: RegistrySettings },
  env: NodeJS.ProcessEnv,
): PushEnvironment {
  const variable = settings.tokenVariable;
  const value = env[variable];
  return {
    token: {
      variable,
      value,
      ciJobToken: env.CI_JOB_TOKEN || undefined,
      // `--token-variable $TOKEN`: the variable whose value is the "name", to say so without showing it.
      holderOfName:
        value === undefined
          ? Object.keys(env).find((name) => !name.startsWith('IMAGE_BUMP_') && env[name] === variable)
          : undefined,
    },
    caFile: env.CI_SERVER_TLS_CA_FILE || undefined,
    gitBase: gitBaseEnvironment(env),
    pipelineProject: env.CI_PROJECT_PATH || undefined,
    registry:
      settings.registry && settings.registry.verifyImage !== 'off'
        ? readRegistryEnvironment(env, settings.registry.verifyImage === 'require')
        : undefined,
  };
}

/**
 * The registry logins, each secret registered with redaction as it is read, and the CA files the
 * registries are checked against. A DOCKER_AUTH_CONFIG that
 * cannot be read is refused (exit 2) when verification is required; in warn mode the run goes on
 * without it, so that a pipeline whose variable was never meant for this tool does not start failing.
 */
export function readRegistryEnvironment(env: NodeJS.ProcessEnv, required: boolean): RegistryEnvironment {
  const registry: RegistryEnvironment = {
    caFile: env.CI_SERVER_TLS_CA_FILE || undefined,
    nodeExtraCaFile: env.NODE_EXTRA_CA_CERTS || undefined,
  };
  if (env.DOCKER_AUTH_CONFIG) {
    try {
      registry.authConfig = parseDockerAuthConfig(fileOrValue(env.DOCKER_AUTH_CONFIG));
    } catch (error) {
      if (required || !(error instanceof BumpError)) throw error;
      registry.authConfigProblem = error.message;
    }
  }
  if (env.CI_REGISTRY) {
    const password = env.CI_REGISTRY_PASSWORD;
    if (password) registerSecret(password);
    registry.ciRegistry = {
      host: canonicalRegistry(env.CI_REGISTRY),
      login:
        env.CI_REGISTRY_USER && password
          ? { username: env.CI_REGISTRY_USER, password, source: 'CI_REGISTRY_USER and CI_REGISTRY_PASSWORD' }
          : undefined,
    };
  }
  return registry;
}

/** A File-type CI/CD variable holds the path of a file with the value: the JSON is read from there. */
function fileOrValue(value: string): string {
  if (!value.startsWith('/') || value.includes('\n')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch {
    return value; // not a readable file: refused as what it is, text that is not JSON
  }
}

/** Before any input is read (and possibly echoed in an error), the token is already known to redaction. */
export function likelyTokens(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const named = argv.flatMap((arg, index) =>
    arg === '--token-variable' ? [argv[index + 1]] : arg.startsWith('--token-variable=') ? [arg.slice(17)] : [],
  );
  return ['GITLAB_PUSHER_TOKEN', 'CI_REGISTRY_PASSWORD', env.IMAGE_BUMP_TOKEN_VARIABLE, ...named].flatMap((name) => {
    const value = name ? env[name] : undefined;
    return value ? [value.trim()] : [];
  });
}
