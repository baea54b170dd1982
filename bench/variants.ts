/**
 * The three ways of bumping one image that the benchmark compares, each run as one shell command
 * (so each pays for exactly one shell) in a fresh directory, with an environment built from nothing:
 *
 * 1. `cli`: gitops-image-bump push --verify-image off, the built bundle, as a process;
 * 1v. `verified`: the same with `--verify-image require`, the new image in a token-auth registry;
 * 2. `floor`: the same minimal clone with plain git (blobless, depth 1, cone sparse checkout of the one
 *    overlay with a sparse index, auto-maintenance off as in the CLI), sed, commit, push;
 * 3. `job`: the usual hand-written job: `git clone --depth 20` with a full checkout, sed, commit, push.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, type ProcessOutput, type ProcessPromise } from 'zx';
import { basicAuth } from '../test/support/git.js';
import { REGISTRY } from '../test/support/gitops-repo.js';
import { BRANCH } from './repo.js';

export type VariantName = 'cli' | 'verified' | 'floor' | 'job';
export const VARIANTS: readonly VariantName[] = ['cli', 'verified', 'floor', 'job'];
export const VARIANT_TITLES: Record<VariantName, string> = {
  cli: '1. `gitops-image-bump push --verify-image off`',
  verified: '1v. the same, `--verify-image require` (token-auth registry, same latency)',
  floor: '2. raw-git floor (blobless, depth 1, cone sparse checkout, sparse index)',
  job: '3. hand-written job (`clone --depth 20`, full checkout)',
};

export const AUTHOR = { name: 'Release Pipeline', email: 'release@example.com' };

export interface Target {
  serverUrl: string;
  project: string;
  token: string;
  overlay: string;
  /** Variant 1v: the registry (host:port) holding `<project>/<app>:<tag>`, logged in to as CI_REGISTRY. */
  registryHost?: string;
}

export interface BenchEnv {
  /** Scratch space of this benchmark run; removed at the end. */
  scratch: string;
  /** The bundle to run as variant 1. */
  cli: string;
  /** HOME of every process (empty, or holding the trace2 config for analysis runs). */
  home: string;
  timeoutMs: number;
}

export interface RunResult {
  ms: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** PATH, an empty HOME, a TMPDIR inside the scratch space and a locale: no user or CI configuration reaches any variant. */
export function processEnv(bench: BenchEnv, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: bench.home,
    TMPDIR: join(bench.scratch, 'tmp'),
    LANG: 'C.UTF-8',
    ...extra,
  };
}

const gitIdentity = {
  GIT_AUTHOR_NAME: AUTHOR.name,
  GIT_AUTHOR_EMAIL: AUTHOR.email,
  GIT_COMMITTER_NAME: AUTHOR.name,
  GIT_COMMITTER_EMAIL: AUTHOR.email,
};

/** The sed program that sets `newTag` of one `images:` entry (the line after its `- name:`). */
function sedSetTag(image: string, tag: string): string {
  const escaped = image.replace(/[/.]/g, '\\$&');
  return `/name: ${escaped}\\b/{n;s/newTag: .*/newTag: ${tag}/}`;
}

function message(app: string, tag: string): string {
  return `[auto ci] Update ${app} image to ${REGISTRY}/${app}:${tag}`;
}

function finish(started: number, output: ProcessOutput): RunResult {
  return {
    ms: performance.now() - started,
    exitCode: output.exitCode ?? -1,
    stdout: output.stdout,
    stderr: output.stderr,
  };
}

/** Every command still running, so that a stopped benchmark can kill what it started. */
const running = new Set<ProcessPromise>();

export async function killRunning(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill('SIGKILL').catch(() => {})));
}

async function tracked(child: ProcessPromise): Promise<ProcessOutput> {
  running.add(child);
  try {
    return await child;
  } finally {
    running.delete(child);
  }
}

