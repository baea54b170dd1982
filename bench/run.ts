/**
 * `npm run bench`: how long a bump takes with gitops-image-bump, with the plain-git floor and with the
 * usual hand-written job, on a large GitOps repository served by the local GitLab-like server; how that
 * scales with a 10× larger repository; how concurrent releases fare; and where the time goes.
 *
 *   npm run bench                  20,000 files (~140 MB) and 200,000 files, 7 runs each
 *   npm run bench -- --quick       2,000 and 20,000 files, 3 runs (for development)
 *
 * Variant 1v runs the CLI with --verify-image require against the real distribution registry (token
 * auth through the server's /jwt/auth, the same latency added by a proxy), to price the verification.
 *
 * Options: --runs N; --files N; --scale N (the large repository has N × files; 0 skips it);
 * --large-job-runs N (variant 3 on the large repository only in the first N rounds, default 3: each
 * such run checks out 200,000 files); --writers N and --same-app N (the concurrency runs);
 * --cli FILE (another bundle as variant 1) and --cli-args 'ARGS' (extra arguments for it);
 * --latency MS (a delay the server adds to every answer, as a network would; repeat it for several,
 * default 0 and 25: the timing runs are repeated at each, variant 3 only at the first);
 * --no-timing, --no-concurrency, --no-analysis; --deadline MINUTES (the whole run, default 90).
 * An unknown option or a value that is not a whole number stops the run before anything is built.
 * Everything runs on 127.0.0.1, in one temporary directory that is removed at the end.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { $, echo } from 'zx';
import {
  requestKind,
  startGitLabServer,
  type GitLabServer,
  type RequestRecord,
} from '../test/support/gitlab-server.js';
import { chainLengthToLast } from '../test/support/request-chain.js';
import { git } from '../test/support/git.js';
import { REGISTRY } from '../test/support/gitops-repo.js';
import { CLI } from '../test/support/run-cli.js';
import { check, count, mb, median, ms, ratio, seconds, sum, table } from './format.js';
import { childrenCpuSeconds, cpuTimes } from './machine.js';
import { readBenchOptions } from './options.js';
import { startBenchRegistry, type BenchRegistry } from './registry.js';
import { APP_COUNT, appImage, appName, BRANCH, buildRepo, type BuiltRepo } from './repo.js';
import {
  describeRequest,
  readProbe,
  readTrace,
  recordRequests,
  shownCommand,
  writeTraceConfig,
  type GitProcess,
  type Probe,
  type RequestTiming,
} from './trace.js';
import {
  killRunning,
  newScratch,
  processEnv,
  runVariant,
  scratchDir,
  VARIANT_TITLES,
  VARIANTS,
  type BenchEnv,
  type RunResult,
  type Target,
  type VariantName,
} from './variants.js';

const options = readBenchOptions(process.argv.slice(2), CLI);
const OVERLAY = 'prod';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));

// ---------------------------------------------------------------------------------------------- helpers

function tagsIn(text: string): Map<string, string | undefined> {
  const images = (parse(text) as { images?: { name: string; newTag?: string }[] }).images ?? [];
  return new Map(images.map((entry) => [entry.name, entry.newTag]));
}

async function serverOverlay(server: GitLabServer, project: string): Promise<string> {
  return git(['cat-file', 'blob', `refs/heads/${BRANCH}:manifests/overlays/${OVERLAY}/kustomization.yaml`], {
    cwd: server.repoPath(project),
    raw: true,
  });
}

function failure(what: string, result: RunResult): Error {
  return new Error(`${what} failed (exit ${result.exitCode}):\n${result.stderr.trim() || result.stdout.trim()}`);
}

// ------------------------------------------------------------------------------------------------ setup

const scratch = newScratch();
const home = scratchDir({ scratch }, 'home');
// The bundle is copied first, so that a rebuild during the run cannot mix two versions.
const bundle = join(scratch, 'image-bump.mjs');
copyFileSync(options.cli, bundle);
const bench: BenchEnv = { scratch, cli: bundle, home, timeoutMs: 10 * 60_000 };
let server: GitLabServer | undefined;
let registry: BenchRegistry | undefined;
let closing: Promise<void> | undefined;

function cleanUp(): Promise<void> {
  closing ??= (async () => {
    await killRunning();
    await registry?.stop().catch(() => {});
    await server?.close().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
  })();
  return closing;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}
const deadline = setTimeout(() => {
  echo(`bench: deadline of ${options.deadlineMinutes} minutes reached; stopping`);
  void cleanUp().finally(() => process.exit(1));
}, options.deadlineMinutes * 60_000);
deadline.unref();

interface Repo {
  label: string;
  project: string;
  token: string;
  built: BuiltRepo;
  target: Target;
}

let tagCounter = 0;
/** A tag higher than any set before (the downgrade guard refuses lower ones). */
const nextTag = () => `v2.0.${++tagCounter}`;

