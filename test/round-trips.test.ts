import { afterAll, describe, expect, it } from 'vitest';
import { readServerFile, REGISTRY } from './support/gitops-repo.js';
import { requestKind, type RequestRecord } from './support/gitlab-server.js';
import { chainLengthToLast } from './support/request-chain.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';
import { conePatterns, usualBaseDirs } from '../src/git/sparse-cone.js';
import { gitProcesses, gitShim, removeGitShims } from './support/git-shim.js';

const server = useGitLabServer();
afterAll(removeGitShims);
const OVERLAY = 'manifests/overlays/prod/kustomization.yaml';

/** Long enough that what runs beside the push overlaps it even on a loaded machine (a commit takes less). */
const LATENCY_MS = 100;

/** The raw-git floor: clone (info/refs, ls-refs, fetch), the overlay's blobs (info/refs, fetch), push (info/refs, receive-pack). */
const FLOOR_CRITICAL_PATH = 7;
const FLOOR_TOTAL = 7;
/** Issue 17's bound on everything a bump sends: the floor's requests and two more. */
const TOTAL_ALLOWED = FLOOR_TOTAL + 2;

/** The floor's requests, and the token-expiry lookup (one API request, sent once the clone is done). */
const FLOOR_AND_EXPIRY = { 'info/refs': 3, 'upload-pack': 3, 'receive-pack': 1, api: 1, other: 0 };

const FILES = {
  'apps/api/deployment.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${REGISTRY}/api:v1.0.0\n`,
  'charts/api/values.yaml': `image:\n  repository: ${REGISTRY}/api\n  tag: "1.0.0"\n`,
  'platform/apps.yaml': `api:\n  image: ${REGISTRY}/api:v1.0.0 # image-bump: api\n`,
};

function bumpRequests(since: number): RequestRecord[] {
  return server.requests.slice(since);
}

interface MeasuredBump {
  project: string;
  stderr: string;
  criticalPath: number;
  total: number;
  counts: ReturnType<typeof server.requestCounts>;
}

/** One push at LATENCY_MS against a fresh project (with `files`): its exit, warnings and requests. */
async function measureBump(files: Record<string, string | null>, ...args: string[]): Promise<MeasuredBump> {
  const { project, env } = await newProject(server, 'rtt', {
    files,
    token: { scopes: ['api', 'write_repository'] },
  });
  server.setLatency(LATENCY_MS);
  try {
    const since = server.requests.length;
    const result = await pushTo(server, project, env, ...args);
    expect(result.exitCode, result.stderr).toBe(0);
    const requests = bumpRequests(since);
    const git = requests.filter((r) => requestKind(r) !== 'api');
    // The expiry lookup is sent once the clone's requests were answered (it shares the server with none
    // of them), and answered before the push is: nothing waits for it.
    const api = requests.find((r) => requestKind(r) === 'api');
    const push = git.find((r) => requestKind(r) === 'receive-pack');
    if (api) {
      const pushStart = Math.min(...git.filter((r) => r.service === 'git-receive-pack').map((r) => r.arrivedAt));
      const cloneEnd = Math.max(
        ...git.filter((r) => requestKind(r) === 'upload-pack' && r.arrivedAt < pushStart).map((r) => r.finishedAt),
      );
      expect(api.arrivedAt).toBeGreaterThanOrEqual(cloneEnd);
      expect(api.finishedAt).toBeLessThan(push!.finishedAt);
    }
    return {
      project,
      stderr: result.stderr,
      criticalPath: chainLengthToLast(git, (r) => requestKind(r) === 'receive-pack'),
      total: requests.length,
      counts: server.requestCounts(since),
    };
  } finally {
    server.setLatency(0);
  }
}

