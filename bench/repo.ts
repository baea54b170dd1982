/**
 * A large, deterministic GitOps repository for the benchmark, written straight into the server's bare
 * repository with one `git fast-import` stream (no working tree, no index, one pack).
 *
 * Layout: `manifests/base` and `manifests/overlays/{dev,staging,prod}` (each overlay: a kustomization
 * with APP_COUNT commented `images:` entries and a patch), plus `files` filler manifests of about 7 KB
 * under `apps/team-NNN/svc-NNNNN/`, added in equal parts by COMMITS commits. Every commit after the
 * first also edits a few earlier filler files and bumps one tag in one overlay, as a real history does.
 */
import { Readable } from 'node:stream';
import { $ } from 'zx';
import { cleanGitEnv, FIXTURE_AUTHOR } from '../test/support/git.js';
import { REGISTRY } from '../test/support/gitops-repo.js';
import { randomSource } from '../test/support/random-source.js';

export const COMMITS = 200;
export const APP_COUNT = 40;
export const OVERLAYS = ['dev', 'staging', 'prod'] as const;
export const BRANCH = 'main';
const FILES_PER_SERVICE = 10;
const SERVICES_PER_TEAM = 100;
const EDITS_PER_COMMIT = 5;
/** 2024-01-01T00:00:00Z; one commit an hour. */
const START_TIME = 1704067200;

export const appName = (index: number) => `app${String(index).padStart(2, '0')}`;
export const appImage = (index: number) => `${REGISTRY}/${appName(index)}`;

const WORDS = (
  'alpha bravo cache client config cluster daemon debug deploy egress endpoint env feature flag gateway ' +
  'grpc health http ingress job kafka label limit liveness log memory metrics mesh node pool port probe ' +
  'proxy queue quota readiness redis region replica request retry route secret service shard sidecar ' +
  'storage stream timeout tls token topic trace volume worker zone'
).split(' ');

const HEX = '0123456789abcdef';

function hex(random: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += HEX[Math.floor(random() * 16)];
  return text;
}

function filePath(index: number, teams: number): { path: string; team: string; service: string } {
  const serviceIndex = Math.floor(index / FILES_PER_SERVICE);
  const team = `team-${String(serviceIndex % teams).padStart(3, '0')}`;
  const service = `svc-${String(serviceIndex).padStart(5, '0')}`;
  const kind = [
    'deployment',
    'service',
    'configmap',
    'hpa',
    'pdb',
    'networkpolicy',
    'servicemonitor',
    'rbac',
    'ingress',
    'values',
  ][index % FILES_PER_SERVICE]!;
  return { path: `apps/${team}/${service}/${kind}.yaml`, team, service };
}

/** A ConfigMap-like manifest of 2–12 KB (about 7 KB on average), the same for the same index and revision. */
export function fillerFile(index: number, teams: number, revision = 0): { path: string; content: string } {
  const { path, team, service } = filePath(index, teams);
  const random = randomSource(index * 7919 + revision * 104729 + 1);
  const target = 2048 + Math.floor(random() * 10240);
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${service}-${index % FILES_PER_SERVICE}`,
    `  namespace: ${team}`,
    '  labels:',
    `    app.kubernetes.io/name: ${service}`,
    `    app.kubernetes.io/part-of: ${team}`,
    `    revision: "${revision}"`,
    'data:',
  ];
  let size = lines.reduce((sum, line) => sum + line.length + 1, 0);
  for (let key = 0; size < target; key++) {
    const words: string[] = [];
    const count = 3 + Math.floor(random() * 8);
    for (let w = 0; w < count; w++) words.push(WORDS[Math.floor(random() * WORDS.length)]!);
    const line = `  ${words[0]}-${key}: "${words.join('-')} ${hex(random, 8 + Math.floor(random() * 32))}"`;
    lines.push(line);
    size += line.length + 1;
  }
  return { path, content: `${lines.join('\n')}\n` };
}

export function overlayKustomization(overlay: string, tags: readonly string[]): string {
  const images = tags.map(
    (tag, i) =>
      `  - name: ${appImage(i + 1)}${i % 3 === 0 ? ` # ${appName(i + 1)} (team ${i % 7})` : ''}\n    newTag: ${tag}\n`,
  );
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# ${overlay} overlay: image tags are bumped by the release pipelines
namespace: ${overlay}
resources:
  - ../../base
patches:
  - path: patch-replicas.yaml
images:
${images.join('')}`;
}

