/**
 * Runs the built CLI's `edit` over real GitOps repositories and checks every result against an
 * independent reading of it: kustomizations (with the real `kubectl kustomize` when it is on PATH), Helm
 * values files and plain workload manifests.
 *
 *   npx tsx scripts/sweep-editors.ts [--out FILE] [--jobs N] [--no-kustomize] [--manifests-per-dir N] [--cli FILE]
 *                                    [--layouts kustomization,helm,manifest] DIR...
 *
 * --cli runs another bundle (e.g. one built from an older commit) instead of bundling src/ now.
 *
 * Each DIR is a copy of a repository (never a working tree you care about: files are edited in place and
 * restored after each run). Every run is classified as
 *   ok          exit 0 and the result is what kustomize's set-image / the image transformer gives;
 *   refused     exit 2 (or 1 without `internal`) with a reason, e.g. duplicate names, imageTags, aliases;
 *   internal    `error: internal:` — a postcondition caught an edit that would change more than the image;
 *   wrong       exit 0 but the file does not parse, changed more than the image, or kustomize builds
 *               something else than intended;
 *   crash       any other exit code, or a stack trace on stderr.
 * internal, wrong and crash are bugs. The summary goes to stdout, every non-ok run as one JSON line to --out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { build } from 'esbuild';
import { parseAllDocuments } from 'yaml';

type RunClass = 'ok' | 'refused' | 'internal' | 'wrong' | 'crash';
interface RunRecord {
  layout: 'kustomization' | 'helm' | 'manifest';
  file: string;
  case: string;
  args: string[];
  class: RunClass;
  exitCode: number | null;
  detail?: string;
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const [value] = args.splice(index, 2).slice(1);
  return value;
};
const flag = (name: string) => {
  const index = args.indexOf(name);
  if (index >= 0) args.splice(index, 1);
  return index >= 0;
};
const outFile = option('--out');
const givenCli = option('--cli');
const layouts = new Set((option('--layouts') ?? 'kustomization,helm,manifest').split(','));
const jobs = Number(option('--jobs') ?? 2);
const manifestsPerDir = Number(option('--manifests-per-dir') ?? 3);
const useKustomize = !flag('--no-kustomize') && (await commandWorks('kubectl', ['version', '--client']));
const roots = args.map((root) => resolve(root));
if (roots.length === 0) {
  console.error('usage: tsx scripts/sweep-editors.ts [--out FILE] [--jobs N] [--no-kustomize] DIR...');
  process.exit(2);
}

const REGISTRY = 'sweep.example.com/swept';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const scratch = mkdtempSync(join(tmpdir(), 'sweep-editors-'));
const cli = givenCli ?? join(scratch, 'image-bump.mjs');
if (!givenCli) {
  const { buildOptions } = await import(new URL('./build.mjs', import.meta.url).href);
  await build({ ...buildOptions, minify: false, outfile: cli });
}

const records: RunRecord[] = [];
const counts = {
  repositories: roots.length,
  kustomizations: 0,
  helmValues: 0,
  manifests: 0,
  built: 0,
  buildsCompared: 0,
  buildsWithNewImages: 0,
};

// ------------------------------------------------------------------------------------------- repositories

async function sweepRepository(root: string) {
  const files = walk(root);
  const manifestsSeen = new Map<string, number>();
  for (const file of files) {
    const name = basename(file);
    if (name === 'kustomization.yaml' || name === 'kustomization.yml' || name === 'Kustomization') {
      if (!layouts.has('kustomization')) continue;
      counts.kustomizations++;
      await sweepKustomization(root, file);
    } else if (/^values[\w.-]*\.ya?ml$/.test(name)) {
      if (!layouts.has('helm')) continue;
      counts.helmValues++;
      await sweepHelmValues(root, file);
    } else if (/\.ya?ml$/.test(name) && layouts.has('manifest')) {
      const seen = manifestsSeen.get(dirname(file)) ?? 0;
      if (seen >= manifestsPerDir) continue;
      if (await sweepManifest(root, file)) {
        manifestsSeen.set(dirname(file), seen + 1);
        counts.manifests++;
      }
    }
  }
}

function walk(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...walk(path));
    else if (entry.isFile() && statSync(path).size < 512 * 1024) found.push(path);
  }
  return found;
}

// ------------------------------------------------------------------------------------------ kustomizations

interface Case {
  name: string;
  settings: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

async function sweepKustomization(root: string, file: string) {
  const original = readFileSync(file, 'utf8');
  const documents = parseAllDocuments(original);
  if (!Array.isArray(documents) || documents.length === 0 || documents.some((doc) => doc.errors.length > 0)) return;
  const content = documents[0]!.toJS() as Record<string, unknown> | null;
  if (content !== null && (typeof content !== 'object' || Array.isArray(content))) return;
  const images = Array.isArray(content?.images) ? (content.images as Record<string, unknown>[]) : [];
  const existing = images
    .map((entry) => entry?.name)
    .find(
      (name): name is string => typeof name === 'string' && /^[a-z0-9][\w./:-]*$/.test(name) && !name.includes(':'),
    );
  const cases: Case[] = [];
  if (existing)
    cases.push({ name: 'existing', settings: [{ name: existing, newName: `${REGISTRY}/changed`, newTag: 'sweep-1' }] });
  cases.push({ name: 'new', settings: [{ name: 'sweep-added', newName: `${REGISTRY}/added`, newTag: '1.2.3' }] });
  cases.push({
    name: 'digest',
    settings: [{ name: existing ?? 'sweep-added', newName: `${REGISTRY}/pinned`, digest: DIGEST }],
  });
  // `1.10` and `1` read as numbers in YAML 1.1 unless quoted; the second name sorts right after the first.
  if (existing) cases.push({ name: 'tag-only', settings: [{ name: existing, newTag: '1.10' }] });
  const first = existing ?? 'sweep-a';
  cases.push({
    name: 'two',
    settings: [
      { name: first, newName: `${REGISTRY}/first`, newTag: 'v2' },
      { name: `${first}-sweep`, newName: `${REGISTRY}/second`, newTag: '1' },
    ],
  });
  cases.push({
    name: 'two-digest',
    settings: [
      { name: first, digest: DIGEST },
      { name: `${first}-sweep`, newTag: 'on' },
    ],
  });

  const directory = dirname(file);
  const before = useKustomize ? await kustomizeBuild(directory) : undefined;
  if (before !== undefined) counts.built++;
  try {
    for (const sweepCase of cases) {
      writeFileSync(file, original);
      const imageArgs = sweepCase.settings.flatMap((setting) => ['--image', imageArgument(setting)]);
      const run = await runCli(directory, ['edit', '--dir', '.', ...imageArgs]);
      const record: RunRecord = {
        layout: 'kustomization',
        file: relative(root, file),
        case: sweepCase.name,
        args: imageArgs,
        class: 'ok',
        exitCode: run.code,
      };
      const failure = classifyExit(run);
      if (failure) Object.assign(record, failure);
      else {
        const edited = readFileSync(file, 'utf8');
        const problem =
          checkKustomization(original, edited, images, sweepCase) ??
          (before !== undefined ? await checkBuild(directory, before, sweepCase) : undefined);
        if (problem) Object.assign(record, { class: 'wrong', detail: problem });
      }
      records.push(record);
    }
  } finally {
    writeFileSync(file, original);
  }
}

function imageArgument(setting: Case['settings'][number]): string {
  return setting.newName ? `${setting.name}=${renderedImage(setting)}` : renderedImage(setting);
}

/** The image kustomize renders for a container whose image the setting matches. */
function renderedImage(setting: Case['settings'][number]): string {
  return `${setting.newName ?? setting.name}${setting.newTag ? `:${setting.newTag}` : ''}${setting.digest ? `@${setting.digest}` : ''}`;
}

