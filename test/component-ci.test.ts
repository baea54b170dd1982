/**
 * The component in a pipeline: gitlab-ci-local (shell executor) runs projects whose `.gitlab-ci.yml`
 * includes templates/image-bump.yml, with `gitops-image-bump` on PATH running dist/, against the
 * GitLab-like test server.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from './support/git.js';
import {
  componentInclude,
  createProjectRepo,
  createWorkspace,
  runPipeline,
  type Workspace,
} from './support/gitlab-ci-local.js';
import { Role, startGitLabServer, type GitLabServer } from './support/gitlab-server.js';
import {
  branchTip,
  createGitOpsProject,
  overlayKustomization,
  readServerFile,
  REGISTRY,
  serverLog,
} from './support/gitops-repo.js';

const GITOPS = 'team/gitops';
const TOKEN = 'pat-component-ci-5d2e8a17c4b9';
const overlay = (env: string) => `manifests/overlays/${env}/kustomization.yaml`;

let server: GitLabServer;
let workspace: Workspace;

beforeAll(async () => {
  [server, workspace] = await Promise.all([startGitLabServer(), createWorkspace()]);
  await createGitOpsProject(server, GITOPS);
  server.addToken({
    value: TOKEN,
    kind: 'project',
    scopes: ['write_repository'],
    projects: [GITOPS],
    role: Role.developer,
  });
});

afterAll(async () => {
  await server?.close();
  await workspace?.cleanup();
});

/** The overlay after `newTag` (and `newName`) of an entry were set, as the CLI writes it. */
function bumped(env: 'dev' | 'staging' | 'prod', changes: Record<'app1' | 'app2', string | undefined>): string {
  let text = overlayKustomization(env);
  for (const [app, tag] of Object.entries(changes)) {
    if (!tag) continue;
    const entry = new RegExp(`(  - name: ${REGISTRY}/${app}[^\\n]*\\n)    newTag: v1\\.0\\.0\\n`);
    text = text.replace(entry, `$1    newName: ${REGISTRY}/${app}\n    newTag: ${tag}\n`);
  }
  return text;
}

async function changedFiles(project: string, sha: string): Promise<string[]> {
  const output = await git(['diff-tree', '--no-commit-id', '--name-only', '-r', sha], {
    cwd: server.repoPath(project),
  });
  return output.split('\n').filter(Boolean);
}

