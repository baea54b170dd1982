import { describe, expect, it } from 'vitest';
import { readServerFile, REGISTRY } from './support/gitops-repo.js';
import { requestKind, type RequestRecord } from './support/gitlab-server.js';
import { chainLengthToLast } from './support/request-chain.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();
const OVERLAY = 'manifests/overlays/prod/kustomization.yaml';

/** Long enough that what runs beside the push overlaps it even on a loaded machine (a commit takes less). */
const LATENCY_MS = 100;

/** The raw-git floor: clone (info/refs, ls-refs, fetch), the overlay's blobs (info/refs, fetch), push (info/refs, receive-pack). */
const FLOOR_CRITICAL_PATH = 7;

function bumpRequests(since: number): RequestRecord[] {
  return server.requests.slice(since);
}

describe('round trips of one bump', () => {
  it('push waits for no more sequential git requests than the raw-git floor; warnings run beside it', async () => {
    server.setLatency(LATENCY_MS);
    try {
      const { project, env } = await newProject(server, 'rtt', { token: { scopes: ['api', 'write_repository'] } });
      const since = server.requests.length;
      const result = await pushTo(server, project, env, '--target-env', 'prod', '--image', `${REGISTRY}/app2:v1.2.3`);
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      expect(await readServerFile(server, project, 'main', OVERLAY)).toContain('newTag: v1.2.3');

      const requests = bumpRequests(since);
      const git = requests.filter((r) => requestKind(r) !== 'api');
      expect(chainLengthToLast(git, (r) => requestKind(r) === 'receive-pack')).toBe(FLOOR_CRITICAL_PATH);
      // The overlay's blobs come in one fetch, and the base's manifests (for the unmatched-image warning) in
      // one more, beside the push; the expiry lookup is the one API request.
      expect(server.requestCounts(since)).toEqual({
        'info/refs': 4,
        'upload-pack': 4,
        'receive-pack': 1,
        api: 1,
        other: 0,
      });
      // The expiry lookup was sent before the clone's first request was answered: it does not hold the clone up.
      const api = requests.find((r) => requestKind(r) === 'api')!;
      expect(api.arrivedAt).toBeLessThan(git[0]!.finishedAt);
    } finally {
      server.setLatency(0);
    }
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
