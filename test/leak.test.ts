import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { SCENARIOS, runScenario, type Scenario, type ScenarioRun, type Servers } from './support/fault-scenarios.js';
import { git } from './support/git.js';
import { startGitLabServer } from './support/gitlab-server.js';

/**
 * Every scenario of the fault matrix, the two successful ones included, run with a distinctive token
 * and with git's own tracing on: the token must not appear in any form anywhere the run leaves
 * something — stdout, stderr, the files of the working directory (the kept clone, its .git, git's
 * trace files, the dotenv report) and the command line of every git process.
 */

const SHIM_DIR = mkdtempSync(join(tmpdir(), 'image-bump-git-shim-'));
const ARGV_LOG = join(SHIM_DIR, 'argv.log');
const RANDOM = Math.random().toString(36).slice(2, 10);
const tokens: string[] = [];
let servers: Servers;
let realGit: string;

beforeAll(async () => {
  realGit = (await execa('sh', ['-c', 'command -v git'])).stdout.trim();
  // Records each git process's arguments (one NUL-separated record per process), then becomes the real git.
  writeFileSync(
    join(SHIM_DIR, 'git'),
    `#!/bin/sh\n{ for arg in "$@"; do printf '%s\\0' "$arg"; done; printf '\\n'; } >> '${ARGV_LOG}'\nexec '${realGit}' "$@"\n`,
  );
  chmodSync(join(SHIM_DIR, 'git'), 0o755);
  writeFileSync(ARGV_LOG, '');
  const [main, quiet, faults] = await Promise.all([startGitLabServer(), startGitLabServer(), startGitLabServer()]);
  servers = { main, quiet, faults };
});
afterAll(async () => {
  await Promise.all(Object.values(servers ?? {}).map((server) => server.close()));
  rmSync(SHIM_DIR, { recursive: true, force: true });
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
  for (const [name, form] of Object.entries(forms(token))) expect(haystack.includes(form), `${name} in ${where}`).toBe(false);
}

/** Nothing that would help guess the token: not its first or last characters, not its length. */
function assertNoHints(expect: ExpectStatic, where: string, text: string, token: string): void {
  expect(text.includes(token.slice(0, 4)), `the token's first characters in ${where}`).toBe(false);
  expect(text.includes(token.slice(-4)), `the token's last characters in ${where}`).toBe(false);
  expect(text, `the token's length in ${where}`).not.toMatch(new RegExp(`\\b${token.length}\\s*(characters|chars|bytes)`));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function leakCheck(expect: ExpectStatic, scenario: Scenario, index: number): Promise<void> {
  // A prefix and suffix found nowhere else, so that a partial token would be noticed too.
  const token = scenario.nameShapedToken ? `Zq7x${index}${RANDOM}Leak${index}Wv9k` : `Zq7x${index}-${RANDOM}-Leak${index}Wv9k`;
  tokens.push(token);
  const run = await runScenario(scenario, servers, {
    token,
    extraArgs: (ctx) => ['--keep-workdir', join(ctx.cwd, 'work'), '--report', join(ctx.cwd, 'bump.env')],
    extraEnv: (ctx) => ({
      PATH: `${SHIM_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      // git's own traces of every process it runs (children included), written where the scan looks.
      GIT_TRACE: join(ctx.cwd, 'git-trace.log'),
      GIT_TRACE_PACKET: join(ctx.cwd, 'git-packet-trace.log'),
      CI: 'true',
      IMAGE_BUMP_DEBUG: '1',
    }),
  });
  try {
    expect(run.result.exitCode, run.result.stderr).toBe(scenario.expect(run.ctx, run.prepared).exitCode);
    await scan(expect, run, token);
  } finally {
    rmSync(run.ctx.cwd, { recursive: true, force: true });
  }
}

async function scan(expect: ExpectStatic, { ctx, result }: ScenarioRun, token: string): Promise<void> {
  for (const [where, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
    assertClean(expect, where, text, token);
    assertNoHints(expect, where, text, token);
  }
  for (const file of filesUnder(ctx.cwd)) assertClean(expect, file, readFileSync(file), token);
  // Git objects are compressed: read every one of them as git does.
  const workdir = join(ctx.cwd, 'work');
  if (existsSync(join(workdir, '.git'))) {
    const objects = await git(['cat-file', '--batch-all-objects', '--batch'], { cwd: workdir });
    assertClean(expect, 'the objects of the kept clone', objects, token);
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

describe('git processes', () => {
  it('never receive the token in their arguments', ({ expect }) => {
    const log = readFileSync(ARGV_LOG);
    const commands = log.toString('utf8').split('\n').filter(Boolean).map((record) => record.split('\0')[0]);
    // The shim saw the whole life of a bump, so the check covers real git processes.
    expect(commands).toEqual(expect.arrayContaining(['clone', 'checkout', 'commit', 'push', 'ls-remote']));
    expect(tokens.length).toBe(SCENARIOS.length);
    for (const token of tokens) assertClean(expect, 'the arguments of git', log, token);
  });
});
