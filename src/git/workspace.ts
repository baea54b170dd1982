import { readFileSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// Before simple-git: its bundled `debug` reads DEBUG once, when it loads.
import './debug-switches.js';
import { simpleGit } from 'simple-git';
import type { GitEnvironment } from './environment.js';
import { WALL_TIME_EXCEEDED } from './failure.js';
import { assertGnuTimeout } from './gnu-timeout.js';
import { guardProcessOutput } from '../failures/redact.js';
import { interruption, throwIfInterrupted, trackDirectory, trackGit } from './signals.js';
import { conePatterns } from './sparse-cone.js';

const MANIFEST_FILE = /(\.ya?ml|\.json|^Kustomization)$/i;

const SPARSE_CONFIG = '[core]\n\tsparseCheckout = true\n\tsparseCheckoutCone = true\n[index]\n\tsparse = true\n';

export interface PushRequest {
  refspec: string;
  options?: readonly string[];
  /** `refs/heads/x:<sha>` (or `refs/heads/x:` for "must not exist yet"): only for branches we own. */
  forceWithLease?: string;
}

/**
 * A minimal clone of one branch: depth 1, no blobs but those of the paths asked for, in a
 * temporary directory. Every git process gets the same prepared environment.
 */
export class GitWorkspace {
  private constructor(
    readonly dir: string,
    private readonly git: Git,
    private readonly untrack: () => void = () => undefined,
  ) {}

  static async clone(options: {
    url: string;
    branch?: string;
    paths: string[];
    /** Directories whose files (not subdirectories) are checked out too, if they exist. */
    filesOf?: string[];
    /** Work for the CPU while the clone waits on the network: run once git clone has been started. */
    whileCloning?: () => void;
    /** Stops the clone's git when aborted (the run already knows it will fail). */
    stop?: AbortSignal;
    environment: GitEnvironment;
    timeoutMs: number;
    keepDir?: string;
  }): Promise<GitWorkspace> {
    const dir = options.keepDir
      ? await mkdir(options.keepDir, { recursive: true }).then(() => options.keepDir!)
      : await mkdtemp(join(tmpdir(), 'image-bump-'));
    const workspace = new GitWorkspace(
      dir,
      gitIn(dir, options.environment, options.timeoutMs, options.stop),
      options.keepDir ? undefined : trackDirectory(dir),
    );
    try {
      const branch = options.branch ? [`--branch=${options.branch}`] : [];
      const cloning = workspace.git.raw([
        'clone',
        // No template: the sample hooks and the rest of git's default template are 15 files to write and
        // to remove again, and nothing here uses them.
        '--template=',
        '--depth=1',
        '--filter=blob:none',
        '--no-checkout',
        '--single-branch',
        '--no-tags',
        ...branch,
        '--',
        options.url,
        '.',
      ]);
      // simple-git starts the process within the current microtasks: setImmediate comes after it.
      if (options.whileCloning) setImmediate(options.whileCloning);
      await cloning;
      // What `git sparse-checkout set --cone --sparse-index` writes, without git processes for it. With a
      // sparse index, the index lists the checked-out directories' files, not every file of the repository.
      await mkdir(join(dir, '.git', 'info'), { recursive: true });
      await writeFile(
        join(dir, '.git', 'info', 'sparse-checkout'),
        conePatterns(options.paths, options.filesOf).join('\n') + '\n',
      );
      await appendFile(join(dir, '.git', 'config'), SPARSE_CONFIG);
      await workspace.git.raw(['checkout']);
    } catch (error) {
      await workspace.dispose(options.keepDir !== undefined);
      throw error;
    }
    return workspace;
  }

  /**
   * Moves to the branch's current tip on the server (after another writer pushed first). Unfiltered:
   * the server leaves out every object the old tip already has, so this brings the trees and only the
   * blobs that changed since, and the reset needs no second, on-demand fetch. Resolves with the new tip.
   */
  async refresh(branch: string): Promise<string> {
    await this.fetchTip(branch, '--no-filter');
    await this.git.raw(['reset', '--hard', `refs/remotes/origin/${branch}`]);
    return this.head();
  }

  /** Fetches one branch's tip (commit and trees only) as refs/remotes/origin/<branch>. */
  async fetch(branch: string): Promise<string> {
    await this.fetchTip(branch, '--filter=blob:none');
    return this.resolve(`refs/remotes/origin/${branch}`);
  }

  private async fetchTip(branch: string, filter: '--filter=blob:none' | '--no-filter'): Promise<void> {
    await this.git.raw([
      'fetch',
      '--depth=1',
      filter,
      '--no-tags',
      'origin',
      `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
    ]);
  }

  /** The branch's tip on the server, or undefined when it does not exist. */
  async remoteTip(branch: string): Promise<string | undefined> {
    // HEAD is asked for too, so the answer is never empty (see the class comment on quiet commands).
    const listing = await this.git.raw(['ls-remote', 'origin', 'HEAD', `refs/heads/${branch}`]);
    return /^([0-9a-f]+)\trefs\/heads\/(.+)$/m.exec(
      listing.split('\n').find((line) => line.endsWith(`\trefs/heads/${branch}`)) ?? '',
    )?.[1];
  }

  /**
   * Read from .git/HEAD: the clone has just written it, and a file read costs no git process. Read at
   * once (an asynchronous read of a few bytes took milliseconds on the way from the checkout to the edit).
   */
  async currentBranch(): Promise<string> {
    const head = readSmallFile(join(this.dir, '.git', 'HEAD'));
    const branch = /^ref: refs\/heads\/(.+)$/m.exec(head)?.[1];
    return branch ?? (await this.git.raw(['symbolic-ref', '--short', 'HEAD'])).trim();
  }

  /** Directory names under `parent` in HEAD's tree (trees are in the clone even where blobs are not). */
  async listDirectories(parent: string): Promise<string[]> {
    const listing = await this.git.raw(['ls-tree', '-d', '--name-only', `HEAD:${parent === '.' ? '' : parent}`]);
    return listing.split('\n').filter(Boolean);
  }

  async resolve(rev: string): Promise<string> {
    return (await this.git.revparse(['--verify', rev])).trim();
  }

  /** Parents as recorded in the commit object itself (a shallow clone hides them from rev-parse). */
  async parentsOf(commit: string): Promise<string[]> {
    return parentsIn(await this.rawCommit(commit));
  }

  /** The commit object as git stores it: header lines (tree, parents, author, committer), a blank line, the message. */
  rawCommit(commit: string): Promise<string> {
    return this.git.raw(['cat-file', 'commit', commit]);
  }

  /**
   * Whether one of `commits` is in the history of the server's `branch`. Only the part of that history
   * that is not also `excluded`'s (the branch holding the commits) is fetched, commits only: the commits
   * at its lower edge have their parents cut off by the shallow clone, and a commit is in the history
   * exactly when it is the tip or such a cut-off parent. When the branch's whole history is also
   * `excluded`'s, there is nothing to fetch (git says so as a shallow error): only the tip can match then.
   */
  async inHistoryOf(branch: string, excluded: string, commits: readonly string[]): Promise<boolean> {
    const tip = await this.remoteTip(branch);
    if (!tip) return false;
    if (commits.includes(tip)) return true;
    const ref = `refs/image-bump/history/${branch}`;
    try {
      await this.git.raw([
        'fetch',
        `--shallow-exclude=refs/heads/${excluded}`,
        '--filter=tree:0',
        '--no-tags',
        'origin',
        `+refs/heads/${branch}:${ref}`,
      ]);
    } catch (error) {
      if (
        error instanceof Error &&
        /shallow/i.test(error.message) &&
        !/unable to access|returned error/i.test(error.message)
      )
        return false;
      throw error;
    }
    const history = new Set((await this.git.raw(['rev-list', ref])).split('\n').filter(Boolean));
    const edges = (await readFile(join(this.dir, '.git', 'shallow'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((sha) => history.has(sha));
    for (const edge of edges) {
      const parents = await this.parentsOf(edge);
      if (commits.some((commit) => parents.includes(commit))) return true;
    }
    return false;
  }

  /** A file's content at HEAD, fetched on demand in the blobless clone; undefined when there is none. */
  async readBlob(path: string): Promise<string | undefined> {
    try {
      return await this.git.raw(['cat-file', 'blob', `HEAD:${path}`]);
    } catch {
      return undefined;
    }
  }

  /**
   * Fetches, in one request, the blobs of the YAML and JSON files directly in `dir` at HEAD (at most
   * `limit`), so that reading them one by one does not fetch each on demand in a round trip of its own.
   */
  async prefetchManifests(dir: string, limit = 500): Promise<void> {
    const listing = await this.git.raw(['ls-tree', '-z', `HEAD:${dir === '.' ? '' : dir}`]);
    const blobs = listing
      .split('\0')
      .map((entry) => /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(entry))
      .filter((match) => match !== null && MANIFEST_FILE.test(match[2]!))
      .map((match) => match![1]!);
    if (blobs.length === 0 || blobs.length > limit) return;
    // What git itself runs to fetch missing objects of a partial clone, for all of them at once; with
    // FETCH_HEAD written and --verbose, so that it always says something (see the class comment).
    await this.git.raw([
      '-c',
      'fetch.negotiationAlgorithm=noop',
      'fetch',
      '--verbose',
      '--no-tags',
      '--recurse-submodules=no',
      '--filter=blob:none',
      'origin',
      ...blobs,
    ]);
  }

  /** HEAD's commit, from the branch's loose ref when there is one (a fresh clone writes it). */
  async head(): Promise<string> {
    const branch = await this.currentBranch().catch(() => undefined);
    const loose = branch && readSmallFile(join(this.dir, '.git', 'refs', 'heads', ...branch.split('/')));
    return loose && /^[0-9a-f]{40,64}\n?$/.test(loose) ? loose.trim() : this.resolve('HEAD');
  }

  /**
   * Commits every tracked file that changed. Edits only ever change existing files inside the sparse
   * checkout, so `-a` takes exactly them, in one git process instead of an `add` and a `commit`.
   */
  async commitAll(message: string): Promise<string> {
    await this.git.raw(['commit', '--all', '--no-verify', '--cleanup=whitespace', '-m', message]);
    return this.head();
  }

  /** Pushes; resolves with what the server said (`remote:` lines), rejects with a GitError. */
  async push(request: PushRequest): Promise<string> {
    const lease = request.forceWithLease ? [`--force-with-lease=${request.forceWithLease}`] : [];
    const options = (request.options ?? []).flatMap((option) => ['-o', option]);
    const { stderr } = await this.git.run(['push', '--no-verify', ...lease, ...options, 'origin', request.refspec]);
    return stderr;
  }

  async dispose(keep = false): Promise<void> {
    if (!keep) await rm(this.dir, { recursive: true, force: true });
    this.untrack();
  }
}

/**
 * Whether the server lets this token read the repository when it is presented as a CI job token. Run in
 * an empty directory that git may not look above: a repository around it would lend its config.
 */
export async function readsAsJobToken(url: string, environment: GitEnvironment, timeoutMs: number): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'image-bump-probe-'));
  const sealed = {
    env: { ...environment.env, GIT_CEILING_DIRECTORIES: dirname(dir) },
    allowed: [...environment.allowed, 'GIT_CEILING_DIRECTORIES'],
  };
  try {
    await gitIn(dir, sealed, timeoutMs).raw(['ls-remote', '--heads', '--', url, 'refs/heads/__image_bump_probe__']);
    return true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Git in one directory, every process with the same environment and wall-time limit. */
interface Git {
  run(args: string[]): Promise<{ stdout: string; stderr: string }>;
  raw(args: string[]): Promise<string>;
  revparse(args: string[]): Promise<string>;
}

/**
 * On a server gone silent, curl's own low-speed check (http.lowSpeedTime, also --timeout) stops git a
 * moment before the wall-time limit would, and its message names the stall.
 */
const LOW_SPEED_FIRST_MS = 2000;

/** GNU timeout's exit status when the time ran out and git ended on its TERM. */
const TIMED_OUT = 124;

/**
 * Every git is started here, by simple-git, and every workaround for simple-git's behaviour is here:
 * - Git runs under GNU coreutils `timeout` (the binary, with `timeout`'s options and `git` as the first
 *   arguments): simple-git can neither give git a process group of its own nor bound wall time (its
 *   timeout counts silence and kills git alone, leaving git-remote-http reading on as an orphan).
 *   `timeout` puts itself and git in a new process group and sends the signal to the whole group on
 *   expiry (SIGKILL 2 s later, which ends `timeout` too) and when it receives one: simple-git's `abort`
 *   sends it SIGINT on a signal to this process. BusyBox's `timeout` does neither (gnu-timeout.ts).
 * - `errors`: simple-git counts a non-zero exit as a failure only when git wrote to stderr, and a
 *   killed git wrote nothing; here every non-zero exit fails, and one at the time limit says so.
 * - `allowEnvironment` and `unsafe`: the environment is ours and built from nothing; these settings
 *   let it switch askpass, credential helpers, hooks and the user's and system's config OFF (none of
 *   them runs or reads anything). Nothing of this process's own environment is added to it. The clone's
 *   template (`--template=`) is none at all.
 * - `completion`: the default also waits 50 ms after each process's exit, and that timer keeps node
 *   alive at the end.
 * - No command runs with --quiet: simple-git waits an extra 50 ms after a process that wrote nothing.
 * One simple-git instance per git process (they are cheap): its output handler is the only way to read the
 * stderr of a git that succeeded (a push's `remote:` lines), and it is per instance.
 */
function gitIn(dir: string, environment: GitEnvironment, timeoutMs: number, stop?: AbortSignal): Git {
  // The environment holds the credential from here on: whatever debug switch prints it is redacted.
  guardProcessOutput();
  const limitMs = timeoutMs + LOW_SPEED_FIRST_MS;
  const limit = `${(limitMs / 1000).toFixed(3)}s`;
  const abort = stop ? AbortSignal.any([interruption, stop]) : interruption;
  const run = async (args: string[]) => {
    throwIfInterrupted();
    // The run has already failed (its image check): no further git is started for it.
    if (stop?.aborted) throw new Error(`git ${args[0]} not started: the run was stopped`);
    assertGnuTimeout(environment.env.PATH);
    const started = performance.now();
    let stderr = '';
    const git = simpleGit({
      baseDir: dir,
      binary: 'timeout',
      abort,
      allowEnvironment: environment.allowed,
      unsafe: {
        allowUnsafeConfigEnvCount: true,
        allowUnsafeCredentialHelper: true,
        allowUnsafeHooksPath: true,
        allowUnsafeAskPass: true,
        allowUnsafeConfigPaths: true,
        allowUnsafeTemplateDir: true,
      },
      completion: { onClose: true, onExit: false },
      errors: (error, { exitCode, stdOut, stdErr }) => {
        if (exitCode === 0) return error;
        const output = Buffer.concat([...stdOut, ...stdErr]).toString('utf8');
        // A Buffer becomes a GitError whose message is exactly this text (an Error would be wrapped).
        if (exitCode === TIMED_OUT || performance.now() - started >= limitMs)
          return Buffer.from(`${WALL_TIME_EXCEEDED} ${Math.round(limitMs / 1000)} s (git ${args[0]})\n${output}`);
        return error ?? Buffer.from(output || `git ${args[0]} exited with ${exitCode}`);
      },
    })
      .env(environment.env)
      .outputHandler((_command, _stdout, stderrStream) =>
        stderrStream.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8'))),
      );
    try {
      const stdout = await trackGit(git.raw(['--kill-after=2', limit, 'git', ...args]));
      return { stdout, stderr };
    } catch (error) {
      throwIfInterrupted();
      throw error;
    }
  };
  return {
    run,
    raw: async (args) => (await run(args)).stdout,
    revparse: async (args) => (await run(['rev-parse', ...args])).stdout.trim(),
  };
}

/** A file of a few bytes that git wrote in the clone, or '' when there is none. */
function readSmallFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function parentsIn(rawCommit: string): string[] {
  return [...rawCommit.split('\n\n')[0]!.matchAll(/^parent ([0-9a-f]+)$/gm)].map((match) => match[1]!);
}
