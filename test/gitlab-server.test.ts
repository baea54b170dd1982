import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, cleanGitEnv, git } from './support/git.js';
import { startGitLabServer, type GitLabServer, type TokenSpec } from './support/gitlab-server.js';
import {
  branchTip,
  createGitOpsProject,
  overlayKustomization,
  readServerFile,
  serverLog,
} from './support/gitops-repo.js';

let server: GitLabServer;
let scratch: string;
let counter = 0;

beforeAll(async () => {
  server = await startGitLabServer();
  scratch = await mkdtemp(join(tmpdir(), 'gitlab-server-test-'));
});

afterAll(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A fresh GitOps project with a project access token (write_repository, maintainer unless overridden). */
async function fixture(token: Partial<TokenSpec> = {}) {
  const n = ++counter;
  const project = `group/gitops-${n}`;
  await createGitOpsProject(server, project);
  const value = `glpat-test-${n}`;
  server.addToken({ value, kind: 'project', scopes: ['write_repository'], projects: [project], role: 40, ...token });
  return { project, url: server.projectUrl(project), token: value };
}

interface RunOptions {
  token?: string;
  username?: string;
  cwd?: string;
  config?: string[];
  env?: Record<string, string | undefined>;
}

/**
 * Plain git CLI with the token as an extraHeader (test code only). GIT_ASKPASS=true as in the tool's own
 * environment: after a 401 git asks for credentials even though it sent the header, and only an
 * (empty) answer makes it retry once and report "Authentication failed".
 */
function run(args: string[], options: RunOptions = {}) {
  const config = options.token
    ? ['-c', `http.extraHeader=Authorization: ${basicAuth(options.token, options.username)}`]
    : [];
  for (const entry of options.config ?? []) config.push('-c', entry);
  return execa('git', [...config, ...args], {
    cwd: options.cwd,
    env: cleanGitEnv({ GIT_ASKPASS: 'true', ...options.env }),
    extendEnv: false,
    reject: false,
  });
}

/** The `remote:` lines of git's stderr, without the padding git appends when stderr is no terminal. */
function remoteLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('remote:'))
    .map((line) => line.slice('remote:'.length).replace(/^ /, '').trimEnd());
}

async function workdir(): Promise<string> {
  return mkdtemp(join(scratch, 'clone-'));
}

async function cloneWith(url: string, token: string): Promise<string> {
  const dir = await workdir();
  const result = await run(['clone', '--quiet', url, dir], { token });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return dir;
}

/** Changes the prod overlay's tag in a clone and commits. */
async function bumpProd(dir: string, tag: string): Promise<string> {
  await writeFile(join(dir, 'manifests/overlays/prod/kustomization.yaml'), overlayKustomization('prod', tag));
  await git(['commit', '--quiet', '-am', `Bump prod to ${tag}`], { cwd: dir });
  return git(['rev-parse', 'HEAD'], { cwd: dir });
}

describe('fixtures', () => {
  it('creates the same initial commit every time, and applies overrides', async () => {
    const a = await createGitOpsProject(server, 'fixtures/a');
    const b = await createGitOpsProject(server, 'fixtures/b');
    expect(a.sha).toBe(b.sha);
    const [initial] = await serverLog(server, 'fixtures/a', 'main');
    expect(initial).toMatchObject({
      sha: a.sha,
      parents: [],
      subject: 'Initial GitOps layout',
      authorName: 'GitOps Fixture',
    });
    expect(await readServerFile(server, 'fixtures/a', 'main', 'manifests/overlays/prod/kustomization.yaml')).toBe(
      overlayKustomization('prod'),
    );

    const qa = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n';
    const custom = await createGitOpsProject(server, 'fixtures/custom', {
      branch: 'production',
      overlays: { qa },
      files: { 'README.md': null, 'docs/notes.md': 'notes\n' },
    });
    const tree = await git(['ls-tree', '-r', '--name-only', 'production'], { cwd: custom.gitDir });
    expect(tree.split('\n')).toEqual([
      'docs/notes.md',
      'manifests/base/deployment.yaml',
      'manifests/base/kustomization.yaml',
      'manifests/overlays/dev/kustomization.yaml',
      'manifests/overlays/prod/kustomization.yaml',
      'manifests/overlays/qa/kustomization.yaml',
      'manifests/overlays/staging/kustomization.yaml',
    ]);
    expect(
      await readServerFile(server, 'fixtures/custom', 'production', 'manifests/overlays/qa/kustomization.yaml'),
    ).toBe(qa);
    expect(await branchTip(server, 'fixtures/custom', 'production')).toBe(custom.sha);
  });
});

