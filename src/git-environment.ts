/**
 * The environment every git process runs with. The token reaches git only here, as an
 * `http.<server>.extraHeader` given through GIT_CONFIG_COUNT/KEY/VALUE: never in argv, a URL or a file.
 */
export interface GitEnvironmentOptions {
  serverUrl: string;
  token: string;
  timeoutSeconds: number;
  author: { name: string; email: string };
  caFile?: string;
  /** GitLab accepts any username with an access token, but a CI job token only as `gitlab-ci-token`. */
  username?: string;
}

/** Ambient GIT_* variables a CI runner may set on purpose and that carry no secret. */
const PASSED_THROUGH = [
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_SSL_NO_VERIFY',
  'GIT_SSL_CERT',
  'GIT_SSL_KEY',
  'GIT_HTTP_USER_AGENT',
  'GIT_TRACE',
  'GIT_TRACE_PACKET',
];

/**
 * Ambient variables that name programs for git to run (an editor, a pager, a password prompt) or move
 * its config: no command here needs one, and simple-git refuses to start git while any is set, so a
 * shell or `npx` that exports EDITOR would otherwise stop every bump.
 */
const PROGRAM_VARIABLES = new Set(['EDITOR', 'VISUAL', 'PAGER', 'SSH_ASKPASS', 'PREFIX']);

const OWN = [
  'GIT_CONFIG_COUNT',
  'GIT_TERMINAL_PROMPT',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
];

export interface GitEnvironment {
  env: Record<string, string>;
  allowed: string[];
}

export function gitEnvironment(options: GitEnvironmentOptions): GitEnvironment {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (name.toUpperCase().startsWith('GIT_') && !PASSED_THROUGH.includes(name)) continue;
    if (PROGRAM_VARIABLES.has(name.toUpperCase())) continue;
    env[name] = value;
  }
  const scope = serverScope(options.serverUrl);
  const config: [string, string][] = [
    [`http.${scope}.extraHeader`, `Authorization: Basic ${Buffer.from(`${options.username ?? 'oauth2'}:${options.token}`).toString('base64')}`],
    // A helper from the user's config must not answer instead of (or prompt after) our header.
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
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = options.author.name;
  env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = options.author.email;
  const allowed = Object.keys(env).filter((name) => name.startsWith('GIT_'));
  return { env, allowed: [...new Set([...allowed, ...OWN])] };
}

/** `http.<url>.*` applies to that server and path prefix only, so a redirect elsewhere gets no token. */
function serverScope(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}/`;
}
