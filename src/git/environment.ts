/**
 * The environment every git process runs with, built from nothing: a few variables from the job, and
 * ours. The token reaches git only here, as an `http.<server>.extraHeader` given through
 * GIT_CONFIG_COUNT/KEY/VALUE: never in argv, a URL, a file, or a variable of its own.
 */
/** The variable GitLab gives every job its job token in: naming it is what selects job-token authentication. */
export const JOB_TOKEN_VARIABLE = 'CI_JOB_TOKEN';
/** The one username GitLab accepts a CI job token with over HTTP. */
export const JOB_TOKEN_USERNAME = 'gitlab-ci-token';

/** Decided by the variable's name, never by the token's shape: token prefixes are configurable. */
export function isJobTokenVariable(variable: string): boolean {
  return variable === JOB_TOKEN_VARIABLE;
}

export interface GitEnvironmentOptions {
  serverUrl: string;
  token: string;
  timeoutSeconds: number;
  author: { name: string; email: string };
  caFile?: string;
  /** GitLab accepts any username with an access token, but a CI job token only as `gitlab-ci-token`. */
  username?: string;
  /** The variables git may take from the job (settings/environment-inputs.ts picks them). */
  base: Readonly<Record<string, string>>;
}

/**
 * No user, system or global configuration: it could rewrite the URL (`url.*.insteadOf`), run a program
 * with the token in its environment (`core.askPass`, `credential.helper`), add headers, or make trace2
 * write config and variables to a file. HOME and XDG_CONFIG_HOME lead nowhere (no ~/.netrc, no
 * ~/.config/git), and an empty GIT_ASKPASS wins over any askpass program git could find.
 */
const SEALED = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  HOME: '/dev/null',
  XDG_CONFIG_HOME: '/dev/null',
  GIT_ASKPASS: '',
  GIT_TERMINAL_PROMPT: '0',
};

export interface GitEnvironment {
  env: Record<string, string>;
  /** The GIT_* variables set here, which simple-git must be told to let through. */
  allowed: string[];
}

export function gitEnvironment(options: GitEnvironmentOptions): GitEnvironment {
  const env: Record<string, string> = { ...options.base, ...SEALED };
  const scope = serverScope(options.serverUrl);
  const config: [string, string][] = [
    [
      `http.${scope}.extraHeader`,
      `Authorization: Basic ${Buffer.from(`${options.username ?? 'oauth2'}:${options.token}`).toString('base64')}`,
    ],
    // git rebases a remote's URL on a redirect's target and sends the header there too: follow none.
    ['http.followRedirects', 'false'],
    ['credential.helper', ''],
    ['http.lowSpeedLimit', '1'],
    ['http.lowSpeedTime', String(Math.max(1, Math.round(options.timeoutSeconds)))],
    ['advice.detachedHead', 'false'],
    ['core.hooksPath', '/dev/null'],
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    ['fetch.writeCommitGraph', 'false'],
  ];
  if (options.caFile) config.push([`http.${scope}.sslCAInfo`, options.caFile]);
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = options.author.name;
  env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = options.author.email;
  return { env, allowed: Object.keys(env).filter((name) => name.startsWith('GIT_')) };
}

/**
 * `http.<url>.*` applies to that server and path prefix only. It is not what keeps the header from
 * another origin (git rebases the URL after a redirect): `http.followRedirects=false` is.
 */
function serverScope(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}/`;
}