/** A Developer project access token of `project` that may push and pull its images (variant 1v). */
function addBenchToken(gitlab: GitLabServer, project: string): string {
  const token = `glpat-bench-${project.replace(/\W/g, '-')}-7f3a9c`;
  gitlab.addToken({
    value: token,
    kind: 'project',
    scopes: ['write_repository', 'read_registry'],
    projects: [project],
    role: 30,
  });
  return token;
}

async function createRepo(gitlab: GitLabServer, project: string, files: number, label: string): Promise<Repo> {
  await gitlab.createProject(project, { defaultBranch: BRANCH });
  const built = await buildRepo(gitlab.repoPath(project), files, 60 * 60_000);
  const token = addBenchToken(gitlab, project);
  echo(
    `built ${project}: ${count(files)} filler files in ${built.commits} commits, tip ${mb(built.tipBytes)}, pack ${mb(built.packBytes)}, in ${built.seconds.toFixed(1)} s`,
  );
  return {
    label,
    project,
    token,
    built,
    target: { serverUrl: gitlab.url, project, token, overlay: OVERLAY, registryHost: registry?.host },
  };
}

/** A new project sharing `source`'s objects (alternates) at its current tip: a copy in milliseconds. */
async function forkRepo(gitlab: GitLabServer, source: Repo, project: string): Promise<Repo> {
  const gitDir = await gitlab.createProject(project, { defaultBranch: BRANCH });
  writeFileSync(join(gitDir, 'objects/info/alternates'), `${join(gitlab.repoPath(source.project), 'objects')}\n`);
  const tip = await git(['rev-parse', `refs/heads/${BRANCH}`], { cwd: gitlab.repoPath(source.project) });
  await git(['update-ref', `refs/heads/${BRANCH}`, tip], { cwd: gitDir });
  const token = addBenchToken(gitlab, project);
  return { ...source, project, token, target: { ...source.target, project, token } };
}

// ------------------------------------------------------------------------------------------------ timing

type Times = Record<VariantName, number[]>;

/** Per run: requests in all, and requests on the critical path (see roundTrips). */
type Requests = Record<VariantName, { total: number[]; critical: number[] }>;

/**
 * The git requests of one run the push had to wait for: the longest chain of requests, each sent only
 * after the one before it was answered, that ends with the push's upload. The API request (the token
 * expiry lookup) is left out of the chain: it is sent once the clone is done and never waited for.
 */
function roundTrips(requests: readonly RequestRecord[]): { total: number; critical: number } {
  const git = requests.filter((r) => requestKind(r) !== 'api');
  return { total: requests.length, critical: chainLengthToLast(git, (r) => requestKind(r) === 'receive-pack') };
}