/** kustomize's set-image on the parsed list, written from its documentation, sorted by name. */
function expectedImages(images: readonly Record<string, unknown>[], sweepCase: Case): unknown[] {
  const result: unknown[] = [];
  const done = new Set<string>();
  for (const entry of images) {
    const setting = sweepCase.settings.find((candidate) => candidate.name === entry?.name);
    if (!setting) result.push(entry);
    else if (!done.has(setting.name)) {
      done.add(setting.name);
      result.push(fresh(setting));
    }
  }
  for (const setting of sweepCase.settings) if (!done.has(setting.name)) result.push(fresh(setting));
  const nameOf = (entry: unknown) => String((entry as Record<string, unknown> | null)?.name ?? '');
  return result.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
}

function fresh(setting: Case['settings'][number]): Record<string, string> {
  return Object.fromEntries(Object.entries(setting).filter(([, value]) => value !== undefined));
}

function checkKustomization(
  original: string,
  edited: string,
  images: readonly Record<string, unknown>[],
  sweepCase: Case,
): string | undefined {
  const reparsed = parseStrictly(edited);
  if (typeof reparsed === 'string') return `the result does not parse: ${reparsed}`;
  const old = parseAllDocuments(original).map((doc) => doc.toJS());
  if (reparsed.length !== old.length) return `${old.length} documents became ${reparsed.length}`;
  const [newFirst, oldFirst] = [
    (reparsed[0] ?? {}) as Record<string, unknown>,
    (old[0] ?? {}) as Record<string, unknown>,
  ];
  const { images: newImages, ...newRest } = newFirst;
  const { images: _oldImages, ...oldRest } = oldFirst;
  if (!isDeepStrictEqual(newRest, oldRest) || !isDeepStrictEqual(reparsed.slice(1), old.slice(1)))
    return 'keys other than images changed';
  const expected = expectedImages(images, sweepCase);
  const nameOf = (entry: unknown) => String((entry as Record<string, unknown> | null)?.name ?? '');
  const got = Array.isArray(newImages)
    ? [...newImages].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0))
    : newImages;
  if (!isDeepStrictEqual(got, expected)) return `images ${JSON.stringify(got)} instead of ${JSON.stringify(expected)}`;
  // kustomize reads with go-yaml (YAML 1.1): what it reads must be the same strings.
  const yaml11 = parseAllDocuments(edited, { version: '1.1' }).map((doc) => doc.toJS());
  const images11 = (yaml11[0] as Record<string, unknown> | null)?.images;
  const got11 = Array.isArray(images11)
    ? [...images11].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0))
    : images11;
  if (!isDeepStrictEqual(got11, expected)) return `a YAML 1.1 reader sees images ${JSON.stringify(got11)}`;
  return undefined;
}

