import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { SCENARIOS, runScenario, type Scenario, type ScenarioRun, type Servers } from './support/fault-scenarios.js';
import {
  debugSwitches,
  elsewhere,
  expectHostileHomeIgnored,
  hostileHome,
  UNPASSED_TRACES,
} from './support/fault-scenarios-secrets.js';
import { git } from './support/git.js';
import { gitProcesses, gitShim, removeGitShims, type GitProcess } from './support/git-shim.js';
import { startGitLabServer, type GitLabServer } from './support/gitlab-server.js';

/**
 * Every scenario of the fault matrix, the successful ones included, run with a distinctive token in
 * the most hostile environment at once: every debug switch of Node, the bundled libraries and git
 * (DEBUG=*, NODE_DEBUG, GIT_TRACE*, GIT_CURL_VERBOSE, GIT_TRACE_REDACT=0) and a ~/.gitconfig that
 * rewrites every server's URL to another GitLab, runs an askpass and a credential helper and points
 * trace2 at files. Each run must still end as the fault matrix says; and the token must not appear in
 * any form anywhere the run leaves something — stdout, stderr, the files of the working directory (the
 * kept clone, its .git and objects, git's traces, the report) — nor in any git process's arguments, and
 * in a git process's environment only as the one Authorization header.
 */

const RANDOM = Math.random().toString(36).slice(2, 10);
let servers: Servers;
let other: GitLabServer;

beforeAll(async () => {
  const [main, quiet, faults] = await Promise.all([startGitLabServer(), startGitLabServer(), startGitLabServer()]);
  servers = { main, quiet, faults };
  other = await elsewhere();
});
afterAll(async () => {
  await Promise.all(Object.values(servers ?? {}).map((server) => server.close()));
  removeGitShims();
});

/** The token and every encoding of it that would carry it as well. */
function forms(token: string): Record<string, string> {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    token,
    'base64(token)': base64(token),
    'base64(oauth2:token)': base64(`oauth2:${token}`),
    'base64(gitlab-ci-token:token)': base64(`gitlab-ci-token:${token}`),
    'base64(:token)': base64(`:${token}`),
    'URL-encoded token': encodeURIComponent(token),
  };
}

function assertClean(expect: ExpectStatic, where: string, text: string | Buffer, token: string): void {
  const haystack = Buffer.isBuffer(text) ? text.toString('latin1') : text;
  for (const [name, form] of Object.entries(forms(token)))
    expect(haystack.includes(form), `${name} in ${where}`).toBe(false);
}