function baseFiles(): Record<string, string> {
  const deployments = Array.from(
    { length: APP_COUNT },
    (_, i) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${appName(i + 1)}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${appName(i + 1)}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${appName(i + 1)}
    spec:
      containers:
        - name: ${appName(i + 1)}
          image: ${appImage(i + 1)}:v1.0.0
`,
  );
  const files: Record<string, string> = {
    'README.md': "# GitOps\n\nDesired state of every team's workloads. Overlays are bumped by CI.\n",
    'manifests/base/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployments.yaml\n',
    'manifests/base/deployments.yaml': deployments.join('---\n'),
  };
  for (const overlay of OVERLAYS) {
    files[`manifests/overlays/${overlay}/kustomization.yaml`] = overlayKustomization(
      overlay,
      Array(APP_COUNT).fill('v1.0.0'),
    );
    files[`manifests/overlays/${overlay}/patch-replicas.yaml`] =
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${appName(1)}\nspec:\n  replicas: ${overlay === 'prod' ? 3 : 1}\n`;
  }
  return files;
}

function fileCommand(path: string, content: string): Buffer[] {
  const data = Buffer.from(content);
  return [Buffer.from(`M 100644 inline ${path}\ndata ${data.length}\n`), data, Buffer.from('\n')];
}

/** The fast-import stream, one commit per chunk. */
function* stream(files: number): Generator<Buffer> {
  const teams = Math.max(1, Math.ceil(files / (FILES_PER_SERVICE * SERVICES_PER_TEAM)));
  const tags = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, Array<string>(APP_COUNT).fill('v1.0.0')]));
  const random = randomSource(42);
  const person = `${FIXTURE_AUTHOR.name} <${FIXTURE_AUTHOR.email}>`;
  for (let c = 0; c < COMMITS; c++) {
    const first = Math.floor((c * files) / COMMITS);
    const end = Math.floor(((c + 1) * files) / COMMITS);
    const parts: Buffer[] = [];
    let message: string;
    if (c === 0) {
      message = 'Initial GitOps layout';
      for (const [path, content] of Object.entries(baseFiles())) parts.push(...fileCommand(path, content));
    } else {
      const overlay = OVERLAYS[c % OVERLAYS.length]!;
      const app = Math.floor(random() * APP_COUNT);
      tags[overlay]![app] = `v1.${Math.floor(c / 10)}.${c % 10}`;
      message = `[auto ci] Update ${appName(app + 1)} image to ${appImage(app + 1)}:${tags[overlay]![app]}`;
      parts.push(
        ...fileCommand(
          `manifests/overlays/${overlay}/kustomization.yaml`,
          overlayKustomization(overlay, tags[overlay]!),
        ),
      );
      for (let e = 0; e < EDITS_PER_COMMIT && first > 0; e++) {
        const edited = fillerFile(Math.floor(random() * first), teams, c);
        parts.push(...fileCommand(edited.path, edited.content));
      }
    }
    for (let i = first; i < end; i++) {
      const filler = fillerFile(i, teams);
      parts.push(...fileCommand(filler.path, filler.content));
    }
    const time = `${START_TIME + c * 3600} +0000`;
    const head = Buffer.from(
      `commit refs/heads/${BRANCH}\nauthor ${person} ${time}\ncommitter ${person} ${time}\n` +
        `data ${Buffer.byteLength(`${message} (${end - first} manifests)\n`)}\n${message} (${end - first} manifests)\n`,
    );
    yield Buffer.concat([head, ...parts, Buffer.from('\n')]);
  }
}

export interface BuiltRepo {
  files: number;
  commits: number;
  /** Size of the server's pack files, in bytes. */
  packBytes: number;
  /** Uncompressed size of the tip's blobs, in bytes. */
  tipBytes: number;
  seconds: number;
}

/** Writes the repository into `gitDir` (an empty bare repository with the branch `main`). */
export async function buildRepo(gitDir: string, files: number, timeoutMs: number): Promise<BuiltRepo> {
  const started = performance.now();
  const git = $({ cwd: gitDir, env: cleanGitEnv({ GIT_DIR: gitDir }), quiet: true, timeout: timeoutMs });
  await git({ input: Readable.from(stream(files)) })`git fast-import --quiet --depth=50 --active-branches=1`;
  const sizes = (await git`git count-objects -v`).stdout;
  const packBytes = 1024 * Number(/size-pack: (\d+)/.exec(sizes)?.[1] ?? 0);
  const tip = (await git`git ls-tree -r -l ${BRANCH}`).stdout;
  let tipBytes = 0;
  for (const line of tip.split('\n')) tipBytes += Number(line.split(/\s+/)[3] ?? 0);
  return { files, commits: COMMITS, packBytes, tipBytes, seconds: (performance.now() - started) / 1000 };
}