describe('component in a release pipeline of an app project', () => {
  const marker = (name: string) => join(workspace.dir, `marker-${name}`);

  it('bumps one image per environment, several images in one commit, and pushes nothing on a dry run', async () => {
    const initial = await branchTip(server, GITOPS, 'main');
    const message = `Release {image} $(touch ${marker('subshell')}); touch ${marker('semicolon')} \`touch ${marker('backtick')}\``;
    const repo = await createProjectRepo(workspace, 'app', {
      remote: `${server.url}/team/app.git`,
      ciConfig: [
        'include:',
        componentInclude({
          target_env: 'dev',
          project: GITOPS,
          app_name: `${REGISTRY}/app1`,
          image: `${REGISTRY}/app1:v1.1.0`,
          commit_message: message,
        }),
        componentInclude({
          target_env: 'staging',
          project: GITOPS,
          images: [`${REGISTRY}/app1=${REGISTRY}/app1:v2.0.0`, `${REGISTRY}/app2=${REGISTRY}/app2:v2.0.0`],
        }),
        componentInclude({
          target_env: 'prod',
          project: GITOPS,
          app_name: `${REGISTRY}/app1`,
          image: `${REGISTRY}/app1:v9.9.9`,
          dry_run: true,
        }),
        '',
      ].join('\n'),
    });
    const sourceSha = await git(['rev-parse', 'HEAD'], { cwd: repo });

    // A protected branch: where the protected token variable exists and the job runs by default.
    const result = await runPipeline(workspace, repo, {
      variables: { GITLAB_PUSHER_TOKEN: TOKEN, CI_COMMIT_REF_PROTECTED: 'true' },
    });
    expect(result.exitCode, result.output).toBe(0);
    for (const job of ['image-bump-dev', 'image-bump-staging', 'image-bump-prod'])
      expect(result.output).toMatch(new RegExp(`PASS +${job}\\b`));
    expect(result.output).toContain('dry run: would bump');
    expect(result.output).not.toContain(TOKEN);

    // Two commits on top of the initial one (the jobs ran in parallel; their order is not fixed).
    const commits = (await serverLog(server, GITOPS, 'main')).filter((commit) => commit.sha !== initial);
    expect(commits).toHaveLength(2);
    const byFile = new Map<string, (typeof commits)[number]>();
    for (const commit of commits) {
      const files = await changedFiles(GITOPS, commit.sha);
      expect(files).toHaveLength(1);
      byFile.set(files[0]!, commit);
    }
    expect([...byFile.keys()].sort()).toEqual([overlay('dev'), overlay('staging')]);

    expect(await readServerFile(server, GITOPS, 'main', overlay('dev'))).toBe(
      bumped('dev', { app1: 'v1.1.0', app2: undefined }),
    );
    const dev = byFile.get(overlay('dev'))!;
    // The message went through a variable to the CLI: shell syntax in it stays text and never runs.
    expect(dev.subject).toBe(message.replace('{image}', `${REGISTRY}/app1:v1.1.0`));
    for (const name of ['subshell', 'semicolon', 'backtick']) expect(existsSync(marker(name))).toBe(false);
    expect(dev.body).toContain(`Image-Bump-Source: team/app@${sourceSha}`);
    expect(dev.authorName).toBe('gitops-image-bump');

    // Two images, one commit.
    expect(await readServerFile(server, GITOPS, 'main', overlay('staging'))).toBe(
      bumped('staging', { app1: 'v2.0.0', app2: 'v2.0.0' }),
    );
    // The dry run pushed nothing.
    expect(await readServerFile(server, GITOPS, 'main', overlay('prod'))).toBe(overlayKustomization('prod'));
  });
});