/** N rounds of the three variants, interleaved (rotating the order) so they share the machine's noise. */
async function measure(
  gitlab: GitLabServer,
  repo: Repo,
  runs: number,
  jobRuns: number,
  latencyMs: number,
): Promise<{ times: Times; requests: Requests }> {
  gitlab.setLatency(latencyMs);
  registry?.setLatency(latencyMs);
  const times: Times = { cli: [], verified: [], floor: [], job: [] };
  const requests: Requests = {
    cli: { total: [], critical: [] },
    verified: { total: [], critical: [] },
    floor: { total: [], critical: [] },
    job: { total: [], critical: [] },
  };
  for (let round = -1; round < runs; round++) {
    // Variant 3 runs in the first `jobRuns` rounds only (and warms up only when it runs in every round).
    const jobThisRound = round < 0 ? jobRuns === runs : round < jobRuns;
    const order = VARIANTS.map((_, i) => VARIANTS[(i + Math.max(round, 0)) % VARIANTS.length]!).filter(
      (v) => v !== 'job' || jobThisRound,
    );
    const shown: string[] = [];
    for (const variant of order) {
      const tag = nextTag();
      // Variant 1v gives its app a newName (the bench registry), which the sed of 2 and 3 would not expect.
      const app = variant === 'verified' ? 2 : 1;
      if (variant === 'verified') await registry!.push(`${repo.project}/${appName(app)}`, tag);
      const since = gitlab.requests.length;
      const result = await runVariant(variant, bench, repo.target, appName(app), tag, { cliArgs: options.cliArgs });
      const counted = roundTrips(gitlab.requests.slice(since));
      if (result.exitCode !== 0) throw failure(`${variant} on ${repo.project}`, result);
      const landed = tagsIn(await serverOverlay(gitlab, repo.project)).get(appImage(app));
      if (landed !== tag)
        throw new Error(`${variant} on ${repo.project}: expected ${tag} on the server, found ${landed}`);
      if (round >= 0) {
        times[variant].push(result.ms);
        requests[variant].total.push(counted.total);
        requests[variant].critical.push(counted.critical);
      }
      shown.push(`${variant} ${seconds(result.ms)} (${counted.critical}/${counted.total} requests)`);
    }
    echo(
      `  ${repo.label}, ${latencyMs} ms latency: ${round < 0 ? 'warm-up' : `round ${round + 1}/${runs}`}: ${shown.join(', ')}`,
    );
  }
  return { times, requests };
}

interface Memory {
  /** Peak RSS of the node process itself. */
  nodeKb: number;
  /** Peak RSS of the largest process of the tree (node or one of its git processes), if /usr/bin/time exists. */
  treeKb?: number;
}

/** The highest peak RSS of three extra runs (not timed). */
async function peakMemory(repo: Repo): Promise<Memory> {
  const probeFile = join(scratch, 'probe-rss.json');
  const timeFile = join(scratch, 'time-rss.txt');
  const peak: Memory = { nodeKb: 0, treeKb: TIME ? 0 : undefined };
  for (let i = 0; i < 3; i++) {
    const result = await runVariant('cli', bench, repo.target, appName(1), nextTag(), {
      env: { BENCH_PROBE_FILE: probeFile },
      nodeArgs: ['--import', PROBE],
      cliArgs: options.cliArgs,
      wrapper: TIME ? [TIME, '-f', '%M', '-o', timeFile] : [],
    });
    if (result.exitCode !== 0) throw failure('memory run', result);
    peak.nodeKb = Math.max(peak.nodeKb, readProbe(probeFile).maxRssKb);
    if (TIME) peak.treeKb = Math.max(peak.treeKb!, Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)));
  }
  return peak;
}

// ------------------------------------------------------------------------------------------- concurrency

interface RaceResult {
  writers: number;
  exitedZero: number;
  refusedDowngrade: number;
  otherFailures: string[];
  wallMs: number;
  /** Different apps: how many of the bumps are in the final file. */
  landed: number;
  /** The tag of the first bump's app at the end (same-app run: should be the highest). */
  finalTag?: string;
  expectedTag?: string;
  commits: number;
  /** Push attempts of the processes that pushed. */
  attempts: number[];
  /** Server side: ref advertisements for push, pack uploads (push POSTs), fetch requests (upload-pack POSTs). */
  pushAdvertisements: number;
  pushUploads: number;
  fetchPosts: number;
  /** The slowest initial clone, as its log section reports it. */
  slowestCloneMs: number;
  /** Share of the machine's CPU time that was busy during the run. */
  cpuBusy: number;
  /** CPU seconds used by the CLI process trees (node and their git processes), and by everything else this benchmark ran: the server. */
  cliCpu: number;
  serverCpu: number;
  /** Requests the server answered during the run (hooks' callbacks excepted). */
  requests: number;
  /** Median of single bumps of the same repository, run alone just before the race. */
  oneBumpMs: number;
}

async function branchLength(gitlab: GitLabServer, project: string): Promise<number> {
  return Number(await git(['rev-list', '--count', `refs/heads/${BRANCH}`], { cwd: gitlab.repoPath(project) }));
}

/** The median of three bumps of `repo` run one after another: what one writer costs alone, in this run. */
async function oneBump(repo: Repo, app: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const result = await runVariant('cli', bench, repo.target, app, `v4.0.${++tagCounter}`, {
      cliArgs: options.cliArgs,
    });
    if (result.exitCode !== 0) throw failure('single bump before the race', result);
    times.push(result.ms);
  }
  return median(times);
}

