/** Inputs end to end: a target named twice is one change, "*" keeps what the file has, refused input touches nothing. */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip, overlayKustomization, readServerFile, REGISTRY, serverLog } from './support/gitops-repo.js';
import { lastLine, runCli } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();
const APP1 = `${REGISTRY}/app1`;
const OVERLAY = 'manifests/overlays/prod';
const HEX64 = '24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3';

describe('push: the same overlay named twice', () => {
  it('is edited, committed and reported once', async () => {
    const { project, env } = await newProject(server, 'inputs');
    const report = join(await mkdtemp(join(tmpdir(), 'image-bump-inputs-')), 'bump.env');
    const result = await pushTo(
      server,
      project,
      env,
      '--target-env',
      'prod',
      '--path',
      OVERLAY,
      '--path',
      'manifests/overlays/./prod/',
      '--path',
      'manifests//overlays/prod',
      '--image',
      `${APP1}:v1.1.0`,
      '--report',
      report,
      '--json',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(lastLine(result.stdout)) as { outcome: { changes: unknown[] } };
    expect(summary.outcome.changes).toHaveLength(1);
    const dotenv = await readFile(report, 'utf8');
    expect(dotenv).toContain(`BUMP_PREVIOUS_IMAGE=${APP1}:v1.0.0\nBUMP_NEW_IMAGE=${APP1}:v1.1.0\n`);
    expect(dotenv).not.toContain('BUMP_CHANGE_COUNT');
    const [commit] = await serverLog(server, project, 'main');
    expect(commit!.subject).toBe(`[auto ci] Update ${APP1} image to ${APP1}:v1.1.0`);
    expect(await readServerFile(server, project, 'main', `${OVERLAY}/kustomization.yaml`)).toBe(
      overlayKustomization('prod').replace(
        `newTag: v1.0.0\n  - name: ${REGISTRY}/app2`,
        `newTag: v1.1.0\n  - name: ${REGISTRY}/app2`,
      ),
    );
  });
});

describe('edit: one file reached through several options', () => {
  it('is edited and reported once, under the overlay directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'image-bump-inputs-'));
    await mkdir(join(root, 'o'));
    await writeFile(join(root, 'o/kustomization.yaml'), 'images:\n- name: app\n  newTag: v1\n');
    const result = await runCli(
      ['edit', '--dir', 'o', '--file', 'o/kustomization.yaml', '--file', 'o', '--file', './o/', '--image', 'app:v2'],
      { cwd: root },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(lastLine(result.stdout)).toBe('set app in o: app:v1 -> app:v2');
    expect(await readFile(join(root, 'o/kustomization.yaml'), 'utf8')).toBe('images:\n- name: app\n  newTag: v2\n');
  });
});

describe('push: refused input reaches no server', () => {
  it.each([
    [
      ['--image', `${APP1}=${APP1}:`],
      /^error: image argument ".*": the tag after ":" is empty\nhint: .*CI_COMMIT_TAG is empty/,
    ],
    [
      ['--image', `${APP1}:v1.1.0`, '--helm-values', '.git/HEAD'],
      /^error: --helm-values "\.git\/HEAD" goes through \.git/,
    ],
    [
      ['--image', `${APP1}:v1.1.0`, '--timeout', '2147484'],
      /^error: --timeout must be a whole number from 1 to 86400, not "2147484"\nhint: /,
    ],
  ])('%j', async (args, stderr) => {
    const { project, env } = await newProject(server, 'inputs');
    const tip = await branchTip(server, project, 'main');
    const before = server.requests.length;
    const result = await pushTo(server, project, env, '--target-env', 'prod', ...args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(stderr);
    expect(server.requests.length).toBe(before);
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });
});

describe('edit: the "*" forms keep what the kustomization has', () => {
  const KUSTOMIZATION = `images:
- name: app
  newName: mirror.example.com/team/app
  newTag: v1.0.0
  digest: sha256:${'0'.repeat(64)}
`;

  async function editOnce(arg: string): Promise<{ exitCode: number; stderr: string; text: string }> {
    const root = await mkdtemp(join(tmpdir(), 'image-bump-inputs-'));
    await mkdir(join(root, 'o'));
    await writeFile(join(root, 'o/kustomization.yaml'), KUSTOMIZATION);
    const result = await runCli(['edit', '--dir', 'o', '--image', arg], { cwd: root });
    return {
      exitCode: result.exitCode,
      stderr: result.stderr,
      text: await readFile(join(root, 'o/kustomization.yaml'), 'utf8'),
    };
  }

  it.each([
    ['app=*:v2', 'images:\n- name: app\n  newName: mirror.example.com/team/app\n  newTag: v2\n'],
    [
      'app=registry.example.com/team/app:*',
      'images:\n- name: app\n  newName: registry.example.com/team/app\n  newTag: v1.0.0\n',
    ],
    [
      `app=*@sha256:${HEX64}`,
      `images:\n- name: app\n  newName: mirror.example.com/team/app\n  digest: sha256:${HEX64}\n`,
    ],
    ['app=*:*@*', KUSTOMIZATION],
    ['app:*', 'images:\n- name: app\n  newTag: v1.0.0\n'],
  ])('%s', async (arg, expected) => {
    const { exitCode, stderr, text } = await editOnce(arg);
    expect(exitCode, stderr).toBe(0);
    expect(text).toBe(expected);
  });

  it.each(['app=', 'app=*:', 'app=:v2', `app=@sha256:${HEX64}`])(
    'refuses %j and leaves the file alone',
    async (arg) => {
      const { exitCode, stderr, text } = await editOnce(arg);
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/^error: image argument .*\nhint: \S/);
      expect(text).toBe(KUSTOMIZATION);
    },
  );
});