describe('component in the GitOps project itself, triggered by an upstream pipeline', () => {
  it('defaults to the current project, the pipeline branch and the server, with values from variables', async () => {
    const project = 'team/gitops-self';
    const token = `${TOKEN}-self`;
    await createGitOpsProject(server, project);
    server.addToken({
      value: token,
      kind: 'project',
      scopes: ['write_repository'],
      projects: [project],
      role: Role.developer,
    });
    const initial = await branchTip(server, project, 'main');
    const repo = await createProjectRepo(workspace, 'gitops-self', {
      remote: `${server.url}/${project}.git`,
      // The GitOps side decides where the job runs (here: a triggered pipeline), so the component's
      // own rules are off.
      ciConfig: [
        'include:',
        componentInclude({
          target_env: '$UPSTREAM_ENV',
          app_name: `${REGISTRY}/app2`,
          image: '$UPSTREAM_IMAGE',
          run_on: 'always',
        }),
        '',
      ].join('\n'),
    });

    // Variables as an upstream `trigger:` job would pass them, on an unprotected ref.
    const result = await runPipeline(workspace, repo, {
      variables: {
        GITLAB_PUSHER_TOKEN: token,
        UPSTREAM_ENV: 'staging',
        UPSTREAM_IMAGE: `${REGISTRY}/app2:v3.1.0`,
        CI_PIPELINE_SOURCE: 'pipeline',
      },
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(await readServerFile(server, project, 'main', overlay('staging'))).toBe(
      bumped('staging', { app1: undefined, app2: 'v3.1.0' }),
    );
    const [commit] = await serverLog(server, project, 'main');
    expect(commit!.parents).toEqual([initial]);
    expect(commit!.subject).toBe(`[auto ci] Update ${REGISTRY}/app2 image to ${REGISTRY}/app2:v3.1.0`);
  });
});

describe('inputs the component refuses before any job runs', () => {
  const cases: { name: string; inputs: Record<string, unknown>; expected: RegExp; marker?: string }[] = [
    {
      name: 'on_downgrade outside its options',
      inputs: { on_downgrade: 'sometimes' },
      expected: /on_downgrade.*not in the list of allowed options/,
    },
    {
      name: 'target_env with a command after ";"',
      inputs: { target_env: 'prod;touch MARKER' },
      expected: /target_env.*does not match required regex/,
      marker: 'semicolon',
    },
    {
      name: 'target_env with a command substitution',
      inputs: { target_env: '$(touch MARKER)' },
      expected: /target_env.*does not match required regex/,
      marker: 'subshell',
    },
    {
      name: 'a token value instead of the variable name',
      inputs: { token_variable: '$GITLAB_PUSHER_TOKEN' },
      expected: /token_variable.*does not match required regex/,
    },
    {
      name: 'project that is not a project path',
      inputs: { project: 'gitops' },
      expected: /project.*does not match required regex/,
    },
    {
      name: 'no target_env',
      inputs: { target_env: undefined },
      expected: /target_env.*required value has not been provided/,
    },
  ];

  // Each case is a pipeline of its own that never reaches a job: they run side by side.
  it.for(cases)('$name', { concurrent: true }, async ({ name, inputs, expected, marker }, { expect }) => {
    const markerPath = join(workspace.dir, `refused-${marker ?? 'none'}`);
    const base: Record<string, unknown> = {
      target_env: 'prod',
      project: GITOPS,
      app_name: `${REGISTRY}/app1`,
      image: `${REGISTRY}/app1:v5.0.0`,
    };
    const merged = Object.fromEntries(
      Object.entries({ ...base, ...inputs })
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [key, typeof value === 'string' ? value.replace('MARKER', markerPath) : value]),
    );
    const before = await branchTip(server, GITOPS, 'main');
    const repo = await createProjectRepo(workspace, `refused-${name.replace(/\W+/g, '-')}`, {
      remote: `${server.url}/team/app.git`,
      ciConfig: ['include:', componentInclude(merged), ''].join('\n'),
    });

    const result = await runPipeline(workspace, repo, { variables: { GITLAB_PUSHER_TOKEN: TOKEN } });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(expected);
    expect(result.output).not.toMatch(/starting/);
    expect(existsSync(markerPath)).toBe(false);
    expect(await branchTip(server, GITOPS, 'main')).toBe(before);
  });
});

describe('component in merge-request mode', () => {
  it('opens a labelled merge request through push options and writes the dotenv report', async () => {
    const project = 'team/gitops-review';
    const token = `${TOKEN}-review`;
    await createGitOpsProject(server, project);
    server.addToken({
      value: token,
      kind: 'project',
      scopes: ['write_repository'],
      projects: [project],
      role: Role.developer,
    });
    const initial = await branchTip(server, project, 'main');
    const repo = await createProjectRepo(workspace, 'app-review', {
      remote: `${server.url}/team/app-review.git`,
      ciConfig: [
        'include:',
        componentInclude({
          target_env: 'prod',
          project,
          app_name: `${REGISTRY}/app1`,
          image: `${REGISTRY}/app1:v1.5.0`,
          mode: 'merge-request',
          mr_labels: ['release', 'prod'],
          skip_ci: true,
        }),
        '',
      ].join('\n'),
    });
    const result = await runPipeline(workspace, repo, {
      variables: { GITLAB_PUSHER_TOKEN: token, CI_COMMIT_TAG: '1.5.0', CI_COMMIT_REF_PROTECTED: 'true' },
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(await branchTip(server, project, 'main')).toBe(initial);
    const [push] = server.pushLog(project);
    expect(push!.refs.map((ref) => ref.ref)).toEqual(['refs/heads/image-bump/prod/app1']);
    expect(push!.options).toEqual(
      expect.arrayContaining([
        'ci.skip',
        'merge_request.create',
        'merge_request.target=main',
        'merge_request.label=release',
        'merge_request.label=prod',
      ]),
    );
    expect(server.mergeRequests(project)).toHaveLength(1);
    expect(result.output).toMatch(/proposed .* merge request into main: http/);
  });
});