describe('round trips of one bump', () => {
  it('a kustomize overlay: the critical path is the floor’s, and the base for the warning comes in the overlay’s fetch', async () => {
    const bump = await measureBump({}, '--target-env', 'prod', '--image', `${REGISTRY}/app2:v1.2.3`);
    expect(bump.stderr).toBe('');
    expect(await readServerFile(server, bump.project, 'main', OVERLAY)).toContain('newTag: v1.2.3');
    expect(bump.criticalPath).toBeLessThanOrEqual(FLOOR_CRITICAL_PATH);
    expect(bump.total).toBeLessThanOrEqual(TOTAL_ALLOWED);
    // The base's manifests (../../base) are checked out with the overlay: no fetch of their own.
    expect(bump.counts).toEqual(FLOOR_AND_EXPIRY);
  });

  it('the unmatched-image warning is still given, from the base fetched with the overlay', async () => {
    const bump = await measureBump({}, '--target-env', 'prod', '--image', `app1=${REGISTRY}/app1:v2.0.0`);
    expect(bump.stderr).toMatch(
      /^warning: manifests\/overlays\/prod: no container image named "app1" in the resources \(found: registry\.example\.com\/team\/app1, registry\.example\.com\/team\/app2\)/,
    );
    expect(bump.criticalPath).toBeLessThanOrEqual(FLOOR_CRITICAL_PATH);
    expect(bump.counts).toEqual(FLOOR_AND_EXPIRY);
  });

  it('a base where no guess finds it is still read for the warning, in one fetch beside the push', async () => {
    const files = {
      'manifests/base/kustomization.yaml': null,
      'manifests/base/deployment.yaml': null,
      'shared/workloads/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'shared/workloads/deployment.yaml': `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app1\n          image: ${REGISTRY}/app1:v1.0.0\n`,
      [OVERLAY]: `resources:\n  - ../../../shared/workloads\nimages:\n  - name: ${REGISTRY}/app1\n    newTag: v1.0.0\n`,
    };
    const bump = await measureBump(files, '--target-env', 'prod', '--image', `app1=${REGISTRY}/app1:v2.0.0`);
    expect(bump.stderr).toMatch(
      /^warning: manifests\/overlays\/prod: no container image named "app1" .*found: registry\.example\.com\/team\/app1\)/,
    );
    expect(bump.criticalPath).toBeLessThanOrEqual(FLOOR_CRITICAL_PATH);
    expect(bump.counts).toEqual({ ...FLOOR_AND_EXPIRY, 'info/refs': 4, 'upload-pack': 4 });
  });

  it.each([
    ['a plain manifest', ['--file', 'apps/api/deployment.yaml', '--image', `${REGISTRY}/api:v1.1.0`]],
    [
      'Helm values',
      ['--helm-values', 'charts/api/values.yaml', '--helm-path', 'image', '--image', `${REGISTRY}/api:1.1.0`],
    ],
    ['marker comments', ['--markers', 'platform', '--image', `api=${REGISTRY}/api:v1.1.0`]],
  ])('%s: the floor’s requests and the expiry lookup, nothing else', async (_layout, args) => {
    const bump = await measureBump(FILES, ...args);
    expect(bump.stderr).toBe('');
    expect(bump.criticalPath).toBeLessThanOrEqual(FLOOR_CRITICAL_PATH);
    expect(bump.total).toBeLessThanOrEqual(TOTAL_ALLOWED);
    expect(bump.counts).toEqual(FLOOR_AND_EXPIRY);
  });

  it('starts four git processes: the clone, the checkout of the cone (its blobs in one fetch), the commit and the push', async () => {
    const { project, env } = await newProject(server, 'rtt-processes');
    const shim = await gitShim();
    const result = await pushTo(
      server,
      project,
      { ...env, PATH: `${shim}:${process.env.PATH ?? '/usr/bin:/bin'}` },
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1:v1.2.3`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const commands = gitProcesses(shim).map(({ argv }) => argv.find((arg) => /^[a-z][a-z-]*$/.test(arg)));
    expect(commands.sort()).toEqual(['checkout', 'clone', 'commit', 'push']);
    expect(await readServerFile(server, project, 'main', OVERLAY)).toContain('newTag: v1.2.3');
  });

  it('adds the latency to every answer and counts requests by kind', async () => {
    const { project, token } = await newProject(server, 'rtt-count');
    server.setLatency(LATENCY_MS);
    try {
      const since = server.requests.length;
      const started = performance.now();
      const answer = await fetch(`${server.projectUrl(project)}/info/refs?service=git-upload-pack`, {
        headers: { Authorization: `Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}` },
      });
      await answer.arrayBuffer();
      expect(answer.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(LATENCY_MS - 1);
      expect(server.requestCounts(since)).toEqual({
        'info/refs': 1,
        'upload-pack': 0,
        'receive-pack': 0,
        api: 0,
        other: 0,
      });
      const [record] = bumpRequests(since);
      expect(record!.finishedAt - record!.arrivedAt).toBeGreaterThanOrEqual(LATENCY_MS - 1);
    } finally {
      server.setLatency(0);
    }
  });
});

describe('where the checkout looks for an overlay’s base', () => {
  it('guesses ../base and ../../base, never above the root', () => {
    expect(usualBaseDirs(['manifests/overlays/prod', 'apps/api/overlays/dev', 'prod', '.'])).toEqual([
      'apps/api/base',
      'apps/api/overlays/base',
      'base',
      'manifests/base',
      'manifests/overlays/base',
    ]);
  });

  it('checks out only the files directly in a guessed directory, and nothing more than a recursive path already takes', () => {
    expect(conePatterns(['manifests/overlays/prod/'], ['manifests/base'])).toEqual([
      '/*',
      '!/*/',
      '/manifests/',
      '!/manifests/*/',
      '/manifests/base/',
      '!/manifests/base/*/',
      '/manifests/overlays/',
      '!/manifests/overlays/*/',
      '/manifests/overlays/prod/',
    ]);
    expect(conePatterns(['manifests/'], ['manifests/base'])).toEqual(['/*', '!/*/', '/manifests/']);
    expect(conePatterns(['manifests/overlays/prod/'])).not.toContain('/manifests/base/');
  });
});
