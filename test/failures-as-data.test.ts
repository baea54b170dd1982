import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip, REGISTRY } from './support/gitops-repo.js';
import { runCli, type CliResult } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();
const push = (project: string, env: Record<string, string>, ...args: string[]) =>
  pushTo(server, project, env, '--target-env', 'prod', ...args);
const scratch = () => mkdtemp(join(tmpdir(), 'image-bump-failures-'));

/** With --json the last line of stdout is the one JSON object of the run, and no other line is JSON. */
function jsonEnd(result: CliResult): unknown {
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines.slice(0, -1).filter((line) => line.startsWith('{'))).toEqual([]);
  return JSON.parse(lines.at(-1)!);
}

describe('--json ends every run with one JSON object', () => {
  it('after a usage error (exit 2), as the only line on stdout, also when IMAGE_BUMP_JSON asks for it', async () => {
    const unknown = await runCli(['push', '--json', '--bogus']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(
      /^error: unknown option --bogus\nhint: See `gitops-image-bump push --help` for its options\.\n$/,
    );
    expect(unknown.stdout.split('\n')).toHaveLength(2);
    expect(jsonEnd(unknown)).toEqual({
      ok: false,
      exitCode: 2,
      error: 'unknown option --bogus',
      hint: 'See `gitops-image-bump push --help` for its options.',
      outcome: null,
    });

    const noImage = await runCli(['push', '--target-env', 'prod'], { env: { IMAGE_BUMP_JSON: 'true' } });
    expect(noImage.exitCode).toBe(2);
    expect(jsonEnd(noImage)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: 'no image given',
      hint: expect.stringContaining('--image NAME=IMAGE'),
      outcome: null,
    });
  });

  it('after a failure past the clone (exit 1), with the error and hint; text output stays as it was', async () => {
    const { project, env } = await newProject(server, 'failures');
    const result = await push(project, env, '--image', `${REGISTRY}/app1:v0.9.0`, '--json');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: refusing to downgrade /);
    expect(result.stdout).toMatch(/^Clone team\/failures-\d+ /);
    expect(jsonEnd(result)).toEqual({
      ok: false,
      exitCode: 1,
      error: `refusing to downgrade ${REGISTRY}/app1 v1.0.0 -> v0.9.0 in manifests/overlays/prod/kustomization.yaml`,
      hint: expect.stringContaining('--on-downgrade allow'),
      outcome: null,
    });
  });

  it('for edit, with the outcome', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'kustomization.yaml'), 'images:\n- name: app\n  newTag: v1\n');
    const result = await runCli(['edit', '--image', 'app:v2', '--json'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(jsonEnd(result)).toEqual({
      ok: true,
      exitCode: 0,
      error: null,
      hint: null,
      outcome: {
        kind: 'edited',
        changed: true,
        mode: null,
        branch: null,
        commit: null,
        attempts: null,
        changes: [{ name: 'app', file: 'kustomization.yaml', previousImage: 'app:v1', newImage: 'app:v2' }],
        mergeRequest: null,
        skippedDowngrades: [],
      },
    });
  });

  it('never shows the token, not even in the error it echoes', async () => {
    const token = 'glpat-json-3c7e9a1f5b2d';
    const result = await runCli(
      ['push', '--json', '--target-env', 'prod', '--image', 'app:v2', '--server-url', server.url, '--project', token],
      { env: { GITLAB_PUSHER_TOKEN: token } },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stdout + result.stderr).not.toContain(token);
    expect(jsonEnd(result)).toMatchObject({ exitCode: 2, error: 'project "[MASKED]" is not a GitLab project path' });
  });
});