function parseStrictly(text: string): unknown[] | string {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return 'not a YAML stream';
  for (const doc of documents) {
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) return problem.message.split('\n')[0]!;
  }
  return documents.map((doc) => doc.toJS());
}

async function kustomizeBuild(directory: string): Promise<unknown[] | undefined> {
  const run = await runCommand('kubectl', ['kustomize', directory], directory, 30_000);
  if (run.code !== 0) return undefined;
  try {
    return parseAllDocuments(run.stdout).map((doc) => doc.toJS());
  } catch {
    return undefined;
  }
}

/** The edited directory builds, and only image fields changed, each to one of the references set. */
async function checkBuild(directory: string, before: unknown[], sweepCase: Case): Promise<string | undefined> {
  const run = await runCommand('kubectl', ['kustomize', directory], directory, 30_000);
  if (run.code !== 0) return `kustomize build fails after the edit: ${run.stderr.trim().split('\n').at(-1)}`;
  const after = parseAllDocuments(run.stdout).map((doc) => doc.toJS());
  if (after.length !== before.length) return `kustomize builds ${after.length} objects instead of ${before.length}`;
  const intended = new Set(sweepCase.settings.map(renderedImage));
  const differences: string[] = [];
  compare(before, after, '', differences);
  for (const difference of differences) {
    const [path, value] = difference.split('\u0000') as [string, string];
    if (!/\.image$/.test(path) || !intended.has(value)) return `kustomize builds ${path} = ${value}`;
  }
  counts.buildsCompared++;
  if (differences.length > 0) counts.buildsWithNewImages++;
  return undefined;
}

function compare(before: unknown, after: unknown, path: string, differences: string[]) {
  if (isDeepStrictEqual(before, after)) return;
  if (
    before &&
    after &&
    typeof before === 'object' &&
    typeof after === 'object' &&
    Array.isArray(before) === Array.isArray(after)
  ) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys)
      compare(
        (before as Record<string, unknown>)[key],
        (after as Record<string, unknown>)[key],
        `${path}.${key}`,
        differences,
      );
    return;
  }
  differences.push(`${path}\u0000${typeof after === 'string' ? after : JSON.stringify(after)}`);
}

// ---------------------------------------------------------------------------------------------- Helm values

interface HelmPlace {
  path: string;
  kind: 'keys' | 'full';
  current: string;
}

