/**
 * Scenarios where the environment or the server tries to get the token somewhere else: a server that
 * redirects to another origin, server URLs that git and Node read differently, a hostile ~/.gitconfig,
 * debug switches, and tokens too short or too long to handle safely. Spread into SCENARIOS.
 *
 * Only types come from fault-scenarios.ts (which imports this file): its values are not there yet
 * while this module is evaluated.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { CliResult } from './run-cli.js';
import type { Expectation, Prepared, Scenario, ScenarioContext } from './fault-scenarios.js';
import { BUMP, TOKEN_VARIABLE, writable } from './scenario-basics.js';
import { git } from './git.js';
import { createGitOpsProject } from './gitops-repo.js';
import { startGitLabServer, type GitLabServer } from './gitlab-server.js';

const SERVER_URL_HINT = /^Give the GitLab URL alone, as in https:\/\/gitlab\.example\.com .*never from the URL\.$/;
const REDIRECT_HINT =
  /^Set --server-url \(the server_url input, default \$CI_SERVER_URL\) to the GitLab URL itself, not one that redirects; .*the token never reaches a server other than the one named\./;

let elsewhereServer: Promise<GitLabServer> | undefined;

/**
 * Another GitLab on another port (another origin) that would accept the token and the push: where a
 * redirect or a rewritten URL would take them. Nothing may ever reach it.
 */
export function elsewhere(): Promise<GitLabServer> {
  elsewhereServer ??= startGitLabServer();
  return elsewhereServer;
}

afterAll(async () => {
  if (elsewhereServer) await (await elsewhereServer).close();
  elsewhereServer = undefined;
});

/** The same project and token on the other server too, so that anything sent there would succeed. */
async function mirroredElsewhere(ctx: ScenarioContext): Promise<GitLabServer> {
  const other = await elsewhere();
  await createGitOpsProject(other, ctx.project);
  other.addToken({
    value: ctx.token,
    kind: 'project',
    scopes: ['write_repository', 'read_api'],
    projects: [ctx.project],
    role: 40,
  });
  return other;
}

/** The other server saw nothing with credentials, and its copy of the project is as it was. */
async function expectNothingElsewhere(ctx: ScenarioContext): Promise<void> {
  const other = await elsewhere();
  expect(
    other.requests.filter((request) => request.credentials),
    'requests with credentials on the other origin',
  ).toEqual([]);
  expect(other.pushLog(ctx.project), 'pushes on the other origin').toEqual([]);
}

/** Every file the hostile configuration would make git (or a program it runs) write. */
const HOSTILE_OUTPUTS = ['askpass-ran', 'helper-ran', 'trace2-event.log', 'trace2-normal.log', 'trace2-perf.log'];

/**
 * A HOME (and XDG_CONFIG_HOME) whose git config would send the token elsewhere and print it: URLs
 * rewritten to `elsewhereUrl`, an askpass and a credential helper that record their environment,
 * trace2 targets that log every http.* setting and the token variable, an extra header, redirects on.
 */