describe('fetching', () => {
  it('clones with a read_repository token, sending the header at once', async () => {
    const { project, url } = await fixture();
    server.addToken({
      value: 'glpat-reader',
      kind: 'project',
      scopes: ['read_repository'],
      projects: [project],
      role: 20,
    });
    const dir = await cloneWith(url, 'glpat-reader');
    expect(await readFile(join(dir, 'manifests/overlays/prod/kustomization.yaml'), 'utf8')).toBe(
      await readServerFile(server, project, 'main', 'manifests/overlays/prod/kustomization.yaml'),
    );
    const requests = server.requests.filter((r) => r.project === project);
    expect(requests.map((r) => [r.method, r.service, r.status, r.tokenKind])).toEqual([
      ['GET', 'git-upload-pack', 200, 'project'],
      ['POST', 'git-upload-pack', 200, 'project'],
      ['POST', 'git-upload-pack', 200, 'project'],
    ]);
  });

  it('answers an unauthenticated first request with 401, then accepts credentials from the URL', async () => {
    const { project, url, token } = await fixture();
    const withCredentials = url.replace('http://', `http://oauth2:${token}@`);
    const result = await run(['clone', '--quiet', withCredentials, await workdir()]);
    expect(result.exitCode).toBe(0);
    const statuses = server.requests.filter((r) => r.project === project).map((r) => r.status);
    expect(statuses.slice(0, 2)).toEqual([401, 200]);
  });

  it('serves projects in nested groups, with or without .git in the URL', async () => {
    await createGitOpsProject(server, 'platform/team-a/gitops', { branch: 'production' });
    server.addToken({ value: 'glpat-nested', kind: 'personal', scopes: ['read_repository'] });
    for (const url of [server.projectUrl('platform/team-a/gitops'), `${server.url}/platform/team-a/gitops`]) {
      const result = await run(['ls-remote', '--symref', url, 'HEAD'], { token: 'glpat-nested' });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('ref: refs/heads/production\tHEAD');
    }
  });

  it('serves a shallow, blobless, sparse clone and its lazy blob fetches', async () => {
    const { url, token } = await fixture();
    const dir = await workdir();
    const clone = await run(['clone', '--quiet', '--depth', '1', '--filter=blob:none', '--sparse', url, dir], {
      token,
    });
    expect(clone.stderr).toBe('');
    expect(clone.exitCode).toBe(0);
    const sparse = await run(['sparse-checkout', 'set', 'manifests/overlays/prod'], { token, cwd: dir });
    expect(sparse.exitCode).toBe(0);
    expect(await readFile(join(dir, 'manifests/overlays/prod/kustomization.yaml'), 'utf8')).toBe(
      overlayKustomization('prod'),
    );
    expect((await git(['rev-parse', '--is-shallow-repository'], { cwd: dir })).trim()).toBe('true');
  });

  it('passes gzip-encoded request bodies to http-backend', async () => {
    const { project, url, token } = await fixture();
    const gitDir = server.repoPath(project);
    const main = await branchTip(server, project, 'main');
    // Many refs make the want list longer than 1 KiB, which git sends gzip-compressed.
    const refs = Array.from({ length: 40 }, (_, i) => `create refs/heads/feature/branch-${i} ${main}\n`).join('');
    await git(['update-ref', '--stdin'], { cwd: gitDir, input: refs });
    const dir = await workdir();
    const clone = await run(['clone', '--quiet', '--no-single-branch', '--depth', '1', url, dir], { token });
    expect(clone.exitCode).toBe(0);
    expect(server.requests.some((r) => r.project === project && r.requestEncoding === 'gzip')).toBe(true);
  });
});