/** Nothing that would help guess the token: not its first or last characters, not its length. */
function assertNoHints(expect: ExpectStatic, where: string, text: string, token: string): void {
  expect(text.includes(token.slice(0, 4)), `the token's first characters in ${where}`).toBe(false);
  expect(text.includes(token.slice(-4)), `the token's last characters in ${where}`).toBe(false);
  expect(text, `the token's length in ${where}`).not.toMatch(
    new RegExp(`\\b${token.length}\\s*(characters|chars|bytes)`),
  );
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function leakCheck(expect: ExpectStatic, scenario: Scenario, index: number): Promise<void> {
  // A prefix and suffix found nowhere else, so that a partial token would be noticed too.
  const token = scenario.nameShapedToken
    ? `Zq7x${index}${RANDOM}Leak${index}Wv9k`
    : `Zq7x${index}-${RANDOM}-Leak${index}Wv9k`;
  const shim = await gitShim();
  const run = await runScenario(scenario, servers, {
    token,
    extraArgs: (ctx) => ['--keep-workdir', join(ctx.cwd, 'work'), '--report', join(ctx.cwd, 'bump.env')],
    extraEnv: (ctx) => ({
      PATH: `${shim}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      ...debugSwitches(ctx.cwd),
      ...hostileHome(ctx.cwd, { from: Object.values(servers).map((server) => server.url), to: other.url }),
      CI: 'true',
      IMAGE_BUMP_DEBUG: '1',
    }),
  });
  try {
    const expected = scenario.expect(run.ctx, run.prepared);
    expect(run.result.exitCode, run.result.stderr).toBe(expected.exitCode);
    if (expected.pushes) expect(run.tipAfter, 'the push landed on the server named').not.toBe(run.tipBefore);
    else expect(run.tipAfter, 'the branch on the server is unchanged').toBe(run.tipBefore);
    expect(other.requests, 'requests that reached the other GitLab').toEqual([]);
    expectHostileHomeIgnored(run.ctx.cwd);
    for (const file of UNPASSED_TRACES)
      expect(existsSync(join(run.ctx.cwd, file)), `${file} (its variable reached git)`).toBe(false);
    await scan(expect, run, token);
    checkGitProcesses(expect, gitProcesses(shim), token, expected.pushes === true);
  } finally {
    rmSync(run.ctx.cwd, { recursive: true, force: true });
  }
}

async function scan(expect: ExpectStatic, { ctx, result }: ScenarioRun, token: string): Promise<void> {
  for (const [where, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    assertClean(expect, where, text, token);
    assertNoHints(expect, where, text, token);
  }
  for (const file of filesUnder(ctx.cwd)) assertClean(expect, file, readFileSync(file), token);
  // What a SIGKILL would leave behind: the clone's config never holds the header.
  const workdir = join(ctx.cwd, 'work');
  if (existsSync(join(workdir, '.git', 'config')))
    expect(readFileSync(join(workdir, '.git', 'config'), 'utf8')).not.toMatch(/extraheader|authorization/i);
  // Git objects are compressed: read every one of them as git does.
  if (existsSync(join(workdir, '.git'))) {
    const objects = await git(['cat-file', '--batch-all-objects', '--batch'], { cwd: workdir });
    assertClean(expect, 'the objects of the kept clone', objects, token);
  }
}

const NEVER_IN_GIT_ENVIRONMENT =
  /^(GITLAB_PUSHER_TOKEN|DEBUG|NODE_DEBUG|NODE_OPTIONS|GIT_TRACE2\w*|GIT_TRACE_CURL\w*|GIT_TRACE_REDACT|GIT_TRACE_SETUP|GIT_CURL_VERBOSE|XDG_CONFIG_HOME)=/;

function checkGitProcesses(expect: ExpectStatic, processes: GitProcess[], token: string, pushed: boolean): void {
  if (pushed)
    expect(processes.map((p) => p.argv[0])).toEqual(expect.arrayContaining(['clone', 'checkout', 'commit', 'push']));
  const basic = ['oauth2', 'gitlab-ci-token'].map((user) => Buffer.from(`${user}:${token}`).toString('base64'));
  for (const { argv, env } of processes) {
    assertClean(expect, `the arguments of git ${argv[0]}`, argv.join('\0'), token);
    const header = env.filter((entry) => basic.some((form) => entry.includes(form)));
    // The credential travels once, as the value of the extraHeader config entry, and nowhere else.
    expect(header, `the credential in the environment of git ${argv[0]}`).toEqual([
      expect.stringMatching(/^GIT_CONFIG_VALUE_0=Authorization: Basic [A-Za-z0-9+/]+=*$/),
    ]);
    assertClean(
      expect,
      `the environment of git ${argv[0]} (but the header)`,
      env.filter((entry) => !header.includes(entry)).join('\0'),
      token,
    );
    expect(
      env.filter((entry) => NEVER_IN_GIT_ENVIRONMENT.test(entry) && !entry.startsWith('XDG_CONFIG_HOME=/dev/null')),
      `variables git ${argv[0]} must not get`,
    ).toEqual([]);
    expect(env, `HOME of git ${argv[0]}`).toContain('HOME=/dev/null');
  }
}

describe.concurrent('the token never leaks', () => {
  SCENARIOS.forEach((scenario, index) => {
    if (scenario.server === 'faults') return;
    it(scenario.name, ({ expect }) => leakCheck(expect, scenario, index));
  });
});

describe('the token never leaks when the server fails', () => {
  SCENARIOS.forEach((scenario, index) => {
    if (scenario.server !== 'faults') return;
    it(scenario.name, ({ expect }) => leakCheck(expect, scenario, index));
  });
});