export function hostileHome(dir: string, rewrite: { from: string[]; to: string }): Record<string, string> {
  const home = join(dir, 'hostile-home');
  mkdirSync(join(home, '.config', 'git'), { recursive: true });
  const script = (name: string, body: string) => {
    const path = join(home, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const askpass = script('askpass.sh', `env > '${join(dir, 'askpass-ran')}'\necho stolen`);
  const helper = script(
    'helper.sh',
    `{ env; cat; } > '${join(dir, 'helper-ran')}'\necho username=stolen\necho password=stolen`,
  );
  const config = [
    `[url "${rewrite.to}/"]`,
    ...rewrite.from.map((url) => `\tinsteadOf = ${url}/`),
    '[core]',
    `\taskPass = ${askpass}`,
    '[credential]',
    `\thelper = ${helper}`,
    '[trace2]',
    `\teventTarget = ${join(dir, 'trace2-event.log')}`,
    `\tnormalTarget = ${join(dir, 'trace2-normal.log')}`,
    `\tperfTarget = ${join(dir, 'trace2-perf.log')}`,
    '\tconfigParams = http.*,credential.*,core.*',
    `\tenvVars = ${TOKEN_VARIABLE},GIT_CONFIG_VALUE_0,GIT_CONFIG_VALUE_1`,
    '[http]',
    '\textraHeader = X-Hostile: from-the-home-gitconfig',
    '\tfollowRedirects = true',
    '',
  ].join('\n');
  writeFileSync(join(home, '.gitconfig'), config);
  writeFileSync(join(home, '.config', 'git', 'config'), config);
  writeFileSync(join(home, '.netrc'), 'default login stolen password stolen\n');
  return { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
}

/** Nothing of the hostile configuration ran or wrote. */
export function expectHostileHomeIgnored(dir: string): void {
  for (const file of HOSTILE_OUTPUTS)
    expect(existsSync(join(dir, file)), `${file} (written only if git read the hostile config)`).toBe(false);
}

/** Every debug switch of Node, of the bundled libraries and of git, at once. */
export function debugSwitches(dir: string): Record<string, string> {
  return {
    DEBUG: '*',
    NODE_DEBUG: 'http,https,child_process,net,tls',
    GIT_TRACE: join(dir, 'git-trace.log'),
    GIT_TRACE_PACKET: join(dir, 'git-packet-trace.log'),
    GIT_TRACE_CURL: join(dir, 'git-curl-trace.log'),
    GIT_TRACE_CURL_NO_DATA: '0',
    GIT_TRACE_REDACT: '0',
    GIT_CURL_VERBOSE: '1',
    GIT_TRACE_SETUP: join(dir, 'git-setup-trace.log'),
    GIT_TRACE2: join(dir, 'git-trace2.log'),
    GIT_TRACE2_EVENT: join(dir, 'git-trace2-event.log'),
    GIT_TRACE2_PERF: join(dir, 'git-trace2-perf.log'),
    GIT_TRACE2_CONFIG_PARAMS: 'http.*',
    GIT_TRACE2_ENV_VARS: `${TOKEN_VARIABLE},GIT_CONFIG_VALUE_0`,
  };
}

/** Traces that would show headers, config or the environment: the variables that ask for them never reach git. */
export const UNPASSED_TRACES = [
  'git-curl-trace.log',
  'git-setup-trace.log',
  'git-trace2.log',
  'git-trace2-event.log',
  'git-trace2-perf.log',
];

const redirected = (prepared: Prepared): Expectation => {
  const to = prepared.fault?.kind === 'redirect' ? new URL(prepared.fault.to).origin : 'http://127.0.0.1:0';
  const from = new URL(prepared.serverUrl ?? 'http://127.0.0.1:1').origin;
  return {
    exitCode: 1,
    error: `the server redirected ${from} to ${to}; the token is sent only to ${from}`,
    hint: REDIRECT_HINT,
    trouble: 'server-redirect',
  };
};

const invalidServerUrl = (error: string): Expectation => ({
  exitCode: 2,
  error,
  hint: SERVER_URL_HINT,
  trouble: 'server-url-invalid',
});

export const SECRET_SCENARIOS: readonly Scenario[] = [
  {
    name: 'a server that redirects every request to another origin (302)',
    server: 'faults',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      const other = await mirroredElsewhere(ctx);
      return { ...prepared, serverUrl: ctx.server.url, fault: { kind: 'redirect', to: other.url } };
    },
    expect: (_ctx, prepared) => redirected(prepared),
    check: (ctx) => expectNothingElsewhere(ctx),
  },
  {
    name: 'a server that redirects only the push to another origin (307)',
    server: 'faults',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      const other = await mirroredElsewhere(ctx);
      return {
        ...prepared,
        serverUrl: ctx.server.url,
        fault: { kind: 'redirect', to: other.url, status: 307, service: 'git-receive-pack' },
      };
    },
    expect: (_ctx, prepared) => redirected(prepared),
    check: (ctx) => expectNothingElsewhere(ctx),
  },
  {
    name: 'a server URL that git and Node read as different hosts ("\\@")',
    server: 'quiet',
    setup: async (ctx) => {
      const other = await elsewhere();
      return { ...(await writable(ctx)), serverUrl: `${ctx.server.url}\\@127.0.0.1:${other.port}` };
    },
    expect: () => invalidServerUrl('--server-url must be a plain http(s) URL, without credentials or "@"'),
    check: (ctx) => expectNothingElsewhere(ctx),
  },
  {
    name: 'a server URL with a tab',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), serverUrl: `${ctx.server.url}\t` }),
    expect: (ctx) =>
      invalidServerUrl(`--server-url ${JSON.stringify(`${ctx.server.url}\t`)} holds whitespace or control characters`),
  },
  {
    name: 'a server URL with a newline',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), serverUrl: `${ctx.server.url}\nhttp://127.0.0.1:9` }),
    expect: (ctx) =>
      invalidServerUrl(
        `--server-url ${JSON.stringify(`${ctx.server.url}\nhttp://127.0.0.1:9`)} holds whitespace or control characters`,
      ),
  },
  {
    name: 'a server URL carrying the token in its query',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), serverUrl: `${ctx.server.url}/?private_token=${ctx.token}` }),
    // Shown, so that the user sees what is wrong, and masked like every line.
    expect: (ctx) =>
      invalidServerUrl(
        `--server-url ${JSON.stringify(`${ctx.server.url}/?private_token=[MASKED]`)} holds a backslash, "%", a query or a fragment`,
      ),
  },
  {
    name: 'a token that is a common word, too short to be masked',
    server: 'quiet',
    setup: async (ctx) => ({ ...(await writable(ctx)), env: { [TOKEN_VARIABLE]: 'token' } }),
    // The word is not masked anywhere: the error line below contains it.
    expect: () => ({
      exitCode: 2,
      error: `${TOKEN_VARIABLE} holds a value shorter than 8 characters, which is no GitLab token`,
      hint: /^GitLab tokens are 20 characters or more, and a shorter value cannot be masked in the job log/,
      trouble: 'token-implausible',
    }),
  },
  {
    name: 'a token of 100,000 characters',
    server: 'quiet',
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      env: { [TOKEN_VARIABLE]: ctx.token.repeat(Math.ceil(100_000 / ctx.token.length)).slice(0, 100_000) },
    }),
    expect: () => ({
      exitCode: 2,
      error: `${TOKEN_VARIABLE} holds a value longer than 16384 characters, which is no GitLab token`,
      hint: /^Put the token alone in GITLAB_PUSHER_TOKEN/,
      trouble: 'token-implausible',
    }),
  },
  {
    name: 'a hostile ~/.gitconfig (insteadOf, askpass, credential helper, trace2, extra header)',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      const other = await mirroredElsewhere(ctx);
      return {
        ...prepared,
        env: { ...prepared.env, ...hostileHome(ctx.cwd, { from: [ctx.server.url], to: other.url }) },
      };
    },
    expect: () => ({ exitCode: 0, pushes: true, summary: /^bumped / }),
    check: async (ctx) => {
      expectHostileHomeIgnored(ctx.cwd);
      await expectNothingElsewhere(ctx);
    },
  },
  {
    name: 'a CI job token, with TMPDIR inside a repository whose config rewrites URLs',
    server: 'main',
    setup: async (ctx) => {
      await createGitOpsProject(ctx.server, ctx.project);
      ctx.server.addToken({ value: ctx.token, kind: 'job', scopes: [], projects: [ctx.project] });
      const other = await elsewhere();
      await createGitOpsProject(other, ctx.project);
      other.addToken({ value: ctx.token, kind: 'job', scopes: [], projects: [ctx.project] });
      // The job-token probe (an ls-remote outside the clone) must not take this repository's config.
      const repo = join(ctx.cwd, 'around');
      mkdirSync(join(repo, 'tmp'), { recursive: true });
      await git(['init', '--quiet', repo]);
      await git(['config', `url.${other.url}/.insteadOf`, `${ctx.server.url}/`], { cwd: repo });
      return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token, TMPDIR: join(repo, 'tmp') } };
    },
    expect: () => ({
      exitCode: 1,
      error: `the token in ${TOKEN_VARIABLE} is a CI job token, and a job token cannot push here`,
      hint: /^A CI job token pushes only as a job token/,
      trouble: 'job-token',
    }),
    check: (ctx) => expectNothingElsewhere(ctx),
  },
  {
    name: 'every debug switch on (DEBUG=*, NODE_DEBUG, GIT_TRACE*, GIT_CURL_VERBOSE)',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      return { ...prepared, env: { ...prepared.env, ...debugSwitches(ctx.cwd) } };
    },
    expect: () => ({ exitCode: 0, pushes: true, summary: /^bumped / }),
    check: (ctx, result: CliResult) => {
      // The switches were live (Node printed each git process's environment), and every line went through redaction.
      expect(result.stderr).toMatch(/CHILD_PROCESS \d+: spawn/);
      expect(result.stderr).toContain('Authorization: Basic [MASKED]');
      expect(result.stderr).not.toContain(ctx.token);
      expect(result.stderr, 'debug lines of the bundled simple-git').not.toMatch(/simple-git:|simple-git \[/);
      for (const file of UNPASSED_TRACES) expect(existsSync(join(ctx.cwd, file)), file).toBe(false);
      expect(existsSync(join(ctx.cwd, 'git-trace.log')), 'GIT_TRACE still works').toBe(true);
    },
  },
];
