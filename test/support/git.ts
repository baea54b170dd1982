/**
 * Plain git for test fixtures: every call runs with a clean, explicit environment so that neither the
 * user's nor the machine's git configuration (or GIT_* variables) leak into a test.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const FIXTURE_AUTHOR = { name: 'GitOps Fixture', email: 'fixture@example.com' } as const;
/** 2024-01-15T10:00:00Z in git's internal date format. */
export const FIXTURE_DATE = '1705312800 +0000';
export const ZERO_SHA = '0000000000000000000000000000000000000000';

let home: string | undefined;

/**
 * An empty HOME, one per user and machine (test processes may be killed without running exit handlers,
 * so a directory per process would be left behind). GIT_CONFIG_GLOBAL keeps git from reading config
 * there even if something ever wrote one.
 */
export function emptyHome(): string {
  if (!home) {
    const dir = join(tmpdir(), `gitlab-test-home-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true });
    home = dir;
  }
  return home;
}

/**
 * A complete environment for git: nothing from process.env but PATH. No system or global config,
 * no prompts, English messages, fixed author and committer.
 */
export function cleanGitEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: emptyHome(),
    XDG_CONFIG_HOME: join(emptyHome(), '.config'),
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: FIXTURE_AUTHOR.name,
    GIT_AUTHOR_EMAIL: FIXTURE_AUTHOR.email,
    GIT_AUTHOR_DATE: FIXTURE_DATE,
    GIT_COMMITTER_NAME: FIXTURE_AUTHOR.name,
    GIT_COMMITTER_EMAIL: FIXTURE_AUTHOR.email,
    GIT_COMMITTER_DATE: FIXTURE_DATE,
  };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface GitOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Keep stdout exactly as written (by default one final newline is dropped). */
  raw?: boolean;
}

/** Runs git with the clean environment and returns stdout; throws on failure. */
export async function git(args: string[], options: GitOptions = {}): Promise<string> {
  const result = await execa('git', args, {
    cwd: options.cwd,
    env: cleanGitEnv(options.env),
    extendEnv: false,
    input: options.input,
    stripFinalNewline: !options.raw,
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new Error(`git ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
  }
  return result.stdout;
}

/** `Authorization: Basic …` header value as GitLab expects it for a token (any non-blank username). */
export function basicAuth(token: string, username = 'oauth2'): string {
  return `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
}

export interface CommitFilesOptions {
  /** Paths to remove from the parent's tree. */
  remove?: string[];
  author?: { name: string; email: string };
  date?: string;
  /** Defaults to the branch tip; `null` makes a root commit. */
  parent?: string | null;
}

/**
 * Commits files onto a branch of a bare repository without a working tree (temporary index,
 * hash-object, write-tree, commit-tree, update-ref with the expected old value). Returns the new sha.
 */
export async function commitFiles(
  gitDir: string,
  branch: string,
  files: Record<string, string>,
  message: string,
  options: CommitFilesOptions = {},
): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const current = await git(['rev-parse', '--verify', '--quiet', ref], { cwd: gitDir }).catch(() => '');
  const parent = options.parent === undefined ? current || null : options.parent;
  const indexDir = mkdtempSync(join(tmpdir(), 'gitlab-test-index-'));
  const author = options.author ?? FIXTURE_AUTHOR;
  const date = options.date ?? FIXTURE_DATE;
  const env = {
    GIT_DIR: gitDir,
    GIT_INDEX_FILE: join(indexDir, 'index'),
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_COMMITTER_DATE: date,
  };
  try {
    if (parent) await git(['read-tree', parent], { env });
    for (const path of options.remove ?? []) {
      await git(['update-index', '--force-remove', '--', path], { env });
    }
    for (const [path, content] of Object.entries(files)) {
      const blob = await git(['hash-object', '-w', '--stdin'], { env, input: content });
      await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env });
    }
    const tree = await git(['write-tree'], { env });
    const commit = await git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], {
      env,
      input: message.endsWith('\n') ? message : `${message}\n`,
    });
    await git(['update-ref', ref, commit, current || ZERO_SHA], { env });
    return commit;
  } finally {
    rmSync(indexDir, { recursive: true, force: true });
  }
}
