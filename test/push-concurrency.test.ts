import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { branchTip, overlayKustomization, readServerFile, REGISTRY, serverLog } from './support/gitops-repo.js';
import { git } from './support/git.js';
import { lastLine } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';
import { RetryBackoff } from '../src/push/retry-backoff.js';

const PROD = 'manifests/overlays/prod/kustomization.yaml';
const server = useGitLabServer();
const push = (project: string, env: Record<string, string>, ...args: string[]) => pushTo(server, project, env, ...args);

function tagOf(text: string, name: string): string | undefined {
  const images = (parse(text) as { images?: { name: string; newTag?: string }[] }).images ?? [];
  return images.find((entry) => entry.name === name)?.newTag;
}

describe('concurrent writers', () => {
  it('lands every one of 8 simultaneous bumps of different apps, with a linear history and few attempts', async () => {
    const { project, env } = await newProject(server, 'race');
    const initial = await branchTip(server, project, 'main');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        push(project, env, '--target-env', 'prod', '--image', `${REGISTRY}/svc${i}:v1.0.${i}`, '--json'),
      ),
    );
    expect(
      results.map((r) => r.exitCode),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual(Array(8).fill(0));
    // All 8 read the same tip and 7 lose the first round. Retrying at once, they would take about 4.5
    // push attempts each on average (half of those left lose each round); the retry wait spreads them
    // over the branch so that most land on their second or third attempt.
    const attempts = results.map(
      (r) => (JSON.parse(lastLine(r.stdout)) as { outcome: { attempts: number } }).outcome.attempts,
    );
    expect(
      attempts.reduce((sum, n) => sum + n, 0) / attempts.length,
      `attempts: ${attempts.join(' ')}`,
    ).toBeLessThanOrEqual(3);
    const file = await readServerFile(server, project, 'main', PROD);
    for (let i = 0; i < 8; i++) expect(tagOf(file, `${REGISTRY}/svc${i}`)).toBe(`v1.0.${i}`);
    const log = await serverLog(server, project, 'main');
    expect(log).toHaveLength(9);
    expect(log.every((commit) => commit.parents.length <= 1)).toBe(true);
    expect(log.at(-1)!.sha).toBe(initial);
  });

  it('ends at the highest version when 4 pipelines bump the same app, never lowering it', async () => {
    const { project, env } = await newProject(server, 'race');
    const versions = ['v1.1.0', 'v1.3.0', 'v1.2.0', 'v1.4.0'];
    const results = await Promise.all(
      versions.map((v) => push(project, env, '--target-env', 'prod', '--image', `${REGISTRY}/app1:${v}`)),
    );
    expect(results.every((r) => r.exitCode === 0 || /refusing to downgrade/.test(r.stderr))).toBe(true);
    expect(tagOf(await readServerFile(server, project, 'main', PROD), `${REGISTRY}/app1`)).toBe('v1.4.0');
    const log = await serverLog(server, project, 'main');
    const tags: string[] = [];
    for (const commit of [...log].reverse()) {
      tags.push(
        tagOf(
          await git(['cat-file', 'blob', `${commit.sha}:${PROD}`], { cwd: server.repoPath(project), raw: true }),
          `${REGISTRY}/app1`,
        )!,
      );
    }
    expect([...tags].sort()).toEqual(tags);
  });

  it('fetches, re-applies and pushes again when the branch moves under it (deterministic)', async () => {
    const { project, env } = await newProject(server, 'race');
    server.setFault({
      kind: 'advanceBeforeNextPush',
      project,
      branch: 'main',
      files: { 'manifests/overlays/dev/kustomization.yaml': overlayKustomization('dev', 'v9.9.9') },
    });
    const result = await push(project, env, '--target-env', 'prod', '--image', `${REGISTRY}/app1:v1.5.0`);
    server.setFault(null);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('main moved on the server (attempt 1)');
    expect(lastLine(result.stdout)).toMatch(/, after 2 attempts\)$/);
    const [bump, concurrent] = await serverLog(server, project, 'main');
    expect(bump!.parents).toEqual([concurrent!.sha]);
    expect(concurrent!.subject).toBe('Concurrent change');
    expect(tagOf(await readServerFile(server, project, 'main', PROD), `${REGISTRY}/app1`)).toBe('v1.5.0');
    expect(
      tagOf(
        await readServerFile(server, project, 'main', 'manifests/overlays/dev/kustomization.yaml'),
        `${REGISTRY}/app1`,
      ),
    ).toBe('v9.9.9');
  });

  it('finishes with exit 0 and no commit when the other writer already set the same image', async () => {
    const { project, env } = await newProject(server, 'race');
    server.setFault({
      kind: 'advanceBeforeNextPush',
      project,
      branch: 'main',
      files: { [PROD]: overlayKustomization('prod').replace(/v1\.0\.0/, 'v1.6.0') },
    });
    const result = await push(project, env, '--target-env', 'prod', '--image', `${REGISTRY}/app1:v1.6.0`);
    server.setFault(null);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(lastLine(result.stdout)).toBe(
      `nothing to change: ${REGISTRY}/app1 in manifests/overlays/prod is already ${REGISTRY}/app1:v1.6.0`,
    );
    expect((await serverLog(server, project, 'main'))[0]!.subject).toBe('Concurrent change');
  });

  it('gives up after --max-attempts, naming the attempts and the last rejection', async () => {
    const { project, env } = await newProject(server, 'race');
    server.setFault({ kind: 'advanceBeforeNextPush', project, branch: 'main', files: { 'x.txt': 'moved\n' } });
    const result = await push(
      project,
      env,
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v1.7.0`,
      '--max-attempts',
      '1',
    );
    server.setFault(null);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: gave up after 1 push attempts: main kept moving \(last rejection: .*(failed to update ref|fetch first|non-fast-forward).*\)/,
    );
  });
});

describe('the wait before a retry', () => {
  it('opens at 4 attempts’ time, doubles after each loss, grows 6× on a crowded branch, and is capped', () => {
    const longest = new RetryBackoff(() => 1);
    expect(longest.nextWaitMs(100)).toBe(400);
    longest.observeCrowded(false);
    expect(longest.nextWaitMs(100)).toBe(800);
    longest.observeCrowded(true);
    expect(longest.nextWaitMs(100)).toBe(1600); // 8 × 6, but 16 attempts at most
    longest.observeCrowded(false);
    expect(longest.nextWaitMs(100)).toBe(1600);
    expect(longest.nextWaitMs(2500)).toBe(30_000); // and 30 s
    // Drawn evenly below the ceiling (full jitter); an attempt counts as 50 ms at least.
    expect(new RetryBackoff(() => 0.25).nextWaitMs(1000)).toBe(1000);
    expect(new RetryBackoff(() => 0).nextWaitMs(1000)).toBe(0);
    expect(new RetryBackoff(() => 1).nextWaitMs(5)).toBe(200);
  });
});

describe('downgrade guard', () => {
  it('refuses a lower semver tag and pushes nothing', async () => {
    const { project, env } = await newProject(server, 'race');
    const tip = await branchTip(server, project, 'main');
    const result = await push(project, env, '--target-env', 'prod', '--image', `${REGISTRY}/app1:v0.9.0`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `error: refusing to downgrade ${REGISTRY}/app1 v1.0.0 -> v0.9.0 in ${PROD}\n` +
        'hint: A newer version is already there (an older pipeline finishing late?). For an intended rollback pass --on-downgrade allow; --on-downgrade skip leaves the files as they are and succeeds.\n',
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });

  it('skip exits 0 with a warning and changes nothing; allow rolls back', async () => {
    const { project, env } = await newProject(server, 'race');
    const tip = await branchTip(server, project, 'main');
    const skipped = await push(
      project,
      env,
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v0.9.0`,
      '--on-downgrade',
      'skip',
    );
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stderr).toContain(
      `warning: not downgrading ${REGISTRY}/app1 v1.0.0 -> v0.9.0 in ${PROD} (--on-downgrade skip)`,
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
    const allowed = await push(
      project,
      env,
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v0.9.0`,
      '--on-downgrade',
      'allow',
    );
    expect(allowed.exitCode).toBe(0);
    expect(tagOf(await readServerFile(server, project, 'main', PROD), `${REGISTRY}/app1`)).toBe('v0.9.0');
  });

  it('does not compare digests or non-semver tags', async () => {
    const { project, env } = await newProject(server, 'race');
    const result = await push(project, env, '--target-env', 'prod', '--image', `${REGISTRY}/app1:latest`);
    expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe('atomic multi-image, multi-overlay bumps', () => {
  it('puts several images in several overlays into ONE commit with one body line per change', async () => {
    const { project, env } = await newProject(server, 'race');
    const result = await push(
      project,
      env,
      '--target-env',
      'dev,staging',
      '--image',
      `${REGISTRY}/app1:v2.0.0`,
      '--image',
      `${REGISTRY}/app2:v3.0.0`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const log = await serverLog(server, project, 'main');
    expect(log).toHaveLength(2);
    expect(log[0]!.subject).toBe(
      `[auto ci] Update ${REGISTRY}/app1, ${REGISTRY}/app2 image to ${REGISTRY}/app1:v2.0.0, ${REGISTRY}/app2:v3.0.0`,
    );
    expect(log[0]!.body).toBe(
      [
        `- ${REGISTRY}/app1 in manifests/overlays/dev: ${REGISTRY}/app1:v1.0.0 -> ${REGISTRY}/app1:v2.0.0`,
        `- ${REGISTRY}/app2 in manifests/overlays/dev: ${REGISTRY}/app2:v1.0.0 -> ${REGISTRY}/app2:v3.0.0`,
        `- ${REGISTRY}/app1 in manifests/overlays/staging: ${REGISTRY}/app1:v1.0.0 -> ${REGISTRY}/app1:v2.0.0`,
        `- ${REGISTRY}/app2 in manifests/overlays/staging: ${REGISTRY}/app2:v1.0.0 -> ${REGISTRY}/app2:v3.0.0`,
      ].join('\n'),
    );
    for (const env of ['dev', 'staging']) {
      const file = await readServerFile(server, project, 'main', `manifests/overlays/${env}/kustomization.yaml`);
      expect([tagOf(file, `${REGISTRY}/app1`), tagOf(file, `${REGISTRY}/app2`)]).toEqual(['v2.0.0', 'v3.0.0']);
    }
  });

  it('pushes nothing when one argument among valid ones is invalid', async () => {
    const { project, env } = await newProject(server, 'race');
    const tip = await branchTip(server, project, 'main');
    const result = await push(
      project,
      env,
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v2.0.0`,
      '--image',
      `${REGISTRY}/app2:v 2`,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: image argument ".*app2:v 2": tag "v 2" is not valid/);
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });

  it('pushes nothing when one overlay is missing, and lists the ones that exist', async () => {
    const { project, env } = await newProject(server, 'race');
    const tip = await branchTip(server, project, 'main');
    const result = await push(project, env, '--target-env', 'dev,production', '--image', `${REGISTRY}/app1:v2.0.0`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'error: directory manifests/overlays/production does not exist\nhint: Existing directories in manifests/overlays: dev, prod, staging.',
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });

  it('pushes nothing when one image would be a downgrade', async () => {
    const { project, env } = await newProject(server, 'race');
    const tip = await branchTip(server, project, 'main');
    const result = await push(
      project,
      env,
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v2.0.0`,
      '--image',
      `${REGISTRY}/app2:v0.1.0`,
    );
    expect(result.exitCode).toBe(1);
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });
});

describe('merge-request bumps beside direct bumps', () => {
  it('never rewind the target: every update of main continues the one before, and each bump branch sits on main', async () => {
    const { project, env } = await newProject(server, 'mixed');
    const initial = await branchTip(server, project, 'main');
    const direct = (i: number) =>
      push(project, env, '--target-env', 'prod', '--image', `${REGISTRY}/svc${i}:v1.0.${i}`);
    const proposed = (i: number) =>
      push(project, env, '--target-env', 'prod', '--mode', 'merge-request', '--image', `${REGISTRY}/mr${i}:v2.0.${i}`);
    const results = await Promise.all([direct(0), proposed(0), direct(1), proposed(1), direct(2)]);
    expect(
      results.map((r) => r.exitCode),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual([0, 0, 0, 0, 0]);

    const mainUpdates = server
      .pushLog(project)
      .flatMap((record) => record.refs.filter((ref) => ref.ref === 'refs/heads/main'));
    expect(mainUpdates).toHaveLength(3);
    mainUpdates.forEach((update, i) => expect(update.old).toBe(i === 0 ? initial : mainUpdates[i - 1]!.new));
    const mainHistory = new Set((await serverLog(server, project, 'main')).map((commit) => commit.sha));
    for (const i of [0, 1]) {
      const [bump] = await serverLog(server, project, `image-bump/prod/mr${i}`);
      expect(mainHistory.has(bump!.parents[0]!)).toBe(true);
      expect(bump!.body).toBe('Image-Bump-Target: main');
    }
  });
});