async function race(gitlab: GitLabServer, repo: Repo, bumps: { app: string; tag: string }[]): Promise<RaceResult> {
  const oneBumpMs = await oneBump(repo, appName(APP_COUNT - 1));
  const before = await branchLength(gitlab, repo.project);
  const recorder = recordRequests(gitlab);
  const cpuBefore = cpuTimes();
  const childrenBefore = childrenCpuSeconds();
  const ownBefore = process.cpuUsage();
  const timeFiles = bumps.map((_, i) => join(scratch, `race-time-${i}.txt`));
  const started = performance.now();
  const results = await Promise.all(
    bumps.map(({ app, tag }, i) =>
      runVariant('cli', bench, repo.target, app, tag, {
        cliArgs: options.cliArgs,
        wrapper: TIME ? [TIME, '-f', '%U %S', '-o', timeFiles[i]!] : [],
      }),
    ),
  );
  const wallMs = performance.now() - started;
  const cpuAfter = cpuTimes();
  const own = process.cpuUsage(ownBefore);
  const cliCpu = TIME
    ? sum(timeFiles.map((file) => sum(readFileSync(file, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number))))
    : NaN;
  const serverCpu = childrenCpuSeconds() - childrenBefore - cliCpu + (own.user + own.system) / 1e6;
  recorder.stop();
  const requests = recorder.requests.filter((r) => !r.hook);
  const fetchPosts = requests.filter((r) => r.method === 'POST' && r.service === 'git-upload-pack');
  const cloneSeconds = results
    .map((r) => Number(/^Clone .* \((\d+(?:\.\d+)?) s\)$/m.exec(r.stdout)?.[1] ?? NaN))
    .filter((n) => !Number.isNaN(n));
  const tags = tagsIn(await serverOverlay(gitlab, repo.project));
  const refused = (r: RunResult) => r.exitCode === 1 && /refusing to downgrade/.test(r.stderr);
  return {
    writers: bumps.length,
    exitedZero: results.filter((r) => r.exitCode === 0).length,
    refusedDowngrade: results.filter(refused).length,
    otherFailures: results
      .filter((r) => r.exitCode !== 0 && !refused(r))
      .map((r) => `exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0]}`),
    wallMs,
    landed: bumps.filter(({ app, tag }) => tags.get(`${REGISTRY}/${app}`) === tag).length,
    finalTag: tags.get(`${REGISTRY}/${bumps[0]!.app}`),
    commits: (await branchLength(gitlab, repo.project)) - before,
    pushAdvertisements: requests.filter((r) => r.method === 'GET' && r.service === 'git-receive-pack').length,
    pushUploads: requests.filter((r) => r.method === 'POST' && r.service === 'git-receive-pack').length,
    fetchPosts: fetchPosts.length,
    requests: requests.length,
    oneBumpMs,
    cpuBusy: (cpuAfter.busy - cpuBefore.busy) / Math.max(1, cpuAfter.total - cpuBefore.total),
    cliCpu,
    serverCpu,
    slowestCloneMs: cloneSeconds.length ? Math.max(...cloneSeconds) * 1000 : NaN,
    attempts: results
      .filter((r) => r.exitCode === 0 && /^bumped /m.test(r.stdout))
      .map((r) => Number(/after (\d+) attempts\)\s*$/.exec(r.stdout)?.[1] ?? 1)),
  };
}

// ---------------------------------------------------------------------------------------------- analysis

interface TracedRun {
  variant: VariantName;
  wallMs: number;
  /** Epoch ms at which the measured process started (the CLI's own clock; the shell's start otherwise). */
  origin: number;
  git: GitProcess[];
  requests: RequestTiming[];
  probe?: Probe;
}

async function tracedRun(gitlab: GitLabServer, repo: Repo, variant: VariantName): Promise<TracedRun> {
  const traceHome = scratchDir(bench, 'trace-home');
  const traceDir = scratchDir(bench, 'trace');
  writeTraceConfig(traceHome, traceDir);
  const probeFile = join(scratch, 'probe-trace.json');
  const recorder = recordRequests(gitlab);
  const origin = performance.timeOrigin + performance.now();
  const isCli = variant === 'cli';
  const result = await runVariant(
    variant,
    { ...bench, home: traceHome },
    repo.target,
    appName(1),
    nextTag(),
    isCli ? { env: { BENCH_PROBE_FILE: probeFile }, nodeArgs: ['--import', PROBE], cliArgs: options.cliArgs } : {},
  );
  recorder.stop();
  if (result.exitCode !== 0) throw failure(`traced ${variant}`, result);
  const probe = isCli ? readProbe(probeFile) : undefined;
  return {
    variant,
    wallMs: result.ms,
    origin: probe?.origin ?? origin,
    git: readTrace(traceDir),
    requests: recorder.requests.map((r) => ({
      ...r,
      start: r.start + performance.timeOrigin,
      end: r.end + performance.timeOrigin,
    })),
    probe,
  };
}

