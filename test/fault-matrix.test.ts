import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { TROUBLES, troubleFor } from '../src/troubleshooting.js';
import { SCENARIOS, runScenario, type Scenario, type ScenarioRun, type Servers } from './support/fault-scenarios.js';
import { startGitLabServer } from './support/gitlab-server.js';
import { lastLine } from './support/run-cli.js';

/** Troubles that need a setup of their own, and the test that meets them. */
const COVERED_ELSEWHERE: Record<string, string> = {
  'branch-missing': 'test/cli-push.test.ts',
  'retries-exhausted': 'test/push-concurrency.test.ts',
  'git-failed': 'test/troubleshooting.test.ts (the fallback for output nothing else explains)',
  'no-gnu-timeout':
    'test/gnu-timeout.test.ts (a PATH of its own: the leak run puts its git shim and the host PATH first)',
  ...Object.fromEntries(
    [
      'no-command',
      'unknown-command',
      'command-not-first',
      'unknown-option',
      'option-of-other-command',
      'option-needs-value',
      'option-takes-no-value',
    ].map((id) => [id, 'test/cli-forgiving.test.ts (command lines refused before any server is named)']),
  ),
};

let servers: Servers;

beforeAll(async () => {
  const [main, quiet, faults] = await Promise.all([startGitLabServer(), startGitLabServer(), startGitLabServer()]);
  servers = { main, quiet, faults };
});
afterAll(async () => {
  await Promise.all(Object.values(servers ?? {}).map((server) => server.close()));
});

function line(stderr: string, prefix: 'error' | 'hint'): string | undefined {
  return stderr
    .split('\n')
    .find((text) => text.startsWith(`${prefix}: `))
    ?.slice(prefix.length + 2);
}

function matches(expect: ExpectStatic, actual: string | undefined, expected: string | RegExp, what: string): void {
  if (typeof expected === 'string') expect(actual, what).toBe(expected);
  else expect(actual, what).toMatch(expected);
}

async function verify(expect: ExpectStatic, scenario: Scenario, run: ScenarioRun): Promise<void> {
  const { ctx, result } = run;
  const expected = scenario.expect(ctx, run.prepared);
  expect(result.exitCode, result.stderr).toBe(expected.exitCode);
  const error = line(result.stderr, 'error');
  if (expected.exitCode === 0) {
    expect(error, result.stderr).toBeUndefined();
  } else {
    // The error is the first thing on stderr (no warning or trace before it), and it is one line.
    expect(result.stderr.startsWith('error: '), result.stderr).toBe(true);
    matches(expect, error, expected.error!, 'error line');
    matches(expect, line(result.stderr, 'hint'), expected.hint!, 'hint line');
    expect(troubleFor(error!)?.id, `troubleshooting entry for: ${error}`).toBe(expected.trouble);
  }
  if (expected.summary) expect(lastLine(result.stdout)).toMatch(expected.summary);

  expect(run.tipBefore, 'the project exists on the server').toMatch(/^[0-9a-f]{40}$/);
  if (expected.pushes) expect(run.tipAfter).not.toBe(run.tipBefore);
  else expect(run.tipAfter, 'the branch on the server is unchanged').toBe(run.tipBefore);

  if (scenario.server === 'quiet') {
    expect(run.requests, 'requests that reached the server').toBe(0);
    expect(servers.quiet.requests).toEqual([]);
  }
  for (const marker of ctx.markers) {
    for (const dir of [ctx.cwd, tmpdir(), process.cwd()])
      expect(existsSync(join(dir, marker)), `${marker} in ${dir}`).toBe(false);
  }
  if (scenario.timeoutMs) expect(run.durationMs).toBeLessThan(scenario.timeoutMs);
  await scenario.check?.(ctx, result);
}

function scenarioTests(scenarios: readonly Scenario[]): void {
  for (const scenario of scenarios) {
    it(scenario.name, async ({ expect }) => {
      const run = await runScenario(scenario, servers);
      try {
        await verify(expect, scenario, run);
      } finally {
        rmSync(run.ctx.cwd, { recursive: true, force: true });
      }
    });
  }
}

describe.concurrent('every failure names its cause and its fix, and leaves the branch alone', () => {
  scenarioTests(SCENARIOS.filter((s) => s.server !== 'faults'));
});

// One at a time: the faults server's injected failures are shared by its requests.
describe('server faults', () => {
  scenarioTests(SCENARIOS.filter((s) => s.server === 'faults'));
});

describe('the scenarios and the troubleshooting table', () => {
  it('meet every trouble the table lists', ({ expect }) => {
    const met = new Set(SCENARIOS.flatMap((scenario) => scenario.expect(CONTEXT_STUB, PREPARED_STUB).trouble ?? []));
    const missing = TROUBLES.map((trouble) => trouble.id).filter((id) => !met.has(id) && !(id in COVERED_ELSEWHERE));
    expect(missing).toEqual([]);
  });
});

const CONTEXT_STUB = {
  server: { url: 'http://127.0.0.1:1' },
  project: 'team/x',
  token: 'x',
  cwd: '.',
  markers: ['m', 'm', 'm', 'm'],
} as never;
const PREPARED_STUB = { args: [], serverUrl: 'http://127.0.0.1:1' } as never;
