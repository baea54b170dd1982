/**
 * Fault scenarios for the limits a bump must keep: a merge-request branch that is not ours, a server
 * or API that keeps sending (without end, or a byte a second). Spread into SCENARIOS.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { commitFiles } from './git.js';
import { branchTip } from './gitops-repo.js';
import type { Expectation, Scenario, ScenarioContext } from './fault-scenarios.js';
import { BUMP, escape, writable } from './scenario-basics.js';

/** --timeout for the limit scenarios, and what a run may take beyond it (start-up, the clone's other steps). */
const TIMEOUT_S = 2;
const MARGIN_MS = 6000;

/** No process on the machine still talks to the project (git and git-remote-http name its URL in their arguments). */
function noGitLeftFor(ctx: ScenarioContext): void {
  const url = `${ctx.server.url}/${ctx.project}.git`;
  const processes = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(url));
  expect(processes, 'git processes left behind').toEqual([]);
}

const timeLimit = (ctx: ScenarioContext): Expectation => ({
  exitCode: 1,
  error: new RegExp(
    `^${escape(ctx.server.url)} sent too slowly or without end while cloning ${escape(`${ctx.server.url}/${ctx.project}.git`)}: stopped git after ${TIMEOUT_S} s, --timeout$`,
  ),
  hint: /^The server \(or a proxy in between\) sent too slowly or without end\. Retry the job; .*raise --timeout/,
  trouble: 'time-limit',
});

/** A branch `staging` of someone else's: main's tip plus a commit of theirs. */
async function foreignBranch(ctx: ScenarioContext, message = 'Staging tweaks'): Promise<string> {
  const main = await branchTip(ctx.server, ctx.project, 'main');
  return commitFiles(ctx.server.repoPath(ctx.project), 'staging', { 'staging-notes.txt': 'hand-made\n' }, message, {
    parent: main,
  });
}

export const LIMIT_SCENARIOS: Scenario[] = [
  // Merge-request branches: only our own is ever rewritten.
  {
    name: 'an --mr-branch that makes the target branch itself',
    server: 'quiet',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      return { ...prepared, args: [...BUMP, '--branch', 'main', '--mode', 'merge-request', '--mr-branch', 'main'] };
    },
    expect: () => ({
      exitCode: 2,
      error: '--mr-branch makes the bump branch main, the branch the merge request is for',
      hint: /^The bump branch must be a branch of its own, proposed INTO main: use a name like image-bump\/\{env\}\/\{app\}/,
      trouble: 'bump-branch-is-target',
    }),
  },
  {
    name: 'an --mr-branch that names an existing branch of someone else',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      await foreignBranch(ctx);
      return { ...prepared, args: [...BUMP, '--mode', 'merge-request', '--mr-branch', 'staging'], branch: 'staging' };
    },
    expect: () => ({
      exitCode: 1,
      error:
        /^merge-request branch staging already exists and is not a bump branch of main: its tip [0-9a-f]{12} was not written by gitops-image-bump for main \(no "Image-Bump-Target: main" trailer\)$/,
      hint: /^Nothing was pushed\. .*Choose another --mr-branch .*delete it in GitLab/,
      trouble: 'bump-branch-foreign',
    }),
  },
  {
    name: 'an --mr-branch whose tip carries our trailer but sits on another branch (a cherry-pick)',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await writable(ctx);
      const staging = await foreignBranch(ctx);
      await commitFiles(
        ctx.server.repoPath(ctx.project),
        'staging',
        { 'picked.txt': 'x\n' },
        'Update app1\n\nImage-Bump-Target: main',
        { parent: staging },
      );
      return { ...prepared, args: [...BUMP, '--mode', 'merge-request', '--mr-branch', 'staging'], branch: 'staging' };
    },
    expect: () => ({
      exitCode: 1,
      error:
        /^merge-request branch staging already exists and is not a bump branch of main: its tip [0-9a-f]{12} is not on top of a commit of main$/,
      hint: /^Nothing was pushed\./,
      trouble: 'bump-branch-foreign',
    }),
  },

  // Servers that keep sending: --timeout is wall time, and the whole git process group goes.
  {
    name: 'a server that sends info/refs without end, with --timeout 2',
    server: 'faults',
    timeoutMs: TIMEOUT_S * 1000 + MARGIN_MS,
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: [...BUMP, '--timeout', String(TIMEOUT_S)],
      fault: { kind: 'endless', service: 'git-upload-pack' },
    }),
    expect: timeLimit,
    check: noGitLeftFor,
  },
  {
    name: 'a server that trickles info/refs at two bytes a second, with --timeout 2',
    server: 'faults',
    timeoutMs: TIMEOUT_S * 1000 + MARGIN_MS,
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: [...BUMP, '--timeout', String(TIMEOUT_S)],
      fault: { kind: 'trickle', service: 'git-upload-pack' },
    }),
    expect: timeLimit,
    check: noGitLeftFor,
  },
  {
    name: "a server that trickles the push's ref advertisement, with --timeout 2",
    server: 'faults',
    timeoutMs: TIMEOUT_S * 1000 + MARGIN_MS,
    setup: async (ctx) => ({
      ...(await writable(ctx)),
      args: [...BUMP, '--timeout', String(TIMEOUT_S)],
      fault: { kind: 'trickle', service: 'git-receive-pack' },
    }),
    expect: (ctx) => ({
      ...timeLimit(ctx),
      error: new RegExp(
        `^${escape(ctx.server.url)} sent too slowly or without end while pushing main to ${escape(`${ctx.server.url}/${ctx.project}.git`)}: stopped git after ${TIMEOUT_S} s, --timeout$`,
      ),
    }),
    check: noGitLeftFor,
  },
  {
    name: 'an API that answers the expiry lookup without end',
    server: 'faults',
    timeoutMs: 8000,
    setup: async (ctx) => ({ ...(await writable(ctx)), fault: { kind: 'endless', service: 'api' } }),
    expect: () => ({ exitCode: 0, pushes: true, summary: /^bumped / }),
  },
  {
    name: 'an API that trickles the expiry lookup at two bytes a second',
    server: 'faults',
    timeoutMs: 8000,
    setup: async (ctx) => ({ ...(await writable(ctx)), fault: { kind: 'trickle', service: 'api' } }),
    expect: () => ({ exitCode: 0, pushes: true, summary: /^bumped / }),
  },
];