/** Times of `node -e 0` and `node <bundle> --version`: what starting the CLI costs before any work. */
async function startupCost(): Promise<{ bareMs: number; versionMs: number }> {
  const bare: number[] = [];
  const version: number[] = [];
  const sh = $({ env: processEnv(bench), quiet: true, timeout: 30_000 });
  for (let i = 0; i < 9; i++) {
    let started = performance.now();
    await sh`${process.execPath} -e 0`;
    bare.push(performance.now() - started);
    started = performance.now();
    await sh`${process.execPath} ${bench.cli} --version`;
    version.push(performance.now() - started);
  }
  return { bareMs: median(bare), versionMs: median(version) };
}

function topLevel(run: TracedRun): GitProcess[] {
  const sids = new Set(run.git.map((p) => p.sid));
  return run.git.filter((p) => !p.parent || !sids.has(p.parent));
}

function descendants(run: TracedRun, root: GitProcess): GitProcess[] {
  return run.git.filter((p) => p.sid.startsWith(`${root.sid}/`));
}

function requestsDuring(run: TracedRun, from: number, to: number): RequestTiming[] {
  return run.requests.filter((r) => r.start >= from - 1 && r.start <= to + 1);
}

/** One row per top-level git command: when, how long, what it started, what the server did meanwhile. */
function describeRun(run: TracedRun): string {
  const commands = topLevel(run);
  const rows = commands.map((p) => {
    const children = descendants(run, p);
    const requests = requestsDuring(run, p.start, p.end);
    const names = [...new Set(children.map((c) => c.name || c.argv[0] || '?'))];
    return [
      `\`${shownCommand(p.argv).slice(0, 80)}\``,
      ms(p.start - run.origin),
      ms(p.end - p.start),
      `${children.length}${names.length ? ` (${names.join(', ')})` : ''}`,
      requests.map(describeRequest).join('; ') || '–',
      requests.length ? ms(sum(requests.map((r) => r.end - r.start))) : '–',
    ];
  });
  const gitMs = sum(commands.map((p) => p.end - p.start));
  const gitRequests = run.requests.filter((r) => !r.hook);
  return [
    table(['git command', 'starts at', 'takes', 'git sub-processes', 'server requests during it', 'server time'], rows),
    '',
    `${run.variant}: wall ${ms(run.wallMs)}; ${commands.length} git commands, ${run.git.length} git processes in all; ` +
      `${ms(gitMs)} inside git commands, ${ms(run.wallMs - gitMs)} outside them; ` +
      `${gitRequests.length} HTTP requests taking ${ms(sum(gitRequests.map((r) => r.end - r.start)))} of server time, ${run.requests.length - gitRequests.length} hook callback(s).`,
  ].join('\n');
}

/** The CLI's own view: JS time before each git call (0 when it overlaps another), the call, whether it wrote anything. */
function describeProbe(probe: Probe): string {
  const rows: string[][] = [['node start-up (to the bundle)', '–', ms(probe.preloaded), '']];
  let busyUntil = probe.preloaded;
  let inGit = 0;
  for (const spawn of probe.spawns) {
    // Git runs under GNU `timeout` (`timeout --kill-after=2 62s git …`); `-c name=value` pairs (the
    // credential header among them) are configuration, not the command.
    const gitArgs = /(^|\/)timeout$/.test(spawn.command) ? spawn.args.slice(spawn.args.indexOf('git') + 1) : spawn.args;
    const args = gitArgs.filter((a, i, all) => a !== '-c' && all[i - 1] !== '-c' && !/extraHeader/i.test(a));
    const end = spawn.end ?? spawn.start;
    const overlaps = spawn.start < busyUntil;
    rows.push([
      `\`git ${args.slice(0, 3).join(' ')}\``,
      overlaps ? 'runs beside the previous call' : ms(spawn.start - busyUntil),
      ms(end - spawn.start),
      spawn.outputBytes === 0 ? 'nothing' : `${spawn.outputBytes} B`,
    ]);
    inGit += Math.max(0, end - Math.max(spawn.start, busyUntil));
    busyUntil = Math.max(busyUntil, end);
  }
  rows.push(['exit', ms(Math.max(0, probe.exit - busyUntil)), '–', '']);
  const silent = probe.spawns.filter((s) => s.outputBytes === 0).length;
  return [
    table(['step', 'JS time before it', 'git process (spawn → exit)', 'output'], rows),
    '',
    `CLI process: ${ms(probe.exit)} from start to exit; ${ms(inGit)} with a git process running, ${ms(probe.exit - inGit)} without ` +
      `(${ms(probe.spawns[0]?.start ?? 0)} before the first git call); ${probe.spawns.length} git calls, ${silent} of them wrote nothing; ` +
      `CPU ${ms(probe.userMs)} user + ${ms(probe.systemMs)} system.`,
  ].join('\n');
}

