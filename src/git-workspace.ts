import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { GitEnvironment } from './git-environment.js';

/**
 * A minimal clone of one branch: depth 1, no blobs but those of the paths asked for, in a
 * temporary directory. Every git process gets the same prepared environment.
 */
export class GitWorkspace {
  private constructor(
    readonly dir: string,
    private readonly git: SimpleGit,
  ) {}

  static async clone(options: { url: string; branch?: string; paths: string[]; environment: GitEnvironment; timeoutMs: number; keepDir?: string }): Promise<GitWorkspace> {
    const dir = options.keepDir ? await mkdir(options.keepDir, { recursive: true }).then(() => options.keepDir!) : await mkdtemp(join(tmpdir(), 'image-bump-'));
    const git = gitIn(dir, options.environment, options.timeoutMs);
    const workspace = new GitWorkspace(dir, git);
    try {
      const branch = options.branch ? [`--branch=${options.branch}`] : [];
      await git.raw(['clone', '--quiet', '--depth=1', '--filter=blob:none', '--no-checkout', '--single-branch', '--no-tags', ...branch, '--', options.url, '.']);
      await git.raw(['sparse-checkout', 'set', '--no-cone', ...options.paths.map(sparsePattern)]);
      await git.raw(['checkout', '--quiet']);
    } catch (error) {
      await workspace.dispose(options.keepDir !== undefined);
      throw error;
    }
    return workspace;
  }

  /** Moves to the branch's current tip on the server (after another writer pushed first). */
  async refresh(branch: string): Promise<void> {
    await this.git.raw(['fetch', '--quiet', '--depth=1', '--filter=blob:none', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
    await this.git.raw(['reset', '--quiet', '--hard', `refs/remotes/origin/${branch}`]);
  }

  async currentBranch(): Promise<string> {
    return (await this.git.raw(['symbolic-ref', '--short', 'HEAD'])).trim();
  }

  /** Directory names under `parent` in HEAD's tree (trees are in the clone even where blobs are not). */
  async listDirectories(parent: string): Promise<string[]> {
    const listing = await this.git.raw(['ls-tree', '-d', '--name-only', `HEAD:${parent === '.' ? '' : parent}`]);
    return listing.split('\n').filter(Boolean);
  }

  async head(): Promise<string> {
    return (await this.git.revparse(['HEAD'])).trim();
  }

  async commit(files: string[], message: string): Promise<string> {
    await this.git.raw(['add', '--sparse', '--', ...files]);
    await this.git.raw(['commit', '--quiet', '--no-verify', '--cleanup=whitespace', '-m', message]);
    return this.head();
  }

  async diff(): Promise<string> {
    return this.git.raw(['diff', '--no-color', '--no-ext-diff']);
  }

  /** Pushes HEAD to the branch; resolves with git's combined output, rejects with a GitError. */
  async push(refspec: string, pushOptions: readonly string[] = []): Promise<string> {
    const args = ['push', '--porcelain', ...pushOptions.flatMap((option) => ['-o', option]), 'origin', refspec];
    return this.git.raw(args);
  }

  async dispose(keep = false): Promise<void> {
    if (!keep) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Whether the server lets this token read the repository when it is presented as a CI job token. */
export async function readsAsJobToken(url: string, environment: GitEnvironment, timeoutMs: number): Promise<boolean> {
  try {
    await gitIn(tmpdir(), environment, timeoutMs).raw(['ls-remote', '--heads', '--', url, 'refs/heads/__image_bump_probe__']);
    return true;
  } catch {
    return false;
  }
}

function gitIn(dir: string, environment: GitEnvironment, timeoutMs: number): SimpleGit {
  return simpleGit({
    baseDir: dir,
    allowEnvironment: environment.allowed,
    // The environment is ours: these settings switch helpers and hooks OFF, they do not run anything.
    unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeCredentialHelper: true, allowUnsafeHooksPath: true },
    timeout: { block: timeoutMs },
  }).env(environment.env);
}

function sparsePattern(path: string): string {
  return `/${path.replace(/^\/+/, '')}`;
}
