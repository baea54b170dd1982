import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from './support/gitlab-server.js';
import { branchTip, REGISTRY } from './support/gitops-repo.js';
import { baseEnv, CLI } from './support/run-cli.js';
import { newProject, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();
const EXIT_CODES = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129 } as const;
/** How long the server holds a push: a push that outlived the CLI would land after it. */
const PUSH_DELAY_MS = 1500;
const FAILED_REPORT = 'BUMP_CHANGED=false\nBUMP_OUTCOME=failed\n';

let scratch: string[] = [];
afterEach(() => {
  server.setFault(null);
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  scratch = [];
});

function dir(prefix: string): string {
  const path = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(path);
  return path;
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Processes still naming the project's URL in their arguments (git and git-remote-http do). */
function gitProcessesFor(project: string): string[] {
  const url = `${server.url}/${project}.git`;
  return execFileSync('ps', ['-eo', 'pid,pgid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(url));
}

/**
 * Starts a bump with its own TMPDIR and --report, waits until the server has received the request the
 * fault holds, sends the signal, and returns what the CLI left behind.
 */
async function interrupt(
  signal: keyof typeof EXIT_CODES,
  fault: Fault,
  waitFor: (path: string, method: string) => boolean,
  extra: string[] = [],
) {
  const { project, env } = await newProject(server, 'signal');
  const tipBefore = await branchTip(server, project, 'main');
  const tmp = dir('image-bump-signal-tmp-');
  const report = join(dir('image-bump-signal-report-'), 'bump.env');
  server.setFault(fault);
  const requestsBefore = server.requests.length;
  const run = execa(
    process.execPath,
    [
      CLI,
      'push',
      '--server-url',
      server.url,
      '--project',
      project,
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
      '--report',
      report,
      ...extra,
    ],
    {
      env: { ...baseEnv(), ...env, TMPDIR: tmp },
      extendEnv: false,
      reject: false,
      timeout: 30_000,
      stripFinalNewline: false,
    },
  );
  await until(
    () =>
      server.requests
        .slice(requestsBefore)
        .some((request) => request.project === project && waitFor(request.path, request.method)),
    'the held request',
  );
  // git is inside the request now: the clone exists (and, mid-push, the commit)
  if (!extra.includes('--keep-workdir'))
    expect(readdirSync(tmp).filter((name) => name.startsWith('image-bump-'))).toHaveLength(1);
  const sent = Date.now();
  run.kill(signal);
  const result = await run;
  return { project, tipBefore, tmp, report, result, exitMs: Date.now() - sent };
}

describe('signals', () => {
  it('SIGTERM mid-push: git stopped, clone removed, report written, exit 143, and the push never lands', async () => {
    const { project, tipBefore, tmp, report, result, exitMs } = await interrupt(
      'SIGTERM',
      { kind: 'delayPush', ms: PUSH_DELAY_MS },
      (path, method) => method === 'POST' && path.endsWith('/git-receive-pack'),
      ['--json'],
    );
    expect(result.exitCode, String(result.stderr)).toBe(143);
    expect(String(result.stderr)).toBe(
      'error: interrupted by SIGTERM: stopped git, nothing more is pushed\n' +
        'hint: The job was cancelled or ran out of time (GitLab then sends SIGTERM), or the process was stopped. A push that had already reached the server may have landed: check the branch before running again.\n',
    );
    expect(exitMs).toBeLessThan(3000);
    // the run ends once: one JSON object, the last line of stdout
    const jsonLines = String(result.stdout)
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(jsonLines).toHaveLength(1);
    expect(String(result.stdout).trimEnd().split('\n').at(-1)).toBe(jsonLines[0]);
    expect(JSON.parse(jsonLines[0]!)).toMatchObject({
      ok: false,
      exitCode: 143,
      error: 'interrupted by SIGTERM: stopped git, nothing more is pushed',
      outcome: null,
    });
    expect(readdirSync(tmp)).toEqual([]);
    expect(readFileSync(report, 'utf8')).toBe(FAILED_REPORT);
    expect(gitProcessesFor(project)).toEqual([]);
    // the server would have passed the push on after its delay, had any git still been sending it
    await sleep(PUSH_DELAY_MS + 500);
    expect(await branchTip(server, project, 'main')).toBe(tipBefore);
    expect(server.pushLog(project)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGHUP'] as const)(
    '%s mid-clone: exit code 128 + signal, no clone, no git left, BUMP_CHANGED=false',
    async (signal) => {
      const { project, tipBefore, tmp, report, result } = await interrupt(
        signal,
        { kind: 'stall', service: 'git-upload-pack' },
        (path) => path.endsWith('/info/refs'),
      );
      expect(result.exitCode, String(result.stderr)).toBe(EXIT_CODES[signal]);
      expect(String(result.stderr)).toMatch(
        new RegExp(`^error: interrupted by ${signal}: stopped git, nothing more is pushed\\nhint: `),
      );
      expect(readdirSync(tmp)).toEqual([]);
      expect(readFileSync(report, 'utf8')).toBe(FAILED_REPORT);
      expect(gitProcessesFor(project)).toEqual([]);
      expect(await branchTip(server, project, 'main')).toBe(tipBefore);
    },
  );

  // Mid-push, when the clone is complete (an unfinished clone is removed by git itself on the signal).
  it('keeps the clone on a signal with --keep-workdir', async () => {
    const keep = join(dir('image-bump-signal-keep-'), 'clone');
    const { result, tmp } = await interrupt(
      'SIGTERM',
      { kind: 'delayPush', ms: PUSH_DELAY_MS },
      (path, method) => method === 'POST' && path.endsWith('/git-receive-pack'),
      ['--keep-workdir', keep],
    );
    expect(result.exitCode).toBe(143);
    expect(readdirSync(keep)).toContain('.git');
    expect(readdirSync(tmp)).toEqual([]);
  });
});