describe('--report is written on every exit of a push', () => {
  it('on usage errors: found after the settings are read, in settings that fail, in arguments that do not parse, and in IMAGE_BUMP_REPORT', async () => {
    const dir = await scratch();
    const failed = 'BUMP_CHANGED=false\nBUMP_OUTCOME=failed\n';
    const noToken = await runCli([
      'push',
      '--server-url',
      server.url,
      '--project',
      'team/none',
      '--target-env',
      'prod',
      '--image',
      'app:v2',
      '--report',
      join(dir, 'no-token.env'),
    ]);
    expect(noToken.stderr).toMatch(/^error: GITLAB_PUSHER_TOKEN is not set/);
    const invalid = await runCli([
      'push',
      '--target-env',
      'prod',
      '--image',
      'app:v2',
      '--report',
      join(dir, 'invalid.env'),
    ]);
    expect(invalid.stderr).toMatch(/^error: no GitLab server URL/);
    const unparsed = await runCli(['push', '--bogus', `--report=${join(dir, 'unparsed.env')}`]);
    const fromEnv = await runCli(['push', '--bogus'], { env: { IMAGE_BUMP_REPORT: join(dir, 'env.env') } });
    expect([noToken.exitCode, invalid.exitCode, unparsed.exitCode, fromEnv.exitCode]).toEqual([2, 2, 2, 2]);
    for (const file of ['no-token.env', 'invalid.env', 'unparsed.env', 'env.env'])
      expect(await readFile(join(dir, file), 'utf8')).toBe(failed);
  });

  it('refuses a report path it cannot write before cloning: exit 2 with a hint, nothing created, nothing pushed', async () => {
    const { project, env } = await newProject(server, 'failures');
    const dir = await scratch();
    await mkdir(join(dir, 'reports'));
    const tip = await branchTip(server, project, 'main');
    const before = server.requests.filter((request) => request.project === project).length;

    const missing = await push(
      project,
      env,
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
      '--report',
      join(dir, 'missing', 'bump.env'),
      '--json',
    );
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(
      `error: cannot write the report ${dir}/missing/bump.env: directory ${dir}/missing does not exist\n` +
        `hint: Create ${dir}/missing first (nothing creates it), or: Pass --report (IMAGE_BUMP_REPORT) a file in a directory the job can write to, e.g. image-bump.env in the working directory.\n`,
    );
    expect(jsonEnd(missing)).toMatchObject({ ok: false, exitCode: 2, outcome: null });
    expect(missing.stdout.split('\n')).toHaveLength(2);

    const directory = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`, '--report', join(dir, 'reports'));
    expect(directory.exitCode).toBe(2);
    expect(directory.stderr).toMatch(
      /^error: cannot write the report .*\/reports: it is a directory\nhint: Name a file, e.g. .*\/reports\/image-bump\.env\.\n$/,
    );

    expect(server.requests.filter((request) => request.project === project)).toHaveLength(before);
    expect(await branchTip(server, project, 'main')).toBe(tip);
    expect(await readdir(dir)).toEqual(['reports']);
    expect(await readdir(join(dir, 'reports'))).toEqual([]);
  });
});

describe('--images takes what --help promises, as IMAGE_BUMP_IMAGES does', () => {
  it.each([
    ['a JSON array', '["app=registry.example.com/app:v2", "api:v3"]'],
    ['a comma-separated list', 'app=registry.example.com/app:v2,api:v3'],
  ])('%s, from the flag and from the variable', async (_form, list) => {
    const expected =
      'images:\n- name: api\n  newTag: v3\n- name: app\n  newName: registry.example.com/app\n  newTag: v2\n';
    for (const run of [
      { args: ['--images', list], env: {} },
      { args: [], env: { IMAGE_BUMP_IMAGES: list } },
    ]) {
      const dir = await scratch();
      await writeFile(
        join(dir, 'kustomization.yaml'),
        'images:\n- name: api\n  newTag: v1\n- name: app\n  newTag: v1\n',
      );
      const result = await runCli(['edit', ...run.args], { cwd: dir, env: run.env });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(await readFile(join(dir, 'kustomization.yaml'), 'utf8')).toBe(expected);
    }
  });
});
