import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitFiles } from './support/git.js';
import { branchTip, readServerFile, REGISTRY, serverLog } from './support/gitops-repo.js';
import { lastLine } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const PROD = 'manifests/overlays/prod/kustomization.yaml';
const server = useGitLabServer();
const push = (project: string, env: Record<string, string>, ...args: string[]) =>
  pushTo(server, project, env, '--target-env', 'prod', ...args);

describe('--mode merge-request', () => {
  it('pushes a bump branch named from the app and env with exactly GitLab’s merge-request push options', async () => {
    const { project, env } = await newProject(server, 'review');
    const tip = await branchTip(server, project, 'main');
    const result = await push(
      project,
      env,
      '--mode',
      'merge-request',
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
      '--mr-label',
      'release',
      '--mr-label',
      'prod',
      '--mr-draft',
      '--mr-auto-merge',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await branchTip(server, project, 'main')).toBe(tip);

    const [record] = server.pushLog(project);
    expect(record!.refs.map((ref) => ref.ref)).toEqual(['refs/heads/image-bump/prod/app1']);
    const subject = `[auto ci] Update ${REGISTRY}/app1 image to ${REGISTRY}/app1:v1.1.0`;
    expect(record!.options).toEqual([
      'merge_request.create',
      'merge_request.target=main',
      `merge_request.title=${subject}`,
      `merge_request.description=${subject}`,
      'merge_request.remove_source_branch',
      'merge_request.label=release',
      'merge_request.label=prod',
      'merge_request.draft',
      'merge_request.auto_merge',
    ]);
    const [mr] = server.mergeRequests(project);
    expect(mr).toMatchObject({
      sourceBranch: 'image-bump/prod/app1',
      targetBranch: 'main',
      title: subject,
      labels: ['release', 'prod'],
      draft: true,
      autoMerge: true,
    });
    expect(lastLine(result.stdout)).toBe(
      `proposed ${REGISTRY}/app1 in manifests/overlays/prod: ${REGISTRY}/app1:v1.0.0 -> ${REGISTRY}/app1:v1.1.0 (commit ${record!.refs[0]!.new.slice(0, 7)} on image-bump/prod/app1, merge request into main: ${mr!.webUrl})`,
    );
    const [bump] = await serverLog(server, project, 'image-bump/prod/app1');
    expect(bump!.parents).toEqual([tip]);
  });

  it('lists every change in a single-line description, selects the pre-17.11 auto-merge option, and hashes several names', async () => {
    const { project, env } = await newProject(server, 'review');
    const result = await push(
      project,
      env,
      '--mode',
      'merge-request',
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
      '--image',
      `${REGISTRY}/app2:v2.0.0`,
      '--mr-auto-merge',
      '--mr-auto-merge-option',
      'merge_when_pipeline_succeeds',
      '--skip-ci',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const [record] = server.pushLog(project);
    const branch = record!.refs[0]!.ref.replace('refs/heads/', '');
    expect(branch).toMatch(/^image-bump\/prod\/[0-9a-f]{8}$/);
    expect(record!.options[0]).toBe('ci.skip');
    expect(record!.options).toContain(
      `merge_request.description=- ${REGISTRY}/app1 in manifests/overlays/prod: ${REGISTRY}/app1:v1.0.0 -> ${REGISTRY}/app1:v1.1.0 - ${REGISTRY}/app2 in manifests/overlays/prod: ${REGISTRY}/app2:v1.0.0 -> ${REGISTRY}/app2:v2.0.0`,
    );
    expect(record!.options).toContain('merge_request.merge_when_pipeline_succeeds');
    expect(record!.options.every((option) => !/[\r\n]/.test(option))).toBe(true);
    // the same names in another order give the same branch
    const again = await push(
      project,
      env,
      '--mode',
      'merge-request',
      '--image',
      `${REGISTRY}/app2:v2.0.0`,
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
    );
    expect(again.exitCode).toBe(0);
    expect(lastLine(again.stdout)).toContain(`merge request branch ${branch} already proposes`);
  });

  it('is idempotent: the same change again pushes nothing and opens no second merge request', async () => {
    const { project, env } = await newProject(server, 'review');
    const args = ['--mode', 'merge-request', '--image', `${REGISTRY}/app2:v1.2.0`];
    expect((await push(project, env, ...args)).exitCode).toBe(0);
    const bumpTip = await branchTip(server, project, 'image-bump/prod/app2');
    const again = await push(project, env, ...args);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(lastLine(again.stdout)).toMatch(
      /^nothing to change: merge request branch image-bump\/prod\/app2 already proposes /,
    );
    expect(await branchTip(server, project, 'image-bump/prod/app2')).toBe(bumpTip);
    expect(server.pushLog(project)).toHaveLength(1);
    expect(server.mergeRequests(project)).toHaveLength(1);
  });

  it('the same bump again: the text, --json and the report all say nothing was pushed, and name no commit', async () => {
    const { project, env } = await newProject(server, 'review');
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-report-'));
    const args = ['--mode', 'merge-request', '--image', `${REGISTRY}/app2:v1.2.0`];
    const change = {
      name: `${REGISTRY}/app2`,
      file: PROD,
      previousImage: `${REGISTRY}/app2:v1.0.0`,
      newImage: `${REGISTRY}/app2:v1.2.0`,
    };

    const first = await push(project, env, ...args, '--json', '--report', join(dir, 'first.env'));
    expect(first.exitCode, first.stderr).toBe(0);
    const bumpTip = await branchTip(server, project, 'image-bump/prod/app2');
    const [mr] = server.mergeRequests(project);
    expect(JSON.parse(lastLine(first.stdout)).outcome).toEqual({
      kind: 'proposed',
      changed: true,
      mode: 'merge-request',
      branch: 'main',
      commit: bumpTip,
      attempts: 1,
      changes: [change],
      mergeRequest: { branch: 'image-bump/prod/app2', url: mr!.webUrl },
      skippedDowngrades: [],
    });
    expect(await readFile(join(dir, 'first.env'), 'utf8')).toMatch(
      new RegExp(`^BUMP_CHANGED=true\nBUMP_OUTCOME=proposed\nBUMP_COMMIT_SHA=${bumpTip}\n`),
    );

    const text = await push(project, env, ...args, '--report', join(dir, 'text.env'));
    const json = await push(project, env, ...args, '--json', '--report', join(dir, 'json.env'));
    expect([text.exitCode, json.exitCode]).toEqual([0, 0]);
    expect(lastLine(text.stdout)).toBe(
      `nothing to change: merge request branch image-bump/prod/app2 already proposes ${REGISTRY}/app2 in manifests/overlays/prod: ${REGISTRY}/app2:v1.0.0 -> ${REGISTRY}/app2:v1.2.0 for main`,
    );
    expect(JSON.parse(lastLine(json.stdout))).toEqual({
      ok: true,
      exitCode: 0,
      error: null,
      hint: null,
      outcome: {
        kind: 'already-proposed',
        changed: false,
        mode: 'merge-request',
        branch: 'main',
        commit: null,
        attempts: 1,
        changes: [change],
        mergeRequest: { branch: 'image-bump/prod/app2', url: null },
        skippedDowngrades: [],
      },
    });
    const report = [
      'BUMP_CHANGED=false',
      'BUMP_OUTCOME=already-proposed',
      'BUMP_COMMIT_SHA=',
      'BUMP_BRANCH=main',
      `BUMP_PREVIOUS_IMAGE=${REGISTRY}/app2:v1.0.0`,
      `BUMP_NEW_IMAGE=${REGISTRY}/app2:v1.2.0`,
      'BUMP_MERGE_REQUEST_BRANCH=image-bump/prod/app2',
      'BUMP_MERGE_REQUEST_URL=',
      '',
    ].join('\n');
    expect(await readFile(join(dir, 'text.env'), 'utf8')).toBe(report);
    expect(await readFile(join(dir, 'json.env'), 'utf8')).toBe(report);
    // The commit each later run made in its clone was never pushed, and no output names it.
    expect(server.pushLog(project)).toHaveLength(1);
    expect(await branchTip(server, project, 'image-bump/prod/app2')).toBe(bumpTip);
    const shas = [text, json].flatMap((run) => `${run.stdout}${run.stderr}`.match(/\b[0-9a-f]{7,40}\b/g) ?? []);
    expect(shas).toEqual([]);
  });

  it('rewrites the bump branch on the current target for a newer release: one MR, one up-to-date change', async () => {
    const { project, env } = await newProject(server, 'review');
    expect((await push(project, env, '--mode', 'merge-request', '--image', `${REGISTRY}/app2:v1.2.0`)).exitCode).toBe(
      0,
    );
    await server.advanceBranch(project, 'main', { 'notes.txt': 'someone else\n' });
    const mainTip = await branchTip(server, project, 'main');
    const newer = await push(project, env, '--mode', 'merge-request', '--image', `${REGISTRY}/app2:v1.3.0`);
    expect(newer.exitCode, newer.stderr).toBe(0);
    const log = await serverLog(server, project, 'image-bump/prod/app2');
    expect(log[0]!.parents).toEqual([mainTip]);
    expect(log[0]!.subject).toBe(`[auto ci] Update ${REGISTRY}/app2 image to ${REGISTRY}/app2:v1.3.0`);
    expect(await readServerFile(server, project, 'image-bump/prod/app2', PROD)).toContain('newTag: v1.3.0');
    expect(server.mergeRequests(project)).toHaveLength(1);
    expect(await branchTip(server, project, 'main')).toBe(mainTip);
  });

  it('uses --mr-branch as the bump branch template', async () => {
    const { project, env } = await newProject(server, 'review');
    const result = await push(
      project,
      env,
      '--mode',
      'merge-request',
      '--mr-branch',
      'deploy/{env}-{app}',
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(server.pushLog(project)[0]!.refs[0]!.ref).toBe('refs/heads/deploy/prod-app1');
  });
});

describe('--fallback merge-request', () => {
  it('opens a merge request when the branch is protected, and says so', async () => {
    const { project, env } = await newProject(server, 'review');
    server.protectBranch(project, 'main', { allowedRole: 40 });
    const tip = await branchTip(server, project, 'main');
    const result = await push(project, env, '--fallback', 'merge-request', '--image', `${REGISTRY}/app1:v1.1.0`);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'warning: main is protected and the token may not push to it: opening a merge request instead (--fallback merge-request)',
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
    expect(server.mergeRequests(project)).toHaveLength(1);
    expect(lastLine(result.stdout)).toMatch(/^proposed .* on image-bump\/prod\/app1, merge request into main: http/);
  });

  it('without the fallback, a protected branch is an error with a fix', async () => {
    const { project, env } = await newProject(server, 'review');
    server.protectBranch(project, 'main', { allowedRole: 40 });
    const result = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: main is a protected branch of team\/review-\d+/);
    expect(result.stderr).toContain('merge-request');
  });
});

describe('--skip-ci', () => {
  it('sends ci.skip with a direct push, and nothing without it', async () => {
    const { project, env } = await newProject(server, 'review');
    expect((await push(project, env, '--skip-ci', '--image', `${REGISTRY}/app1:v1.1.0`)).exitCode).toBe(0);
    expect((await push(project, env, '--image', `${REGISTRY}/app1:v1.2.0`)).exitCode).toBe(0);
    expect(server.pushLog(project).map((record) => record.options)).toEqual([['ci.skip'], []]);
  });
});

describe('the bump branch: only our own is ever rewritten', () => {
  const BUMP_BRANCH = 'image-bump/prod/app1';
  const mr = (project: string, env: Record<string, string>, tag: string, ...args: string[]) =>
    push(project, env, '--mode', 'merge-request', '--image', `${REGISTRY}/app1:${tag}`, ...args);

  it('updates our own bump branch from an earlier run after the target moved on by several commits', async () => {
    const { project, env } = await newProject(server, 'own');
    expect((await mr(project, env, 'v1.1.0')).exitCode).toBe(0);
    for (const n of [1, 2, 3]) await server.advanceBranch(project, 'main', { [`notes-${n}.txt`]: `${n}\n` });
    const mainTip = await branchTip(server, project, 'main');
    const result = await mr(project, env, 'v1.2.0');
    expect(result.exitCode, result.stderr).toBe(0);
    const [bump] = await serverLog(server, project, BUMP_BRANCH);
    expect(bump!.parents).toEqual([mainTip]);
    expect(bump!.body).toBe('Image-Bump-Target: main');
    expect(await readServerFile(server, project, BUMP_BRANCH, PROD)).toContain('newTag: v1.2.0');
    expect(server.pushLog(project)).toHaveLength(2);
    expect(server.mergeRequests(project)).toHaveLength(1);
    // the trailer stays out of the merge request's description
    expect(server.pushLog(project)[1]!.options.filter((option) => option.includes('Image-Bump-Target'))).toEqual([]);
  });

  it('leaves our bump branch alone once someone else pushed a commit onto it: exit 1, tip unchanged', async () => {
    const { project, env } = await newProject(server, 'own');
    expect((await mr(project, env, 'v1.1.0')).exitCode).toBe(0);
    const reviewed = await server.advanceBranch(
      project,
      BUMP_BRANCH,
      { 'review-fix.txt': 'by hand\n' },
      'Fix from review',
    );
    const result = await mr(project, env, 'v1.2.0');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: merge-request branch ${BUMP_BRANCH} already exists and is not a bump branch of main: its tip ${reviewed.slice(0, 12)} was not written by gitops-image-bump for main`,
      ),
    );
    expect(result.stderr).toMatch(/\nhint: Nothing was pushed\. .*Choose another --mr-branch/);
    expect(await branchTip(server, project, BUMP_BRANCH)).toBe(reviewed);
    expect(server.pushLog(project)).toHaveLength(1);
  });

  it('refuses a bump branch of ours that was made for another target branch', async () => {
    const { project, env } = await newProject(server, 'own');
    await commitFiles(server.repoPath(project), 'release', { 'release.txt': 'r\n' }, 'Release branch', {
      parent: await branchTip(server, project, 'main'),
    });
    expect((await mr(project, env, 'v1.1.0', '--branch', 'main')).exitCode).toBe(0);
    const tip = await branchTip(server, project, BUMP_BRANCH);
    const result = await mr(project, env, 'v1.2.0', '--branch', 'release');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `error: merge-request branch ${BUMP_BRANCH} already exists and is not a bump branch of release: its tip ${tip.slice(0, 12)} was not written by gitops-image-bump for release (no "Image-Bump-Target: release" trailer)`,
    );
    expect(await branchTip(server, project, BUMP_BRANCH)).toBe(tip);
  });

  it('exits 2 for --mr-branch (or IMAGE_BUMP_MR_BRANCH) naming the given target, without a request to the server', async () => {
    const { project, env } = await newProject(server, 'own');
    const before = server.requests.length;
    const flag = await mr(project, env, 'v1.1.0', '--branch', 'main', '--mr-branch', 'main');
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toBe(
      'error: --mr-branch makes the bump branch main, the branch the merge request is for\nhint: The bump branch must be a branch of its own, proposed INTO main: use a name like image-bump/{env}/{app} (the default), or leave --mr-branch out.\n',
    );
    const variable = await pushTo(
      server,
      project,
      { ...env, IMAGE_BUMP_MR_BRANCH: 'main' },
      '--target-env',
      'prod',
      '--branch',
      'main',
      '--fallback',
      'merge-request',
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
    );
    expect(variable.exitCode).toBe(2);
    expect(variable.stderr).toMatch(
      /^error: IMAGE_BUMP_MR_BRANCH makes the bump branch main, the branch the merge request is for\n/,
    );
    expect(server.requests.length).toBe(before);
  });

  it('exits 2 when --mr-branch names the default branch the run targets, and pushes nothing', async () => {
    const { project, env } = await newProject(server, 'own');
    const tip = await branchTip(server, project, 'main');
    const result = await mr(project, env, 'v1.1.0', '--mr-branch', 'main');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /^error: --mr-branch makes the bump branch main, the branch the merge request is for\n/,
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
    expect(server.pushLog(project)).toEqual([]);
  });

  it.each(['post', 'advertisement'] as const)(
    'does not overwrite a bump branch that moved between our read and our push (moved before the %s)',
    async (at) => {
      const { project, env } = await newProject(server, 'own');
      expect((await mr(project, env, 'v1.1.0')).exitCode).toBe(0);
      server.setFault({
        kind: 'advanceBeforeNextPush',
        project,
        branch: BUMP_BRANCH,
        files: { 'theirs.txt': 'raced in\n' },
        message: 'Raced in',
        at,
      });
      const result = await mr(project, env, 'v1.2.0');
      server.setFault(null);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^(.*\\n)?error: merge-request branch ${BUMP_BRANCH} already exists and is not a bump branch of main: its tip [0-9a-f]{12} was not written`,
        ),
      );
      const [tip] = await serverLog(server, project, BUMP_BRANCH);
      expect(tip!.subject).toBe('Raced in');
      expect(server.pushLog(project)).toHaveLength(1);
    },
  );
});