async function analyse(gitlab: GitLabServer, repo: Repo, withStartup: boolean): Promise<string> {
  const out: string[] = [];
  if (withStartup) {
    const startup = await startupCost();
    out.push(
      `Start-up: \`node -e 0\` ${ms(startup.bareMs)}; \`node image-bump.mjs --version\` ${ms(startup.versionMs)} (loading and evaluating the bundle ≈ ${ms(startup.versionMs - startup.bareMs)}).`,
      '',
    );
  }
  // Three traced runs of each; the median one (by wall time) is shown.
  const pick = async (variant: VariantName) => {
    const runs: TracedRun[] = [];
    for (let i = 0; i < 3; i++) runs.push(await tracedRun(gitlab, repo, variant));
    return runs.sort((a, b) => a.wallMs - b.wallMs)[1]!;
  };
  const cli = await pick('cli');
  const floor = await pick('floor');
  out.push('#### gitops-image-bump push, as the CLI sees it', '', describeProbe(cli.probe!));
  out.push('', '#### gitops-image-bump push, as git and the server see it', '', describeRun(cli));
  out.push('', '#### raw-git floor, as git and the server see it', '', describeRun(floor));
  return out.join('\n');
}

// ------------------------------------------------------------------------------------------------ report

/** The timing table of one latency: wall times, round trips, the targets. */
function timingReport(
  results: readonly { latencyMs: number; repo: Repo; times: Times; requests: Requests; memory?: Memory }[],
): string[] {
  const latencyMs = results[0]!.latencyMs;
  const two = results.length === 2;
  const head = [
    `${latencyMs} ms added to every answer`,
    ...results.map(
      (r) =>
        `${r.repo.label}, ${r.repo.built.commits} commits (tip ${mb(r.repo.built.tipBytes)}, pack ${mb(r.repo.built.packBytes)})`,
    ),
  ];
  if (two) head.push(`${results[1]!.repo.label} / ${results[0]!.repo.label}`);
  const pad = two ? [''] : [];
  const cell = (times: number[]) =>
    times.length === 0
      ? '–'
      : `${seconds(median(times))} (${seconds(Math.min(...times))}–${seconds(Math.max(...times))}${times.length !== options.runs ? `, ${times.length} runs` : ''})`;
  const rows: string[][] = VARIANTS.filter((variant) => results.some((r) => r.times[variant].length > 0)).map(
    (variant) => {
      const row = [VARIANT_TITLES[variant], ...results.map((r) => cell(r.times[variant]))];
      if (two) row.push(ratio(median(results[1]!.times[variant]), median(results[0]!.times[variant])));
      return row;
    },
  );
  const wallTarget = latencyMs > 0 ? 1.1 : 1.2;
  rows.push([
    `1 / 2 (target ≤ ${wallTarget.toFixed(2)}×)`,
    ...results.map(
      (r) =>
        `${ratio(median(r.times.cli), median(r.times.floor))} ${check(median(r.times.cli) / median(r.times.floor) <= wallTarget)}`,
    ),
    ...pad,
  ]);
  rows.push([
    '1v / 1, verified / unverified (target ≤ 1.10×)',
    ...results.map(
      (r) =>
        `${ratio(median(r.times.verified), median(r.times.cli))} ${check(median(r.times.verified) / median(r.times.cli) <= 1.1)}`,
    ),
    ...pad,
  ]);
  const requestsCell = (r: (typeof results)[number], kind: 'critical' | 'total', slack: number) => {
    const cli = median(r.requests.cli[kind]);
    const floor = median(r.requests.floor[kind]);
    return `${cli} / ${floor} (${Math.min(...r.requests.cli[kind])}–${Math.max(...r.requests.cli[kind])} / ${Math.min(...r.requests.floor[kind])}–${Math.max(...r.requests.floor[kind])}) ${check(cli <= floor + slack)}`;
  };
  rows.push([
    'requests on the critical path, 1 / 2, median (min–max) (target ≤ the floor’s)',
    ...results.map((r) => requestsCell(r, 'critical', 0)),
    ...pad,
  ]);
  rows.push([
    'requests in all, 1 / 2, median (min–max) (target ≤ floor + 2)',
    ...results.map((r) => requestsCell(r, 'total', 2)),
    ...pad,
  ]);
  if (results.every((r) => r.times.job.length > 0))
    rows.push(['3 / 1', ...results.map((r) => ratio(median(r.times.job), median(r.times.cli))), ...pad]);
  if (results.every((r) => r.memory))
    rows.push([
      'peak RSS of the CLI: node process / largest process of its tree',
      ...results.map(
        (r) =>
          `${(r.memory!.nodeKb / 1024).toFixed(0)} MB / ${r.memory!.treeKb ? `${(r.memory!.treeKb / 1024).toFixed(0)} MB` : 'n/a'}`,
      ),
      ...pad,
    ]);
  const lines = [
    `Median wall time of interleaved runs (min–max), one real bump and push each, ${latencyMs} ms added by the server to every answer; ${options.runs} runs unless noted:`,
    '',
    table(head, rows),
  ];
  if (two) {
    const scaling = median(results[1]!.times.cli) / median(results[0]!.times.cli);
    lines.push(
      '',
      `Scaling of variant 1 at ${latencyMs} ms (10× repository / 1× repository): ${scaling.toFixed(2)}× (target ≤ 1.2×: ${check(scaling <= 1.2)}).`,
    );
  }
  return lines;
}