describe('authentication and authorization', () => {
  it('rejects an unknown, revoked or expired token with 401 and GitLab text', async () => {
    const { project, url } = await fixture();
    server.addToken({
      value: 'glpat-revoked',
      kind: 'project',
      scopes: ['write_repository'],
      projects: [project],
      revoked: true,
    });
    server.addToken({
      value: 'glpat-expired',
      kind: 'project',
      scopes: ['write_repository'],
      projects: [project],
      expiresAt: '2020-01-01',
    });
    for (const token of ['glpat-unknown', 'glpat-revoked', 'glpat-expired']) {
      const result = await run(['clone', url, await workdir()], { token });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('remote: HTTP Basic: Access denied');
      expect(result.stderr).toContain('Authentication failed');
    }
    expect(server.requests.filter((r) => r.project === project).every((r) => r.status === 401)).toBe(true);
  });

  it('asks for credentials after a 401: prompt disabled, or an empty answer from GIT_ASKPASS', async () => {
    const { project, url } = await fixture();
    const prompt = await run(['ls-remote', url], { token: 'glpat-unknown', env: { GIT_ASKPASS: undefined } });
    expect(prompt.exitCode).not.toBe(0);
    expect(prompt.stderr).toContain('terminal prompts disabled');
    const askpass = await run(['ls-remote', url]);
    expect(askpass.stderr).toContain('Authentication failed');
    expect(server.requests.filter((r) => r.project === project).map((r) => r.status)).toEqual([401, 401, 401]);
  });

  it('answers 404 for a project the token cannot see, or that does not exist', async () => {
    const { url } = await fixture();
    const other = await fixture();
    const notFound = "The project you were looking for could not be found or you don't have permission to view it.";
    const wrong = await run(['ls-remote', url], { token: other.token });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toContain(`remote: ${notFound}`);
    expect(wrong.stderr).toContain(`fatal: repository '${url}/' not found`);
    const missing = await run(['ls-remote', `${server.url}/group/nothing-here.git`], { token: other.token });
    expect(missing.stderr).toContain(`remote: ${notFound}`);
  });

  it('lets a job token fetch but not push', async () => {
    const { project, url, token } = await fixture();
    server.addToken({ value: 'job-token-1', kind: 'job', scopes: [], projects: [project] });
    const dir = await workdir();
    const clone = await run(['clone', '--quiet', url, dir], { token: 'job-token-1', username: 'gitlab-ci-token' });
    expect(clone.exitCode).toBe(0);
    // A job token is recognised with its own username only.
    const wrongUser = await run(['ls-remote', url], { token: 'job-token-1' });
    expect(wrongUser.stderr).toContain('HTTP Basic: Access denied');

    await bumpProd(dir, 'v1.1.0');
    const push = await run(['push', 'origin', 'main'], { token: 'job-token-1', username: 'gitlab-ci-token', cwd: dir });
    expect(push.exitCode).not.toBe(0);
    expect(push.stderr).toContain('remote: You are not allowed to push code to this project.');
    expect(push.stderr).toContain('returned error: 403');
    // The project token can.
    const allowed = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(allowed.exitCode).toBe(0);
  });

  it("lets a job token push to its own project only when the project allows it, as the pipeline's user (Developer+)", async () => {
    const { project, url, token } = await fixture();
    server.addToken({ value: 'job-own-dev', kind: 'job', scopes: [], pipelineProject: project });
    server.addToken({ value: 'job-own-reporter', kind: 'job', scopes: [], pipelineProject: project, role: 20 });
    const dir = await cloneWith(url, token);
    await bumpProd(dir, 'v1.1.0');
    const asJob = (value: string) =>
      run(['push', 'origin', 'main'], { token: value, username: 'gitlab-ci-token', cwd: dir });

    const disabled = await asJob('job-own-dev');
    expect(disabled.stderr).toContain('remote: You are not allowed to push code to this project.');
    server.configureJobToken(project, { pushAllowed: true });
    expect((await asJob('job-own-reporter')).stderr).toContain(
      'remote: You are not allowed to push code to this project.',
    );
    expect(server.pushLog(project)).toEqual([]);
    const allowed = await asJob('job-own-dev');
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect(server.pushLog(project).map((push) => push.tokenKind)).toEqual(['job']);
  });

  it("lets a job token push to another project only with the target's allowlist entry and both push settings", async () => {
    const { project, url, token } = await fixture();
    const source = `${project}-app`;
    server.addToken({ value: 'job-cross', kind: 'job', scopes: [], pipelineProject: source });
    const asJob = (args: string[], cwd?: string) =>
      run(args, { token: 'job-cross', username: 'gitlab-ci-token', ...(cwd ? { cwd } : {}) });
    const last = (path: string) => path.slice(path.lastIndexOf('/') + 1);

    // Not allowlisted: GitLab refuses even the read, naming both projects by their last path segment.
    const unlisted = await asJob(['ls-remote', url]);
    expect(unlisted.stderr).toContain(
      `remote: Authentication by CI/CD job token not allowed from ${last(source)} to ${last(project)}.`,
    );
    expect(unlisted.stderr).toContain('returned error: 403');

    server.configureJobToken(project, { allowlist: { [source]: { push: true } } });
    const dir = await cloneWith(url, token);
    await bumpProd(dir, 'v1.1.0');
    expect((await asJob(['ls-remote', url])).exitCode).toBe(0);
    const refusals: string[] = [];
    for (const settings of [{ pushAllowed: true }, { crossProjectPushAllowed: true }]) {
      refusals.push((await asJob(['push', 'origin', 'main'], dir)).stderr);
      server.configureJobToken(project, settings);
    }
    for (const stderr of refusals)
      expect(stderr).toContain('remote: You are not allowed to push code to this project.');
    // A GitLab before 19.0 (or the flag off) knows own-project pushes only; before 17.2, none at all.
    server.configureJobToken(project, { support: 'own-project' });
    expect((await asJob(['push', 'origin', 'main'], dir)).stderr).toContain(
      'remote: You are not allowed to push code to this project.',
    );
    server.configureJobToken(project, { support: 'none' });
    expect((await asJob(['push', 'origin', 'main'], dir)).stderr).toContain(
      'remote: You are not allowed to upload code.',
    );
    expect(server.pushLog(project)).toEqual([]);

    server.configureJobToken(project, { support: 'allowlisted-projects' });
    const allowed = await asJob(['push', 'origin', 'main'], dir);
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect(server.pushLog(project).map((push) => push.tokenKind)).toEqual(['job']);
  });

  it('refuses pushes without write_repository or with a role below developer', async () => {
    const { project, url, token } = await fixture();
    server.addToken({ value: 'glpat-ro', kind: 'project', scopes: ['read_repository'], projects: [project] });
    server.addToken({
      value: 'glpat-reporter',
      kind: 'project',
      scopes: ['write_repository'],
      projects: [project],
      role: 20,
    });
    const dir = await cloneWith(url, token);
    await bumpProd(dir, 'v1.1.0');
    for (const pusher of ['glpat-ro', 'glpat-reporter']) {
      const push = await run(['push', 'origin', 'main'], { token: pusher, cwd: dir });
      expect(push.exitCode).not.toBe(0);
      expect(push.stderr).toContain('remote: You are not allowed to push code to this project.');
    }
    expect(server.pushLog(project)).toEqual([]);
  });
});

