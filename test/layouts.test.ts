import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip, readServerFile, REGISTRY, serverLog } from './support/gitops-repo.js';
import { lastLine, runCli } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const DEPLOYMENT = `# The API, bumped by its release pipeline
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: ${REGISTRY}/api:v1.0.0 # same image, runs migrations
      containers:
        - name: api
          image: "${REGISTRY}/api:v1.0.0"
        - name: proxy
          image: ${REGISTRY}/proxy:2.1
---
apiVersion: v1
kind: Service
metadata:
  name: api # untouched document
`;

const VALUES = `# Values for the api chart
replicaCount: 2
image:
  repository: ${REGISTRY}/api
  tag: "1.0.0" # set by CI
  pullPolicy: IfNotPresent
worker:
  image:
    repository: ${REGISTRY}/api
    tag: 1.0.0
`;

const MARKED = `apps:
  api:
    image: ${REGISTRY}/api:v1.0.0 # image-bump: api
    version: v1.0.0 # image-bump: api:tag
  other: keep-me
`;

const server = useGitLabServer();
const FILES = {
  'apps/api/deployment.yaml': DEPLOYMENT,
  'charts/api/values.yaml': VALUES,
  'platform/apps.yaml': MARKED,
  'platform/notes.yaml': 'plain: true\n',
};
const push = (project: string, env: Record<string, string>, ...args: string[]) => pushTo(server, project, env, ...args);

describe('plain manifests', () => {
  it('push --file rewrites every matching container image, keeping comments, quotes and the other document', async () => {
    const { project, env } = await newProject(server, 'layouts', { files: FILES });
    const result = await push(project, env, '--file', 'apps/api/deployment.yaml', '--image', `${REGISTRY}/api:v1.1.0`);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readServerFile(server, project, 'main', 'apps/api/deployment.yaml')).toBe(
      DEPLOYMENT.replaceAll(`${REGISTRY}/api:v1.0.0`, `${REGISTRY}/api:v1.1.0`),
    );
    expect((await serverLog(server, project, 'main'))[0]!.subject).toBe(
      `[auto ci] Update ${REGISTRY}/api image to ${REGISTRY}/api:v1.1.0`,
    );
  });

  it('refuses a downgrade in a manifest just as in a kustomization', async () => {
    const { project, env } = await newProject(server, 'layouts', { files: FILES });
    const tip = await branchTip(server, project, 'main');
    const result = await push(project, env, '--file', 'apps', '--image', `${REGISTRY}/api:v0.9.0`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `error: refusing to downgrade ${REGISTRY}/api v1.0.0 -> v0.9.0 in apps/api/deployment.yaml`,
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });

  it('edit --file works on a local manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-manifest-'));
    await writeFile(join(dir, 'deployment.yaml'), DEPLOYMENT);
    const result = await runCli(
      ['edit', '--file', 'deployment.yaml', '--image', `${REGISTRY}/proxy=mirror.example.com/proxy:2.2`],
      { cwd: dir },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readFile(join(dir, 'deployment.yaml'), 'utf8')).toBe(
      DEPLOYMENT.replace(`${REGISTRY}/proxy:2.1`, 'mirror.example.com/proxy:2.2'),
    );
  });
});

describe('Helm values', () => {
  it('sets the tag at several paths in one commit, keeping quoting and comments', async () => {
    const { project, env } = await newProject(server, 'layouts', { files: FILES });
    const result = await push(
      project,
      env,
      '--helm-values',
      'charts/api/values.yaml',
      '--helm-path',
      'image',
      '--helm-path',
      'worker.image',
      '--image',
      `${REGISTRY}/api:1.2.0`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readServerFile(server, project, 'main', 'charts/api/values.yaml')).toBe(
      VALUES.replace('tag: "1.0.0" # set by CI', 'tag: "1.2.0" # set by CI').replace(
        '    tag: 1.0.0\n',
        '    tag: 1.2.0\n',
      ),
    );
    expect(await serverLog(server, project, 'main')).toHaveLength(2);
  });
});

describe('marker comments', () => {
  it('updates every marked value under a directory and reports how many places changed', async () => {
    const { project, env } = await newProject(server, 'layouts', { files: FILES });
    const result = await push(project, env, '--markers', 'platform', '--image', `api=${REGISTRY}/api:v1.3.0`, '--json');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readServerFile(server, project, 'main', 'platform/apps.yaml')).toBe(
      MARKED.replaceAll('v1.0.0', 'v1.3.0'),
    );
    expect(JSON.parse(lastLine(result.stdout)).outcome.changes).toHaveLength(2);
  });

  it('fails with a clear error when an image has no marker anywhere', async () => {
    const { project, env } = await newProject(server, 'layouts', { files: FILES });
    const tip = await branchTip(server, project, 'main');
    const result = await push(project, env, '--markers', 'platform', '--image', 'unmarked:v2');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: platform\/apps\.yaml, platform\/notes\.yaml: no `# image-bump: unmarked` marker found/,
    );
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });
});

describe('all layouts at once', () => {
  it('puts an overlay, a manifest, a values file and marked files into one commit', async () => {
    const { project, env } = await newProject(server, 'layouts', { files: FILES });
    const result = await push(
      project,
      env,
      '--target-env',
      'prod',
      '--file',
      'apps/api/deployment.yaml',
      '--helm-values',
      'charts/api/values.yaml',
      '--markers',
      'platform',
      '--image',
      `${REGISTRY}/api:v2.0.0`,
      '--image',
      `api=${REGISTRY}/api:v2.0.0`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const [commit] = await serverLog(server, project, 'main');
    expect(commit!.body.split('\n').map((line) => line.replace(/: .*/, ''))).toEqual([
      `- ${REGISTRY}/api in manifests/overlays/prod`,
      // kustomize semantics: every --image goes into the overlay, as a new entry where it had none
      `- api in manifests/overlays/prod`,
      `- ${REGISTRY}/api in apps/api/deployment.yaml`,
      `- ${REGISTRY}/api in apps/api/deployment.yaml`,
      `- ${REGISTRY}/api in charts/api/values.yaml`,
      `- api in platform/apps.yaml`,
      `- api in platform/apps.yaml`,
    ]);
  });
});