async function sweepHelmValues(root: string, file: string) {
  const original = readFileSync(file, 'utf8');
  const documents = parseAllDocuments(original);
  if (!Array.isArray(documents) || documents.length !== 1 || documents[0]!.errors.length > 0) return;
  const places: HelmPlace[] = [];
  findHelmImages(documents[0]!.toJS(), '', places);
  for (const place of places.slice(0, 3)) {
    const name = place.current.replace(/[@:].*$/, '') || 'image';
    // A new tag (which empties a digest written there) and a new digest (which leaves the tag).
    for (const [label, reference, fields] of [
      ['tag', `${REGISTRY}/helm:sweep-1`, { repository: `${REGISTRY}/helm`, tag: 'sweep-1', digest: '' }],
      ['digest', `${REGISTRY}/helm@${DIGEST}`, { repository: `${REGISTRY}/helm`, digest: DIGEST }],
    ] as const) {
      writeFileSync(file, original);
      const imageArgs = ['--image', `${name}=${reference}`];
      const run = await runCli(dirname(file), [
        'edit',
        '--helm-values',
        basename(file),
        '--helm-path',
        place.path,
        ...imageArgs,
      ]);
      const record: RunRecord = {
        layout: 'helm',
        file: relative(root, file),
        case: `${place.path} ${label}`,
        args: imageArgs,
        class: 'ok',
        exitCode: run.code,
      };
      const failure = classifyExit(run);
      if (failure) Object.assign(record, failure);
      else {
        // A full reference becomes the new one whole (kustomize's transformer: a digest drops the tag and back).
        const problem = checkScalarEdits(original, readFileSync(file, 'utf8'), (path, value) =>
          place.kind === 'full'
            ? path === `.${place.path}` && value === reference
            : Object.entries(fields).some(([key, wanted]) => path === `.${place.path}.${key}` && value === wanted),
        );
        if (problem) Object.assign(record, { class: 'wrong', detail: problem });
      }
      records.push(record);
    }
  }
  writeFileSync(file, original);
}

function findHelmImages(value: unknown, path: string, places: HelmPlace[]) {
  if (!value || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('.')) continue;
    const childPath = path ? `${path}.${key}` : key;
    if (
      child &&
      typeof child === 'object' &&
      !Array.isArray(child) &&
      typeof (child as Record<string, unknown>).repository === 'string' &&
      'tag' in child
    ) {
      places.push({ path: childPath, kind: 'keys', current: String((child as Record<string, unknown>).repository) });
    } else if (
      key === 'image' &&
      typeof child === 'string' &&
      /^[a-z0-9][\w./-]*(:[\w.-]+)?$/.test(child) &&
      child.includes(':')
    ) {
      places.push({ path: childPath, kind: 'full', current: child });
    } else findHelmImages(child, childPath, places);
  }
}