describe('pushing', () => {
  it('lands a push and logs it', async () => {
    const { project, url, token } = await fixture();
    const before = await branchTip(server, project, 'main');
    const dir = await cloneWith(url, token);
    const sha = await bumpProd(dir, 'v1.2.0');
    const push = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(push.exitCode).toBe(0);
    expect(await branchTip(server, project, 'main')).toBe(sha);
    expect(await readServerFile(server, project, 'main', 'manifests/overlays/prod/kustomization.yaml')).toContain(
      'newTag: v1.2.0',
    );
    const [latest] = await serverLog(server, project, 'main');
    expect(latest).toMatchObject({
      sha,
      parents: [before],
      subject: 'Bump prod to v1.2.0',
      authorName: 'GitOps Fixture',
    });
    expect(server.pushLog(project)).toEqual([
      { refs: [{ ref: 'refs/heads/main', old: before, new: sha }], options: [], tokenKind: 'project' },
    ]);
  });

  it('accepts a push larger than http.postBuffer (chunked request body)', async () => {
    const { project, url, token } = await fixture();
    const dir = await cloneWith(url, token);
    await writeFile(join(dir, 'blob.bin'), randomBytes(3 * 1024 * 1024));
    await git(['add', 'blob.bin'], { cwd: dir });
    await git(['commit', '--quiet', '-m', 'Large file'], { cwd: dir });
    const push = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(push.exitCode).toBe(0);
    expect((await serverLog(server, project, 'main'))[0]?.subject).toBe('Large file');
  });

  it('enforces protected branches in a pre-receive hook', async () => {
    const { project, url, token } = await fixture();
    server.addToken({
      value: 'glpat-dev',
      kind: 'project',
      scopes: ['write_repository'],
      projects: [project],
      role: 30,
    });
    server.protectBranch(project, 'main', { allowedRole: 40 });
    const before = await branchTip(server, project, 'main');
    const dir = await cloneWith(url, token);
    await bumpProd(dir, 'v1.3.0');

    const denied = await run(['push', 'origin', 'main'], { token: 'glpat-dev', cwd: dir });
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toContain(
      'remote: GitLab: You are not allowed to push code to protected branches on this project.',
    );
    expect(denied.stderr).toContain('! [remote rejected] main -> main (pre-receive hook declined)');
    expect(await branchTip(server, project, 'main')).toBe(before);

    const allowed = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(allowed.exitCode).toBe(0);

    await git(['reset', '--quiet', '--hard', 'HEAD~1'], { cwd: dir });
    await bumpProd(dir, 'v1.3.1');
    const forced = await run(['push', '--force', 'origin', 'main'], { token, cwd: dir });
    expect(forced.exitCode).not.toBe(0);
    expect(forced.stderr).toContain(
      'GitLab: You are not allowed to force push code to a protected branch on this project.',
    );
    expect(server.pushLog(project)).toHaveLength(1);
  });

  it('records push options and emulates merge request creation', async () => {
    const { project, url, token } = await fixture();
    const dir = await cloneWith(url, token);
    await git(['checkout', '--quiet', '-b', 'image-bump/prod-app1'], { cwd: dir });
    await bumpProd(dir, 'v2.0.0');
    const options = [
      'merge_request.create',
      'merge_request.target=main',
      'merge_request.title=Bump app1 to v2.0.0 in prod',
      'merge_request.description=Automated bump',
      'merge_request.label=image-bump',
      'merge_request.label=prod',
      'merge_request.remove_source_branch',
      'merge_request.merge_when_pipeline_succeeds',
    ];
    const pushArgs = ['push', ...options.flatMap((o) => ['-o', o]), 'origin', 'image-bump/prod-app1'];
    const first = await run(pushArgs, { token, cwd: dir });
    expect(first.exitCode).toBe(0);
    const link = `${server.url}/${project}/-/merge_requests/1`;
    expect(remoteLines(first.stderr)).toEqual(['', 'View merge request for image-bump/prod-app1:', `  ${link}`, '']);
    expect(server.mergeRequests(project)).toEqual([
      {
        iid: 1,
        sourceBranch: 'image-bump/prod-app1',
        targetBranch: 'main',
        title: 'Bump app1 to v2.0.0 in prod',
        description: 'Automated bump',
        labels: ['image-bump', 'prod'],
        draft: false,
        autoMerge: true,
        removeSourceBranch: true,
        state: 'opened',
        webUrl: link,
      },
    ]);
    expect(server.pushLog(project)[0]?.options).toEqual(options);

    // Updating the branch shows the existing merge request.
    await bumpProd(dir, 'v2.0.1');
    const second = await run(pushArgs, { token, cwd: dir });
    expect(remoteLines(second.stderr)).toContain(`  ${link}`);
    expect(server.mergeRequests(project)).toHaveLength(1);

    // Without options a new branch gets GitLab's "create" hint.
    await git(['checkout', '--quiet', '-b', 'other', 'origin/main'], { cwd: dir });
    await bumpProd(dir, 'v3.0.0');
    const plain = await run(['push', 'origin', 'other'], { token, cwd: dir });
    expect(remoteLines(plain.stderr)).toEqual([
      '',
      'To create a merge request for other, visit:',
      `  ${server.url}/${project}/-/merge_requests/new?merge_request%5Bsource_branch%5D=other`,
      '',
    ]);
    // Default title: the commit's subject for a single commit, else the branch name.
    await bumpProd(dir, 'v3.0.1');
    const created = await run(['push', '-o', 'merge_request.create', 'origin', 'other'], { token, cwd: dir });
    expect(remoteLines(created.stderr)).toContain(`  ${server.url}/${project}/-/merge_requests/2`);
    await git(['checkout', '--quiet', '-b', 'single', 'origin/main'], { cwd: dir });
    await bumpProd(dir, 'v3.1.0');
    await run(['push', '-o', 'merge_request.create', '-o', 'merge_request.draft', 'origin', 'single'], {
      token,
      cwd: dir,
    });
    expect(server.mergeRequests(project).slice(1)).toMatchObject([
      { iid: 2, sourceBranch: 'other', targetBranch: 'main', title: 'Other', labels: [], draft: false },
      { iid: 3, sourceBranch: 'single', title: 'Bump prod to v3.1.0', draft: true },
    ]);
  });
});