// -------------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const gitVersion = (await $`git --version`.quiet()).stdout.trim().replace(/^git version /, '');
  const cores = (await $`nproc`.quiet()).stdout.trim();
  const bundleHash = createHash('sha256').update(readFileSync(bundle)).digest('hex').slice(0, 12);
  const machine = `${cores} cores, Node ${process.version}, git ${gitVersion}`;
  const loadAtStart = loadavg()[0]!.toFixed(2);
  echo(
    `gitops-image-bump benchmark: ${machine}; bundle ${options.cli} (sha256 ${bundleHash}); ${options.runs} runs; load average ${loadAtStart}`,
  );
  mkdirSync(join(scratch, 'tmp'));
  server = await startGitLabServer();
  const gitlab = server;
  registry = await startBenchRegistry(gitlab);

  const repos = [await createRepo(gitlab, 'team/gitops', options.files, `${count(options.files)} files`)];
  if (options.scale > 0 && (options.timing || options.analysis)) {
    repos.push(
      await createRepo(
        gitlab,
        'team/gitops-large',
        options.files * options.scale,
        `${count(options.files * options.scale)} files`,
      ),
    );
  }
  // The hand-written job and the memory runs only at the first latency: they do not depend on it.
  const results: { latencyMs: number; repo: Repo; times: Times; requests: Requests; memory?: Memory }[] = [];
  if (options.timing) {
    for (const [l, latencyMs] of options.latenciesMs.entries()) {
      for (const [i, repo] of repos.entries()) {
        const jobRuns = l > 0 ? 0 : i === 0 ? options.runs : Math.min(options.runs, options.largeJobRuns);
        const measured = await measure(gitlab, repo, options.runs, jobRuns, latencyMs);
        results.push({ latencyMs, repo, ...measured, memory: l === 0 ? await peakMemory(repo) : undefined });
      }
    }
    gitlab.setLatency(0);
  }

  const races: { different?: RaceResult; same?: RaceResult } = {};
  if (options.concurrency) {
    const different = await forkRepo(gitlab, repos[0]!, 'team/gitops-race');
    const bumps = Array.from({ length: options.writers }, (_, i) => ({
      app: appName((i % APP_COUNT) + 1),
      tag: `v5.${i}.0`,
    }));
    echo(`concurrency: ${options.writers} writers, a different app each…`);
    races.different = await race(gitlab, different, bumps);
    const same = await forkRepo(gitlab, repos[0]!, 'team/gitops-race-same');
    // Started in a shuffled order, so that the highest version is not simply the last one started.
    const versions = Array.from({ length: options.sameApp }, (_, i) => i + 1).sort(
      (a, b) => ((a * 7) % 11) - ((b * 7) % 11),
    );
    echo(
      `concurrency: ${options.sameApp} writers, the same app (versions started in the order ${versions.join(', ')})…`,
    );
    races.same = await race(
      gitlab,
      same,
      versions.map((v) => ({ app: appName(APP_COUNT), tag: `v6.0.${v}` })),
    );
    races.same.expectedTag = `v6.0.${options.sameApp}`;
  }

  const analyses: string[] = [];
  if (options.analysis) {
    for (const [i, repo] of repos.entries()) {
      echo(`analysis: traced runs on ${repo.label}…`);
      analyses.push(`### Where the time goes: ${repo.label}`, '', await analyse(gitlab, repo, i === 0), '');
    }
  }

  // ------------------------------------------------------------------------------------------ report
  const lines: string[] = [
    '',
    `## Results (${machine}; bundle sha256 ${bundleHash}; 1-minute load average ${loadAtStart} at the start, ${loadavg()[0]!.toFixed(2)} at the end)`,
    '',
  ];
  for (const latencyMs of new Set(results.map((r) => r.latencyMs))) {
    lines.push(...timingReport(results.filter((r) => r.latencyMs === latencyMs)), '');
  }
  if (races.different && races.same) {
    const d = races.different;
    const s = races.same;
    const attempts = (r: RaceResult) =>
      `${r.attempts.length ? `attempts per pushing process ${Math.min(...r.attempts)}–${Math.max(...r.attempts)} (median ${median(r.attempts)}, mean ${(sum(r.attempts) / r.attempts.length).toFixed(1)})` : 'none pushed'}; ` +
      `${r.commits ? (r.requests / r.commits).toFixed(1) : '–'} requests per landed bump (${r.requests} in all); ` +
      `server saw ${r.pushAdvertisements} push attempts, ${r.pushUploads} pack uploads, ${r.fetchPosts} upload-pack POSTs; slowest clone ${seconds(r.slowestCloneMs)}; CPU ${(100 * r.cpuBusy).toFixed(0)}% busy: ${r.cliCpu.toFixed(1)} s in the CLI processes, ${r.serverCpu.toFixed(1)} s in the server`;
    lines.push(
      '',
      table(
        [
          'concurrency run (same overlay, same branch)',
          'exit 0',
          'on the server',
          'how',
          'wall time (N × one bump alone, same run)',
          'target',
        ],
        [
          [
            `${d.writers} CLI processes, a different app each`,
            `${d.exitedZero}/${d.writers}`,
            `${d.landed}/${d.writers} bumps in the final file, ${d.commits} commits`,
            attempts(d),
            `${seconds(d.wallMs)} (${d.writers} × ${seconds(d.oneBumpMs)} = ${seconds(d.writers * d.oneBumpMs)})`,
            `all land, wall ≤ ${d.writers} × one bump, mean attempts ≤ 3: ${check(
              d.exitedZero === d.writers &&
                d.landed === d.writers &&
                d.wallMs <= d.writers * d.oneBumpMs &&
                sum(d.attempts) / Math.max(1, d.attempts.length) <= 3,
            )}`,
          ],
          [
            `${s.writers} CLI processes, the same app, ${s.writers} versions`,
            `${s.exitedZero}/${s.writers}; ${s.refusedDowngrade} refused a downgrade (exit 1)`,
            `final ${s.finalTag}, ${s.commits} commits`,
            attempts(s),
            `${seconds(s.wallMs)} (${s.writers} × ${seconds(s.oneBumpMs)} = ${seconds(s.writers * s.oneBumpMs)})`,
            `ends at ${s.expectedTag}: ${check(s.finalTag === s.expectedTag && s.otherFailures.length === 0)}`,
          ],
        ],
      ),
    );
    for (const failed of [...d.otherFailures, ...s.otherFailures]) lines.push(`- unexpected failure: ${failed}`);
  }
  if (analyses.length) lines.push('', ...analyses);
  echo(lines.join('\n'));
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  echo(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanUp();
}
