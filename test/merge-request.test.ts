import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip, readServerFile, REGISTRY, serverLog } from './support/gitops-repo.js';
import { lastLine } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const PROD = 'manifests/overlays/prod/kustomization.yaml';
const server = useGitLabServer();
const push = (project: string, env: Record<string, string>, ...args: string[]) => pushTo(server, project, env, '--target-env', 'prod', ...args);

describe('--mode merge-request', () => {
  it('pushes a bump branch named from the app and env with exactly GitLab’s merge-request push options', async () => {
    const { project, env } = await newProject(server, 'review');
    const tip = await branchTip(server, project, 'main');
    const result = await push(project, env, '--mode', 'merge-request', '--image', `${REGISTRY}/app1:v1.1.0`, '--mr-label', 'release', '--mr-label', 'prod', '--mr-draft', '--mr-auto-merge');
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
    expect(mr).toMatchObject({ sourceBranch: 'image-bump/prod/app1', targetBranch: 'main', title: subject, labels: ['release', 'prod'], draft: true, autoMerge: true });
    expect(lastLine(result.stdout)).toBe(
      `proposed ${REGISTRY}/app1 in manifests/overlays/prod: ${REGISTRY}/app1:v1.0.0 -> ${REGISTRY}/app1:v1.1.0 (commit ${record!.refs[0]!.new.slice(0, 7)} on image-bump/prod/app1, merge request into main: ${mr!.webUrl})`,
    );
    const [bump] = await serverLog(server, project, 'image-bump/prod/app1');
    expect(bump!.parents).toEqual([tip]);
  });

  it('lists every change in a single-line description, selects the pre-17.11 auto-merge option, and hashes several names', async () => {
    const { project, env } = await newProject(server, 'review');
    const result = await push(project, env, '--mode', 'merge-request', '--image', `${REGISTRY}/app1:v1.1.0`, '--image', `${REGISTRY}/app2:v2.0.0`, '--mr-auto-merge', '--mr-auto-merge-option', 'merge_when_pipeline_succeeds', '--skip-ci');
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
    const again = await push(project, env, '--mode', 'merge-request', '--image', `${REGISTRY}/app2:v2.0.0`, '--image', `${REGISTRY}/app1:v1.1.0`);
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
    expect(lastLine(again.stdout)).toMatch(/^nothing to change: merge request branch image-bump\/prod\/app2 already proposes /);
    expect(await branchTip(server, project, 'image-bump/prod/app2')).toBe(bumpTip);
    expect(server.pushLog(project)).toHaveLength(1);
    expect(server.mergeRequests(project)).toHaveLength(1);
  });

  it('the same bump again: the text, --json and the report all say nothing was pushed, and name no commit', async () => {
    const { project, env } = await newProject(server, 'review');
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-report-'));
    const args = ['--mode', 'merge-request', '--image', `${REGISTRY}/app2:v1.2.0`];
    const change = { name: `${REGISTRY}/app2`, file: PROD, previousImage: `${REGISTRY}/app2:v1.0.0`, newImage: `${REGISTRY}/app2:v1.2.0` };

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
    expect(await readFile(join(dir, 'first.env'), 'utf8')).toMatch(new RegExp(`^BUMP_CHANGED=true\nBUMP_OUTCOME=proposed\nBUMP_COMMIT_SHA=${bumpTip}\n`));

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
    expect((await push(project, env, '--mode', 'merge-request', '--image', `${REGISTRY}/app2:v1.2.0`)).exitCode).toBe(0);
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
    const result = await push(project, env, '--mode', 'merge-request', '--mr-branch', 'deploy/{env}-{app}', '--image', `${REGISTRY}/app1:v1.1.0`);
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
    expect(result.stderr).toContain('warning: main is protected and the token may not push to it: opening a merge request instead (--fallback merge-request)');
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