export interface RunOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Variant 1: node options (e.g. `--import bench/probe.mjs`), extra CLI arguments, a wrapper command (e.g. /usr/bin/time). */
  nodeArgs?: string[];
  cliArgs?: string[];
  wrapper?: string[];
}

/** Runs one variant bumping `app` to `tag`; the clone directory is removed after the clock stops. */
export async function runVariant(
  variant: VariantName,
  bench: BenchEnv,
  target: Target,
  app: string,
  tag: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const extraEnv = options.env ?? {};
  const work = mkdtempSync(join(bench.scratch, `${variant}-`));
  const url = `${target.serverUrl}/${target.project}.git`;
  const overlayFile = `manifests/overlays/${target.overlay}/kustomization.yaml`;
  const sh = $({ cwd: work, quiet: true, nothrow: true, timeout: bench.timeoutMs });
  try {
    const started = performance.now();
    switch (variant) {
      case 'cli':
      case 'verified': {
        const registry = variant === 'verified' ? verifiedRegistry(target) : undefined;
        const env = processEnv(bench, {
          GITLAB_PUSHER_TOKEN: target.token,
          ...(registry && { CI_REGISTRY: registry, CI_REGISTRY_USER: 'bench', CI_REGISTRY_PASSWORD: target.token }),
          ...extraEnv,
        });
        const args = [
          'push',
          '--server-url',
          target.serverUrl,
          '--project',
          target.project,
          '--target-env',
          target.overlay,
          '--image',
          registry ? `${REGISTRY}/${app}=${registry}/${target.project}/${app}:${tag}` : `${REGISTRY}/${app}:${tag}`,
          // The images of variant 1 are on a made-up registry: it is the bump without the check.
          '--verify-image',
          registry ? 'require' : 'off',
        ];
        args.push('--author-name', AUTHOR.name, '--author-email', AUTHOR.email, ...(options.cliArgs ?? []));
        return finish(
          started,
          await tracked(
            sh({ env })`${options.wrapper ?? []} ${process.execPath} ${options.nodeArgs ?? []} ${bench.cli} ${args}`,
          ),
        );
      }
      case 'floor': {
        const env = processEnv(bench, { ...gitIdentity, ...extraEnv });
        const auth = `http.extraHeader=Authorization: ${basicAuth(target.token)}`;
        const output = await tracked(sh({ env })`
          git -c ${auth} clone --quiet --depth=1 --filter=blob:none --no-checkout --single-branch --no-tags --branch=${BRANCH} -- ${url} repo
          cd repo
          git sparse-checkout set --cone --sparse-index ${`manifests/overlays/${target.overlay}`}
          git -c ${auth} -c maintenance.auto=false checkout --quiet
          sed -i ${sedSetTag(`${REGISTRY}/${app}`, tag)} ${overlayFile}
          git -c maintenance.auto=false commit --quiet -am ${message(app, tag)}
          git -c ${auth} push --quiet origin ${`HEAD:refs/heads/${BRANCH}`}`);
        return finish(started, output);
      }
      case 'job': {
        const env = processEnv(bench, { ...gitIdentity, ...extraEnv });
        const withToken = new URL(url);
        withToken.username = 'oauth2';
        withToken.password = target.token;
        const output = await tracked(sh({ env })`
          git clone --quiet --depth 20 --branch ${BRANCH} ${withToken.href} repo
          cd repo
          sed -i ${sedSetTag(`${REGISTRY}/${app}`, tag)} ${overlayFile}
          git commit --quiet -am ${message(app, tag)}
          git push --quiet origin ${`HEAD:refs/heads/${BRANCH}`}`);
        return finish(started, output);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function verifiedRegistry(target: Target): string {
  if (!target.registryHost) throw new Error('bench: the verified variant needs the registry');
  return target.registryHost;
}

/** A fresh, empty directory under the scratch space (an empty HOME, a trace directory). */
export function scratchDir(bench: { scratch: string }, name: string): string {
  const dir = join(bench.scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function newScratch(): string {
  return mkdtempSync(join(tmpdir(), 'image-bump-bench-'));
}
