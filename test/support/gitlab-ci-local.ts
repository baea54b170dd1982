/**
 * Runs pipelines locally with gitlab-ci-local (shell executor) in throwaway git repositories that
 * include this project's component, with an environment built from nothing.
 */
import { execa } from 'execa';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_CLI } from './build-cli.js';
import { git } from './git.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GITLAB_CI_LOCAL = join(ROOT, 'node_modules/gitlab-ci-local/dist/index.js');
export const TEMPLATE = join(ROOT, 'templates/image-bump.yml');
/** The bundle of src/ the global setup built (the runner image ships dist/, its committed twin). */
export const CLI_BUNDLE = BUILT_CLI;

/** The include line GitLab's docs give for testing a component from its own project at a commit. */
export const SELF_INCLUDE = '$CI_SERVER_FQDN/$CI_PROJECT_PATH/image-bump@$CI_COMMIT_SHA';

export interface Workspace {
  dir: string;
  /** PATH for pipelines: the shims first, then the host's PATH. */
  path: string;
  home: string;
  cleanup(): Promise<void>;
}

/**
 * A temporary directory with a `bin/` of shims: `gitops-image-bump` runs the bundle of src/ (as the
 * runner image would), and `rsync`, which gitlab-ci-local calls but a shell executor without
 * isolation does not need, does nothing.
 */
export async function createWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'gitlab-ci-local-test-'));
  const bin = join(dir, 'bin');
  const home = join(dir, 'home');
  await mkdir(bin);
  await mkdir(home);
  const shims: Record<string, string> = {
    'gitops-image-bump': `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(CLI_BUNDLE)} "$@"\n`,
    rsync: '#!/bin/sh\nexit 0\n',
  };
  for (const [name, content] of Object.entries(shims)) {
    await writeFile(join(bin, name), content);
    await chmod(join(bin, name), 0o755);
  }
  return {
    dir,
    path: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    home,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface ProjectRepoOptions {
  /** Clone URL of the project the pipeline belongs to: gitlab-ci-local derives CI_SERVER_URL, CI_PROJECT_PATH, … from it. */
  remote: string;
  /** Content of `.gitlab-ci.yml`. */
  ciConfig: string;
  /** More files to commit, by path. */
  files?: Record<string, string>;
  branch?: string;
}

/**
 * A git repository holding `.gitlab-ci.yml` and the component template at `templates/image-bump.yml`,
 * committed (gitlab-ci-local resolves a component as local when its project is the repository's own
 * and its version is the current commit).
 */
export async function createProjectRepo(
  workspace: Workspace,
  name: string,
  options: ProjectRepoOptions,
): Promise<string> {
  const dir = join(workspace.dir, name);
  await mkdir(join(dir, 'templates'), { recursive: true });
  await copyFile(TEMPLATE, join(dir, 'templates/image-bump.yml'));
  await writeFile(join(dir, '.gitlab-ci.yml'), options.ciConfig);
  for (const [path, content] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await git(['init', '--quiet', `--initial-branch=${options.branch ?? 'main'}`], { cwd: dir });
  await git(['remote', 'add', 'origin', options.remote], { cwd: dir });
  await git(['add', '--all'], { cwd: dir });
  await git(['commit', '--quiet', '--message', 'Pipeline under test'], { cwd: dir });
  return dir;
}

export interface PipelineResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, without colours. */
  output: string;
}

export interface RunOptions {
  /** `--variable NAME=value` pairs (as if set in the project's CI/CD settings). */
  variables?: Record<string, string>;
  /** More gitlab-ci-local arguments, e.g. `--list` or a job name. */
  args?: string[];
  timeoutMs?: number;
}

/**
 * Runs gitlab-ci-local on `repo` with the shell executor. Its environment is PATH (shims first),
 * an empty HOME and nothing else: no GIT_* and no CI variables from the host reach the pipeline.
 */
export async function runPipeline(
  workspace: Workspace,
  repo: string,
  options: RunOptions = {},
): Promise<PipelineResult> {
  const variables = Object.entries(options.variables ?? {}).flatMap(([name, value]) => [
    '--variable',
    `${name}=${value}`,
  ]);
  const result = await execa(
    process.execPath,
    [
      GITLAB_CI_LOCAL,
      '--cwd',
      basename(repo),
      '--force-shell-executor',
      '--no-color',
      ...variables,
      ...(options.args ?? []),
    ],
    {
      cwd: dirname(repo),
      env: { PATH: workspace.path, HOME: workspace.home, LANG: 'C.UTF-8' },
      extendEnv: false,
      reject: false,
      timeout: options.timeoutMs ?? 60_000,
    },
  );
  const stdout = String(result.stdout);
  const stderr = String(result.stderr);
  const output = `${stdout}\n${stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  return { exitCode: result.exitCode ?? -1, stdout, stderr, output };
}

/** One `include:` entry of the component, as YAML lines indented for a top-level `include:` list. */
export function componentInclude(inputs: Record<string, unknown>, component = SELF_INCLUDE): string {
  const lines = [`  - component: ${component}`, '    inputs:'];
  for (const [name, value] of Object.entries(inputs)) lines.push(`      ${name}: ${JSON.stringify(value)}`);
  return lines.join('\n');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