describe('faults', () => {
  it('advanceBeforeNextPush makes exactly one push fail, at the POST', async () => {
    const { project, url, token } = await fixture();
    const dir = await cloneWith(url, token);
    await bumpProd(dir, 'v4.0.0');
    server.setFault({
      kind: 'advanceBeforeNextPush',
      project,
      branch: 'main',
      files: { 'CHANGELOG.md': 'concurrent\n' },
    });
    const first = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(first.exitCode).not.toBe(0);
    expect(first.stderr).toContain('! [remote rejected] main -> main (failed to update ref)');
    expect((await serverLog(server, project, 'main'))[0]?.authorName).toBe('Concurrent Pusher');

    const retry = await run(['pull', '--quiet', '--rebase', 'origin', 'main'], { token, cwd: dir });
    expect(retry.exitCode).toBe(0);
    const second = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(second.exitCode).toBe(0);
    const log = await serverLog(server, project, 'main');
    expect(log.map((c) => c.subject).slice(0, 2)).toEqual(['Bump prod to v4.0.0', 'Concurrent change']);
  });

  it('advanceBeforeNextPush at the advertisement makes the client refuse (fetch first)', async () => {
    const { project, url, token } = await fixture();
    const dir = await cloneWith(url, token);
    await bumpProd(dir, 'v4.1.0');
    server.setFault({
      kind: 'advanceBeforeNextPush',
      project,
      branch: 'main',
      files: { 'CHANGELOG.md': 'concurrent\n' },
      at: 'advertisement',
    });
    const first = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(first.exitCode).not.toBe(0);
    expect(first.stderr).toContain('! [rejected]        main -> main (fetch first)');
    const again = await run(['push', 'origin', 'main'], { token, cwd: dir });
    expect(again.stderr).toContain('(fetch first)');
    expect(server.pushLog(project)).toEqual([]);
    expect((await serverLog(server, project, 'main')).filter((c) => c.subject === 'Concurrent change')).toHaveLength(1);
  });

  it('answers 500 while status500 is set, and only `times` times when given', async () => {
    const { url, token } = await fixture();
    server.setFault({ kind: 'status500' });
    const failed = await run(['ls-remote', url], { token });
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain('The requested URL returned error: 500');
    server.setFault({ kind: 'status500', times: 1 });
    expect((await run(['ls-remote', url], { token })).exitCode).not.toBe(0);
    expect((await run(['ls-remote', url], { token })).exitCode).toBe(0);
  });

  it('redirects to another origin, keeping path and query, and records who sent credentials', async () => {
    const { project, url, token } = await fixture();
    server.setFault({ kind: 'redirect', to: 'http://127.0.0.1:9', service: 'git-upload-pack' });
    const answer = await fetch(`${url}/info/refs?service=git-upload-pack`, {
      redirect: 'manual',
      headers: { Authorization: basicAuth(token) },
    });
    const plain = await fetch(`${url}/info/refs?service=git-upload-pack`, { redirect: 'manual' });
    const push = await fetch(`${url}/info/refs?service=git-receive-pack`, { redirect: 'manual' });
    server.setFault(null);
    expect([answer.status, answer.headers.get('location')]).toEqual([
      302,
      `http://127.0.0.1:9/${project}.git/info/refs?service=git-upload-pack`,
    ]);
    expect(plain.status).toBe(302);
    expect(push.status, 'another service is not redirected').toBe(401);
    expect(server.requests.filter((r) => r.project === project).map((r) => r.credentials)).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('stalls until the client gives up', async () => {
    const { project, url, token } = await fixture();
    server.setFault({ kind: 'stall' });
    const started = Date.now();
    const result = await run(['ls-remote', url], {
      token,
      config: ['http.lowSpeedLimit=1000', 'http.lowSpeedTime=2'],
    });
    server.setFault(null);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/Operation too slow|timed out/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.requests.filter((r) => r.project === project).at(-1)?.status).toBe(0);
  });
});

describe('API', () => {
  const self = (headers: Record<string, string>) =>
    fetch(`${server.url}/api/v4/personal_access_tokens/self`, { headers });

  it('describes a token with an API scope', async () => {
    server.addToken({
      value: 'glpat-api',
      kind: 'personal',
      scopes: ['read_api', 'write_repository'],
      name: 'bump',
      expiresAt: '2999-12-31',
    });
    const response = await self({ 'PRIVATE-TOKEN': 'glpat-api' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: 'bump',
      scopes: ['read_api', 'write_repository'],
      active: true,
      expires_at: '2999-12-31',
    });
  });

  it('answers 403 insufficient_scope without an API scope', async () => {
    server.addToken({ value: 'glpat-git-only', kind: 'personal', scopes: ['write_repository'] });
    const response = await self({ 'PRIVATE-TOKEN': 'glpat-git-only' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('answers 401 for an unknown or revoked token', async () => {
    server.addToken({ value: 'glpat-api-revoked', kind: 'personal', scopes: ['api'], revoked: true });
    for (const token of ['glpat-nope', 'glpat-api-revoked']) {
      const response = await self({ 'PRIVATE-TOKEN': token });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: '401 Unauthorized' });
    }
  });
});
