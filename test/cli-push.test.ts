import { readFile, readdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip, overlayKustomization, readServerFile, REGISTRY, serverLog } from './support/gitops-repo.js';
import { git } from './support/git.js';
import { lastLine, runCli } from './support/run-cli.js';
import { newProject as newTestProject, useGitLabServer } from './support/test-server.js';

const JOB_TOKEN = 'job-token-77c2e1d94b0a5f36';
const OVERLAY = 'manifests/overlays/prod/kustomization.yaml';

const server = useGitLabServer();
const newProject = () => newTestProject(server, 'gitops');

function pushArgs(project: string, ...extra: string[]) {
  return ['push', '--server-url', server.url, '--project', project, '--target-env', 'prod', ...extra];
}

describe('push', () => {
  it('bumps one overlay with a one-line diff, the hand-written job’s message and the bot author', async () => {
    const { project, token } = await newProject();
    const before = await branchTip(server, project, 'main');
    const result = await runCli(pushArgs(project, '--image', `${REGISTRY}/app2=${REGISTRY}/app2:v1.2.3`), {
      env: { GITLAB_PUSHER_TOKEN: token },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);

    const expected = overlayKustomization('prod').replace(
      `  - name: ${REGISTRY}/app2\n    newTag: v1.0.0\n`,
      `  - name: ${REGISTRY}/app2\n    newName: ${REGISTRY}/app2\n    newTag: v1.2.3\n`,
    );
    expect(await readServerFile(server, project, 'main', OVERLAY)).toBe(expected);
    const [commit] = await serverLog(server, project, 'main');
    expect(commit!.parents).toEqual([before]);
    expect(commit!.subject).toBe(`[auto ci] Update ${REGISTRY}/app2 image to ${REGISTRY}/app2:v1.2.3`);
    expect(commit!.authorName).toBe('gitops-image-bump');
    expect(commit!.authorEmail).toBe('gitops-image-bump@noreply.127.0.0.1');
    expect(lastLine(result.stdout)).toBe(
      `bumped ${REGISTRY}/app2 in manifests/overlays/prod: ${REGISTRY}/app2:v1.0.0 -> ${REGISTRY}/app2:v1.2.3 (commit ${commit!.sha.slice(0, 7)} on main)`,
    );
  });

  it('reads APP_NAME, APP_IMAGE and TARGET_ENV like the hand-written job, and a repeat is a no-op', async () => {
    const { project, token } = await newProject();
    const env = {
      GITLAB_PUSHER_TOKEN: token,
      APP_NAME: `${REGISTRY}/app1`,
      APP_IMAGE: `${REGISTRY}/app1:v2.0.0`,
      TARGET_ENV: 'prod',
      CI_SERVER_URL: server.url,
      CI_PROJECT_PATH: project,
    };
    const first = await runCli(['push'], { env });
    expect(first.exitCode).toBe(0);
    const tip = await branchTip(server, project, 'main');
    const [commit] = await serverLog(server, project, 'main');
    expect(commit!.subject).toBe(`[auto ci] Update ${REGISTRY}/app1 image to ${REGISTRY}/app1:v2.0.0`);

    const second = await runCli(['push'], { env });
    expect(second.exitCode).toBe(0);
    expect(await branchTip(server, project, 'main')).toBe(tip);
    expect(lastLine(second.stdout)).toBe(
      `nothing to change: ${REGISTRY}/app1 in manifests/overlays/prod is already ${REGISTRY}/app1:v2.0.0`,
    );
  });

  it('clones only what one bump needs: depth 1, no blobs outside the overlay and its usual base', async () => {
    const { project, token } = await newProject();
    const workdir = join(mkdtempSync(join(tmpdir(), 'image-bump-keep-')), 'clone');
    const result = await runCli(pushArgs(project, '--image', `${REGISTRY}/app1:v1.1.0`, '--keep-workdir', workdir), {
      env: { GITLAB_PUSHER_TOKEN: token },
    });
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(workdir, '.git', 'shallow'), 'utf8')).not.toBe('');
    expect((await readdir(join(workdir, 'manifests'))).sort()).toEqual(['base', 'overlays']);
    expect(await readdir(join(workdir, 'manifests', 'overlays'))).toEqual(['prod']);
    // The base's files come in the checkout's one fetch (the unmatched-image check reads them); blobs of
    // the other overlays were never fetched, and the index does not list their files.
    const missing = await git(['rev-list', '--objects', '--missing=print', 'HEAD'], { cwd: workdir });
    expect(missing).toMatch(/^\?[0-9a-f]{40}$/m);
    const present = await git(
      ['ls-tree', '-r', '--name-only', 'HEAD', '--', 'manifests/overlays/dev', 'manifests/overlays/staging'],
      { cwd: workdir },
    );
    for (const path of present.split('\n').filter(Boolean)) {
      const blob = (await git(['rev-parse', `HEAD:${path}`], { cwd: workdir })).trim();
      expect(missing, path).toContain(`?${blob}`);
    }
    const index = await git(['ls-files', '--sparse'], { cwd: workdir });
    expect(index.split('\n')).toEqual(
      expect.arrayContaining(['manifests/base/kustomization.yaml', 'manifests/overlays/dev/', OVERLAY]),
    );
    expect(index).not.toContain('manifests/overlays/dev/kustomization.yaml');
    expect(await git(['status', '--porcelain'], { cwd: workdir })).toBe('');
    const config = await readFile(join(workdir, '.git', 'config'), 'utf8');
    expect(config).not.toContain(token);
    expect(config).not.toContain(Buffer.from(`oauth2:${token}`).toString('base64'));
    expect(config).not.toMatch(/extraheader|Authorization/i);
  });

  it('runs where the shell exports an editor, a pager or a password prompt (npm run and npx export EDITOR)', async () => {
    const { project, token } = await newProject();
    const programs = {
      EDITOR: 'vi',
      VISUAL: 'vi',
      PAGER: 'less',
      SSH_ASKPASS: '/usr/bin/false',
      PREFIX: '/usr/local',
      GIT_EXEC_PATH: '/nowhere',
      GIT_PAGER: 'less',
    };
    const result = await runCli(pushArgs(project, '--image', `${REGISTRY}/app1:v1.1.0`), {
      env: { GITLAB_PUSHER_TOKEN: token, ...programs },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(await readServerFile(server, project, 'main', OVERLAY)).toBe(
      overlayKustomization('prod').replace('newTag: v1.0.0', 'newTag: v1.1.0'),
    );
  });

  it('never shows the token, even when git fails', async () => {
    const { project, token } = await newProject();
    const result = await runCli(
      [...pushArgs(project, '--image', `${REGISTRY}/app1:v1.1.0`), '--branch', 'no-such-branch'],
      { env: { GITLAB_PUSHER_TOKEN: token, GIT_TRACE: '1', GIT_CURL_VERBOSE: '1', GIT_TRACE_CURL: '1' } },
    );
    expect(result.exitCode).toBe(1);
    const everything = result.stdout + result.stderr;
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(Buffer.from(`oauth2:${token}`).toString('base64'));
    expect(result.stderr).toContain('error: branch no-such-branch does not exist in');
  });

  it('exits 1 and says the token was rejected when it is unknown', async () => {
    const { project } = await newProject();
    const tip = await branchTip(server, project, 'main');
    const result = await runCli(pushArgs(project, '--image', `${REGISTRY}/app1:v1.1.0`), {
      env: { GITLAB_PUSHER_TOKEN: 'not-a-known-token-1234' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: GitLab rejected the token in GITLAB_PUSHER_TOKEN \(HTTP 401\): it is invalid, expired or revoked\nhint: Rotate it: /,
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });

  it('exits 1 with a Project Access Token hint when a job token tries to push', async () => {
    const { project } = await newProject();
    server.addToken({ value: JOB_TOKEN + project, kind: 'job', scopes: [], projects: [project] });
    const tip = await branchTip(server, project, 'main');
    const result = await runCli(pushArgs(project, '--image', `${REGISTRY}/app1:v1.1.0`), {
      env: { GITLAB_PUSHER_TOKEN: JOB_TOKEN + project },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: the token in GITLAB_PUSHER_TOKEN is a CI job token, and a job token cannot push here\n/,
    );
    expect(result.stderr).toMatch(
      /hint: A CI job token pushes only as a job token .*Project Access Token on the GitOps project .*write_repository/,
    );
    expect(result.stderr).toContain('Allow Git push requests to the repository');
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });

  it('prints the diff and pushes nothing with --dry-run', async () => {
    const { project, token } = await newProject();
    const tip = await branchTip(server, project, 'main');
    const result = await runCli(pushArgs(project, '--image', `${REGISTRY}/app1:v1.1.0`, '--dry-run'), {
      env: { GITLAB_PUSHER_TOKEN: token },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`-    newTag: v1.0.0\n+    newTag: v1.1.0\n`);
    expect(lastLine(result.stdout)).toBe(
      `dry run: would bump ${REGISTRY}/app1 in manifests/overlays/prod: ${REGISTRY}/app1:v1.0.0 -> ${REGISTRY}/app1:v1.1.0 on main; nothing pushed`,
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });

  it('reads a base of many manifests for the unmatched-image check in one request, not one per file', async () => {
    // A base where the checkout does not look for one (../base, ../../base), so that it is fetched.
    const uploadPackRequests = async (baseFiles: number) => {
      const apps = Array.from({ length: baseFiles }, (_, index) => `svc${String(index).padStart(2, '0')}`);
      const files: Record<string, string | null> = {
        'manifests/base/deployment.yaml': null,
        'manifests/base/kustomization.yaml': null,
        [OVERLAY]: overlayKustomization('prod').replace('../../base', '../../../platform/workloads'),
        'platform/workloads/kustomization.yaml': `resources:\n${apps.map((app) => `  - ${app}.yaml\n`).join('')}`,
      };
      for (const app of apps)
        files[`platform/workloads/${app}.yaml`] =
          `kind: Deployment\nmetadata:\n  name: ${app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${app}\n          image: ${REGISTRY}/${app}:v1.0.0\n`;
      const { project, token } = await newTestProject(server, 'gitops', { files });
      const before = server.requests.length;
      const result = await runCli(pushArgs(project, '--image', `${REGISTRY}/app1:v1.1.0`), {
        env: { GITLAB_PUSHER_TOKEN: token },
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toContain(`(found: ${apps.map((app) => `${REGISTRY}/${app}`).join(', ')})`);
      return server.requests
        .slice(before)
        .filter(
          (request) =>
            request.project === project && request.method === 'POST' && request.service === 'git-upload-pack',
        ).length;
    };
    const many = await uploadPackRequests(12);
    expect(many).toBe(await uploadPackRequests(1));
    // The clone's ls-refs and fetch, the checkout's blobs, and the base's manifests.
    expect(many).toBe(4);
  });

  it('still sets an image whose name matches nothing in the overlay’s resources, but warns with the names that exist', async () => {
    const { project, token } = await newProject();
    const result = await runCli(pushArgs(project, '--image', 'app1=registry.example.com/team/app1:v2.0.0'), {
      env: { GITLAB_PUSHER_TOKEN: token },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^warning: manifests\/overlays\/prod: .*"app1".*registry\.example\.com\/team\/app1, registry\.example\.com\/team\/app2/,
    );
    expect(await readServerFile(server, project, 'main', OVERLAY)).toContain(
      '  - name: app1\n    newName: registry.example.com/team/app1\n    newTag: v2.0.0\n',
    );
  });
});
