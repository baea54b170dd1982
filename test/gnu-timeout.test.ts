import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { branchTip, REGISTRY } from './support/gitops-repo.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function dir(prefix: string): string {
  const path = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(path);
  return path;
}

/** A PATH with git (and whatever `timeout` is given) and nothing else. */
function pathWith(timeout?: (bin: string) => void): string {
  const bin = dir('image-bump-path-');
  symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(bin, 'git'));
  timeout?.(bin);
  return bin;
}

const HINT =
  /\nhint: Install GNU coreutils: on Alpine `apk add coreutils`, .*git runs under its `timeout`, which bounds each git step and stops git's whole process tree\.\n$/;

describe('git runs under GNU coreutils timeout', () => {
  async function bumpWith(path: string) {
    const { project, env } = await newProject(server, 'gnu-timeout');
    const tipBefore = await branchTip(server, project, 'main');
    const tmp = dir('image-bump-timeout-tmp-');
    const requestsBefore = server.requests.length;
    const result = await pushTo(
      server,
      project,
      { ...env, PATH: path, TMPDIR: tmp },
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
    );
    const gitRequests = server.requests
      .slice(requestsBefore)
      .filter((request) => request.project === project && request.service);
    return { result, tmp, gitRequests, tipAfter: await branchTip(server, project, 'main'), tipBefore };
  }

  it('without `timeout` on PATH: exit 1 with an install hint before any git runs, no clone left', async () => {
    const { result, tmp, gitRequests, tipAfter, tipBefore } = await bumpWith(pathWith());
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^error: no `timeout` command on PATH: git is run under GNU coreutils `timeout`/);
    expect(result.stderr).toMatch(HINT);
    expect(gitRequests).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(tipAfter).toBe(tipBefore);
  });

  it("refuses BusyBox's timeout (it cannot stop git's process tree)", async () => {
    const path = pathWith((bin) => {
      writeFileSync(join(bin, 'busybox'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      symlinkSync('busybox', join(bin, 'timeout'));
    });
    const { result, gitRequests, tipAfter, tipBefore } = await bumpWith(path);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /^error: \S+\/timeout is BusyBox's timeout, which cannot stop git's whole process tree/,
    );
    expect(result.stderr).toMatch(HINT);
    expect(gitRequests).toEqual([]);
    expect(tipAfter).toBe(tipBefore);
  });
});
