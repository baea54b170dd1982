/** --pin-digest writes tag and digest together in every layout, byte for byte; `*` references are verified after the plan. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLine } from '../support/run-cli.js';
import { readServerFile } from '../support/gitops-repo.js';
import { runCli } from '../support/run-cli.js';
import { newProject, useGitLabServer } from '../support/test-server.js';
import { DIGEST_A, found, registryError, startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const server = useGitLabServer();
let registry: FakeRegistry;
/** Tags the fake registry has; every other one is 404. */
const TAGS = new Set(['1.4.2', '1.0.0']);
beforeAll(async () => {
  registry = await startFakeRegistry((req, res) => {
    const tag = /\/manifests\/([^/]+)$/.exec(req.url ?? '')?.[1];
    if (tag && (TAGS.has(tag) || tag === DIGEST_A)) return found(res, DIGEST_A);
    registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
  });
});
afterAll(() => registry.close());

async function pushFiles(files: Record<string, string>, args: string[], verify = 'require') {
  const { project, env } = await newProject(server, 'pin', { files });
  const result = await runCli(['push', '--server-url', server.url, '--project', project, ...args], {
    env: { ...env, IMAGE_BUMP_VERIFY_IMAGE: verify },
  });
  return { result, read: (path: string) => readServerFile(server, project, 'main', path) };
}

describe('--pin-digest writes tag and digest in each layout', () => {
  it('kustomization: newTag and digest', async () => {
    const app = `${registry.host}/team/app`;
    const overlay = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: ${app} # the app\n    newTag: 1.0.0\n`;
    const { result, read } = await pushFiles({ 'manifests/overlays/prod/kustomization.yaml': overlay }, [
      '--target-env',
      'prod',
      '--image',
      `${app}:1.4.2`,
      '--pin-digest',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await read('manifests/overlays/prod/kustomization.yaml')).toBe(
      overlay.replace('    newTag: 1.0.0\n', `    newTag: 1.4.2\n    digest: ${DIGEST_A}\n`),
    );
  });

  it('plain manifests: name:tag@digest', async () => {
    const app = `${registry.host}/team/app`;
    const manifest = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${app}:1.0.0 # pinned by the release\n`;
    const { result, read } = await pushFiles({ 'deploy/app.yaml': manifest }, [
      '--file',
      'deploy/app.yaml',
      '--image',
      `${app}:1.4.2`,
      '--pin-digest',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await read('deploy/app.yaml')).toBe(manifest.replace(`${app}:1.0.0`, `${app}:1.4.2@${DIGEST_A}`));
  });

  it('Helm values: the tag key and the digest key', async () => {
    const app = `${registry.host}/team/app`;
    const values = `image:\n  repository: ${app}\n  tag: "1.0.0"\n  digest: ""\n  pullPolicy: IfNotPresent\n`;
    const { result, read } = await pushFiles({ 'charts/app/values.yaml': values }, [
      '--helm-values',
      'charts/app/values.yaml',
      '--image',
      `${app}:1.4.2`,
      '--pin-digest',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await read('charts/app/values.yaml')).toBe(
      values.replace('tag: "1.0.0"', 'tag: "1.4.2"').replace('digest: ""', `digest: "${DIGEST_A}"`),
    );
  });

  it('markers: a full reference, and separate :tag and :digest values', async () => {
    const app = `${registry.host}/team/app`;
    const marked = `full: ${app}:1.0.0 # image-bump: app\ntag: "1.0.0" # image-bump: app:tag\ndigest: "" # image-bump: app:digest\n`;
    const { result, read } = await pushFiles({ 'deploy/values.yaml': marked }, [
      '--markers',
      'deploy',
      '--image',
      `app=${app}:1.4.2`,
      '--pin-digest',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await read('deploy/values.yaml')).toBe(
      `full: ${app}:1.4.2@${DIGEST_A} # image-bump: app\ntag: "1.4.2" # image-bump: app:tag\ndigest: "${DIGEST_A}" # image-bump: app:digest\n`,
    );
  });
});

describe('references that keep a part from the file', () => {
  const overlay = (tag: string, name: string) =>
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: app\n    newName: ${name}\n    newTag: ${tag}\n`;

  it('are asked once the plan knows them: the kept name with the new tag', async () => {
    const app = `${registry.host}/team/app`;
    const { result, read } = await pushFiles({ 'manifests/overlays/prod/kustomization.yaml': overlay('0.9.0', app) }, [
      '--target-env',
      'prod',
      '--image',
      'app=*:1.4.2',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${app}:1.4.2: in registry ${registry.host} as ${DIGEST_A}`);
    expect(await read('manifests/overlays/prod/kustomization.yaml')).toBe(overlay('1.4.2', app));
  });

  it('stop the bump before the commit when the registry does not have the result', async () => {
    const app = `${registry.host}/team/app`;
    const { result, read } = await pushFiles({ 'manifests/overlays/prod/kustomization.yaml': overlay('0.9.0', app) }, [
      '--target-env',
      'prod',
      '--image',
      'app=*:7.7.7',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `error: image ${app}:7.7.7 is not in registry ${registry.host} (HTTP 404: MANIFEST_UNKNOWN: manifest unknown)`,
    );
    expect(result.stdout).not.toMatch(/^Commit/m);
    expect(await read('manifests/overlays/prod/kustomization.yaml')).toBe(overlay('0.9.0', app));
  });
});

describe('the outcome', () => {
  it('lists each verified image with its digest in --json and says so in the dotenv report', async () => {
    const app = `${registry.host}/team/app`;
    const report = join(mkdtempSync(join(tmpdir(), 'pin-report-')), 'bump.env');
    const { result } = await pushFiles({}, [
      '--target-env',
      'prod',
      '--image',
      `registry.example.com/team/app1=${app}:1.4.2`,
      '--pin-digest',
      '--json',
      '--report',
      report,
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(lastLine(result.stdout)) as {
      outcome: { verifiedImages: unknown; changes: { newImage: string }[] };
    };
    expect(json.outcome.verifiedImages).toEqual([{ image: `${app}:1.4.2`, digest: DIGEST_A, status: 'verified' }]);
    expect(json.outcome.changes[0]!.newImage).toBe(`${app}:1.4.2@${DIGEST_A}`);
    const dotenv = readFileSync(report, 'utf8');
    expect(dotenv).toContain(`BUMP_NEW_IMAGE=${app}:1.4.2@${DIGEST_A}\n`);
    expect(dotenv).toContain('BUMP_IMAGE_VERIFIED=verified\n');
  });

  it('says not-verified when warn mode went on without an answer', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'pin-report-')), 'bump.env');
    const { result } = await pushFiles(
      {},
      [
        '--target-env',
        'prod',
        '--image',
        `registry.example.com/team/app1=${registry.host}/team/app:6.6.6`,
        '--json',
        '--report',
        report,
      ],
      'warn',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(lastLine(result.stdout)) as { outcome: { verifiedImages: unknown } };
    expect(json.outcome.verifiedImages).toEqual([
      { image: `${registry.host}/team/app:6.6.6`, digest: null, status: 'not-verified' },
    ]);
    expect(readFileSync(report, 'utf8')).toContain('BUMP_IMAGE_VERIFIED=not-verified\n');
  });
});
