import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY, serverLog } from './support/gitops-repo.js';
import { lastLine } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();
const push = (project: string, env: Record<string, string>, ...args: string[]) =>
  pushTo(server, project, env, '--target-env', 'prod', ...args);

function isoDate(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);
}

describe('log output', () => {
  it('wraps clone, edit, commit and push in collapsible GitLab sections when CI is set, with the diff inside', async () => {
    const { project, env } = await newProject(server, 'report');
    const result = await push(project, { ...env, CI: 'true', NO_COLOR: '1' }, '--image', `${REGISTRY}/app1:v1.1.0`);
    expect(result.exitCode, result.stderr).toBe(0);
    const sections = [
      ...result.stdout.matchAll(/\x1b\[0Ksection_start:(\d+):([a-z]+)\[collapsed=true\]\r\x1b\[0K(.*)\n/g),
    ].map((m) => [m[2], m[3]!.replace(/\(\d+\.\d s\)/, '(N s)')]);
    expect(sections).toEqual([
      ['clone', `Clone ${project} (N s)`],
      ['edit', 'Edit (N s)'],
      ['commit', 'Commit (N s)'],
      ['push', 'Push to main (N s)'],
    ]);
    expect([...result.stdout.matchAll(/\x1b\[0Ksection_end:\d+:([a-z]+)\r\x1b\[0K\n/g)].map((m) => m[1])).toEqual([
      'clone',
      'edit',
      'commit',
      'push',
    ]);
    const edit = result.stdout.slice(result.stdout.indexOf(':edit['), result.stdout.indexOf(':edit\r'));
    expect(edit).toContain('-    newTag: v1.0.0\n+    newTag: v1.1.0');
    expect(result.stdout).not.toMatch(/\x1b\[1;36m/);
    expect(lastLine(result.stdout)).toMatch(/^bumped /);
  });

  it('prints plain step lines without CI, colours headers only in CI without NO_COLOR', async () => {
    const { project, env } = await newProject(server, 'report');
    const plain = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`);
    expect(plain.stdout).not.toContain('section_start');
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toMatch(/^Clone team\/report-\d+ \(\d+\.\d s\)\n/);
    const coloured = await push(project, { ...env, CI: 'true' }, '--image', `${REGISTRY}/app1:v1.2.0`);
    expect(coloured.stdout).toMatch(/\r\x1b\[0K\x1b\[1;36mClone /);
  });
});

describe('provenance', () => {
  it('adds trailers that link the commit to the pipeline, job and source commit', async () => {
    const { project, env } = await newProject(server, 'report');
    const ci = {
      CI_PIPELINE_URL: 'https://gitlab.example.com/team/app/-/pipelines/42',
      CI_JOB_URL: 'https://gitlab.example.com/team/app/-/jobs/4242',
      CI_PROJECT_PATH: 'team/app',
      CI_COMMIT_SHA: 'c0ffee0123456789c0ffee0123456789c0ffee01',
    };
    const result = await push(project, { ...env, ...ci }, '--image', `${REGISTRY}/app1:v1.1.0`);
    expect(result.exitCode, result.stderr).toBe(0);
    const [commit] = await serverLog(server, project, 'main');
    expect(commit!.body).toBe(
      'Image-Bump-Pipeline: https://gitlab.example.com/team/app/-/pipelines/42\nImage-Bump-Job: https://gitlab.example.com/team/app/-/jobs/4242\nImage-Bump-Source: team/app@c0ffee0123456789c0ffee0123456789c0ffee01',
    );
  });
});

describe('outputs for downstream jobs', () => {
  it('writes a dotenv report with exactly these variables', async () => {
    const { project, env } = await newProject(server, 'report');
    const report = join(await mkdtemp(join(tmpdir(), 'image-bump-report-')), 'image-bump.env');
    const result = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`, '--report', report);
    expect(result.exitCode, result.stderr).toBe(0);
    const [commit] = await serverLog(server, project, 'main');
    expect(await readFile(report, 'utf8')).toBe(
      [
        'BUMP_CHANGED=true',
        'BUMP_OUTCOME=pushed',
        `BUMP_COMMIT_SHA=${commit!.sha}`,
        'BUMP_BRANCH=main',
        `BUMP_PREVIOUS_IMAGE=${REGISTRY}/app1:v1.0.0`,
        `BUMP_NEW_IMAGE=${REGISTRY}/app1:v1.1.0`,
        'BUMP_MERGE_REQUEST_BRANCH=',
        'BUMP_MERGE_REQUEST_URL=',
        '',
      ].join('\n'),
    );
  });

  it('numbers the images when there are several, and says BUMP_CHANGED=false when nothing changed or the run failed', async () => {
    const { project, env } = await newProject(server, 'report');
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-report-'));
    await push(
      project,
      env,
      '--image',
      `${REGISTRY}/app1:v1.1.0`,
      '--image',
      `${REGISTRY}/app2:v2.0.0`,
      '--report',
      join(dir, 'several.env'),
    );
    expect(await readFile(join(dir, 'several.env'), 'utf8')).toMatch(
      new RegExp(
        `^BUMP_CHANGED=true\nBUMP_OUTCOME=pushed\nBUMP_COMMIT_SHA=[0-9a-f]{40}\nBUMP_BRANCH=main\nBUMP_CHANGE_COUNT=2\nBUMP_PREVIOUS_IMAGE_1=${REGISTRY}/app1:v1.0.0\nBUMP_NEW_IMAGE_1=${REGISTRY}/app1:v1.1.0\nBUMP_PREVIOUS_IMAGE_2=${REGISTRY}/app2:v1.0.0\nBUMP_NEW_IMAGE_2=${REGISTRY}/app2:v2.0.0\nBUMP_MERGE_REQUEST_BRANCH=\nBUMP_MERGE_REQUEST_URL=\n$`,
      ),
    );
    await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`, '--report', join(dir, 'same.env'));
    expect(await readFile(join(dir, 'same.env'), 'utf8')).toMatch(
      /^BUMP_CHANGED=false\nBUMP_OUTCOME=nothing-to-change\nBUMP_COMMIT_SHA=\nBUMP_BRANCH=main\n/,
    );
    const failed = await push(project, env, '--image', `${REGISTRY}/app1:v0.1.0`, '--report', join(dir, 'failed.env'));
    expect(failed.exitCode).toBe(1);
    expect(await readFile(join(dir, 'failed.env'), 'utf8')).toBe('BUMP_CHANGED=false\nBUMP_OUTCOME=failed\n');
  });

  it('ends with one JSON object instead of the text summary with --json', async () => {
    const { project, env } = await newProject(server, 'report');
    const result = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`, '--json');
    expect(result.exitCode, result.stderr).toBe(0);
    const [commit] = await serverLog(server, project, 'main');
    expect(JSON.parse(lastLine(result.stdout))).toEqual({
      ok: true,
      exitCode: 0,
      error: null,
      hint: null,
      outcome: {
        kind: 'pushed',
        changed: true,
        mode: 'direct',
        branch: 'main',
        commit: commit!.sha,
        attempts: 1,
        changes: [
          {
            name: `${REGISTRY}/app1`,
            file: 'manifests/overlays/prod/kustomization.yaml',
            previousImage: `${REGISTRY}/app1:v1.0.0`,
            newImage: `${REGISTRY}/app1:v1.1.0`,
          },
        ],
        mergeRequest: null,
        skippedDowngrades: [],
      },
    });
    expect(result.stdout).not.toMatch(/^bumped /m);
  });
});

describe('token-expiry warning', () => {
  it('warns with the date when the token expires within the warning window', async () => {
    const expiresAt = isoDate(5);
    const { project, env } = await newProject(server, 'report', {
      token: { scopes: ['write_repository', 'read_api'], expiresAt },
    });
    const result = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^warning: the token in GITLAB_PUSHER_TOKEN expires on ${expiresAt} \\(in [45] days\\): create a new Project Access Token`,
      ),
    );
  });

  it.each([
    ['a dry run', ['--image', `${REGISTRY}/app1:v1.1.0`, '--dry-run']],
    ['a run with nothing to change', ['--image', `${REGISTRY}/app1:v1.0.0`]],
  ])('warns in %s too, which ends before a lookup sent after the clone is answered', async (_run, args) => {
    const expiresAt = isoDate(5);
    const { project, env } = await newProject(server, 'report', {
      token: { scopes: ['write_repository', 'read_api'], expiresAt },
    });
    server.setLatency(150);
    try {
      const result = await push(project, env, ...args);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`^warning: the token in GITLAB_PUSHER_TOKEN expires on ${expiresAt}`));
    } finally {
      server.setLatency(0);
    }
  });

  it('says nothing when expiry is further away than --expiry-warning-days', async () => {
    const { project, env } = await newProject(server, 'report', {
      token: { scopes: ['write_repository', 'read_api'], expiresAt: isoDate(60) },
    });
    const result = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`, '--expiry-warning-days', '30');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('carries on quietly when the endpoint refuses the token', async () => {
    const { project, env } = await newProject(server, 'report', {
      token: { scopes: ['write_repository'], expiresAt: isoDate(3) },
    });
    const before = server.requests.length; // only this run's requests: other tests of the file share the server
    const result = await push(project, env, '--image', `${REGISTRY}/app1:v1.1.0`);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(
      server.requests
        .slice(before)
        .filter((r) => r.service === 'api')
        .map((r) => r.status),
    ).toEqual([403]);
    const debug = await push(project, { ...env, IMAGE_BUMP_DEBUG: '1' }, '--image', `${REGISTRY}/app1:v1.2.0`);
    expect(debug.stderr).toBe('debug: token expiry unknown (HTTP 403); carrying on\n');
  });
});