/** The result parses (as YAML 1.2 and as go-yaml's 1.1) and only the allowed scalars differ. */
function checkScalarEdits(
  original: string,
  edited: string,
  allowed: (path: string, value: string) => boolean,
): string | undefined {
  const reparsed = parseStrictly(edited);
  if (typeof reparsed === 'string') return `the result does not parse: ${reparsed}`;
  for (const version of ['1.2', '1.1'] as const) {
    const before = parseAllDocuments(original, { version }).map((doc) => doc.toJS());
    const after = parseAllDocuments(edited, { version }).map((doc) => doc.toJS());
    if (before.length !== after.length) return `${before.length} documents became ${after.length}`;
    const differences: string[] = [];
    compare(before, after, '', differences);
    for (const difference of differences) {
      const [path, value] = difference.split('\u0000') as [string, string];
      if (!allowed(path.replace(/^\.0/, ''), value)) return `YAML ${version}: ${path} became ${value}`;
    }
    if (differences.length === 0) return 'nothing changed';
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------ manifests

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Pod']);

async function sweepManifest(root: string, file: string): Promise<boolean> {
  const original = readFileSync(file, 'utf8');
  if (original.includes('{{') || !/^kind: *(Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|Pod)\s*$/m.test(original))
    return false;
  const documents = parseAllDocuments(original);
  if (!Array.isArray(documents) || documents.some((doc) => doc.errors.length > 0)) return false;
  const images = documents.flatMap((doc) => workloadImages(doc.toJS()));
  const image = images.find((candidate) => /^[a-z0-9][\w./-]*(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(candidate));
  if (!image) return false;
  const name = image.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  const replacement = `${REGISTRY}/manifest:sweep-1`;
  const imageArgs = ['--image', `${name}=${replacement}`];
  const run = await runCli(dirname(file), ['edit', '--file', basename(file), ...imageArgs]);
  const record: RunRecord = {
    layout: 'manifest',
    file: relative(root, file),
    case: name,
    args: imageArgs,
    class: 'ok',
    exitCode: run.code,
  };
  const failure = classifyExit(run);
  if (failure) Object.assign(record, failure);
  else {
    const edited = readFileSync(file, 'utf8');
    const problem =
      checkScalarEdits(
        original,
        edited,
        (path, value) => /\.(containers|initContainers)\.\d+\.image$/.test(path) && value === replacement,
      ) ??
      (parseAllDocuments(edited)
        .flatMap((doc) => workloadImages(doc.toJS()))
        .some((left) => left.replace(/@.*$/, '').replace(/:[^:/]*$/, '') === name)
        ? `an image named ${name} was left`
        : undefined);
    if (problem) Object.assign(record, { class: 'wrong', detail: problem });
  }
  writeFileSync(file, original);
  records.push(record);
  return true;
}

function workloadImages(document: unknown): string[] {
  const object = document as Record<string, any> | null;
  if (!object || typeof object !== 'object' || !WORKLOADS.has(object.kind)) return [];
  const spec =
    object.kind === 'Pod'
      ? object.spec
      : object.kind === 'Job'
        ? object.spec?.template?.spec
        : object.spec?.template?.spec;
  const containers = [
    ...(Array.isArray(spec?.containers) ? spec.containers : []),
    ...(Array.isArray(spec?.initContainers) ? spec.initContainers : []),
  ];
  return containers
    .map((container: Record<string, unknown> | null) => container?.image)
    .filter((image): image is string => typeof image === 'string');
}

// ------------------------------------------------------------------------------------------------ processes

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function classifyExit(run: Run): Pick<RunRecord, 'class' | 'detail'> | undefined {
  const firstError =
    run.stderr.split('\n').find((line) => line.startsWith('error:')) ?? run.stderr.trim().split('\n')[0] ?? '';
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(run.stderr) || (run.code !== 0 && run.code !== 1 && run.code !== 2))
    return { class: 'crash', detail: run.stderr.slice(0, 2000) };
  if (run.code === 0) return undefined;
  if (firstError.startsWith('error: internal')) return { class: 'internal', detail: firstError };
  return { class: 'refused', detail: firstError };
}

function runCli(cwd: string, cliArgs: string[]): Promise<Run> {
  return runCommand(process.execPath, [cli, ...cliArgs], cwd, 60_000);
}

function runCommand(command: string, commandArgs: string[], cwd: string, timeout: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, {
      cwd,
      timeout,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => resolve({ code: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function commandWorks(command: string, commandArgs: string[]): Promise<boolean> {
  return (await runCommand(command, commandArgs, process.cwd(), 10_000)).code === 0;
}

// ---------------------------------------------------------------------------------------------------- report

function report() {
  const classes: RunClass[] = ['ok', 'refused', 'internal', 'wrong', 'crash'];
  console.log(
    `repositories ${counts.repositories}, kustomizations ${counts.kustomizations} (${counts.built} built by kustomize before the edit), Helm values files ${counts.helmValues}, manifests ${counts.manifests}`,
  );
  console.log(
    `kustomize builds compared after an edit: ${counts.buildsCompared}, of which rendered new images: ${counts.buildsWithNewImages}`,
  );
  for (const layout of ['kustomization', 'helm', 'manifest'] as const) {
    const runs = records.filter((record) => record.layout === layout);
    console.log(
      `${layout}: ${runs.length} runs; ${classes.map((name) => `${name} ${runs.filter((record) => record.class === name).length}`).join(', ')}`,
    );
  }
  const reasons = new Map<string, number>();
  for (const record of records.filter((candidate) => candidate.class === 'refused')) {
    const reason = (record.detail ?? '').replace(/"[^"]*"|`[^`]*`|\S+\.ya?ml\S*|\d+/g, '…').slice(0, 140);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  console.log('refusals by reason:');
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${count}\t${reason}`);
  const bugs = records.filter(
    (record) => record.class === 'internal' || record.class === 'wrong' || record.class === 'crash',
  );
  console.log(`bugs: ${bugs.length}`);
  for (const bug of bugs.slice(0, 40))
    console.log(
      `  ${bug.class}\t${bug.layout}\t${bug.file}\t${bug.case}\t${(bug.detail ?? '').split('\n')[0]!.slice(0, 200)}`,
    );
  if (outFile)
    writeFileSync(
      outFile,
      records
        .filter((record) => record.class !== 'ok')
        .map((record) => JSON.stringify(record))
        .join('\n') + '\n',
    );
}

// Last, so that every declaration above is initialised before the sweep runs.
// Repositories are spread over the workers; within one, runs go one after another (overlays read bases).
const queue = [...roots];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let root = queue.shift(); root !== undefined; root = queue.shift()) await sweepRepository(root);
  }),
);
rmSync(scratch, { recursive: true, force: true });
report();
