/**
 * Per-project state of the test GitLab (protected branches, pushes, merge requests) and what its
 * pre-receive and post-receive hooks answer, worded as GitLab words it.
 */
import { git, ZERO_SHA } from './git.js';
import type { HookResponse, RefUpdate } from './hooks.js';
import { defaultJobTokenSettings, Messages, type TokenKind } from './gitlab-tokens.js';

export interface ProtectedBranch {
  /** Branch name, `*` matches any characters (as in GitLab's wildcard protected branches). */
  pattern: string;
  allowedRole: number;
  allowForcePush: boolean;
}

export interface PushRecord {
  refs: RefUpdate[];
  options: string[];
  tokenKind: TokenKind;
}

export interface MergeRequest {
  iid: number;
  sourceBranch: string;
  targetBranch: string;
  title: string;
  description: string;
  labels: string[];
  draft: boolean;
  autoMerge: boolean;
  removeSourceBranch: boolean;
  state: 'opened';
  webUrl: string;
}

const BRANCH_PREFIX = 'refs/heads/';

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/** GitLab's title for a multi-commit merge request: the branch name, humanized. */
function titleFromBranch(branch: string): string {
  const text = branch.replace(/[-_]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

interface MergeRequestOptions {
  create: boolean;
  target?: string;
  title?: string;
  description?: string;
  labels: string[];
  unlabels: string[];
  draft?: boolean;
  autoMerge?: boolean;
  removeSourceBranch?: boolean;
}

function parseMergeRequestOptions(options: string[]): MergeRequestOptions {
  const result: MergeRequestOptions = { create: false, labels: [], unlabels: [] };
  for (const option of options) {
    const equals = option.indexOf('=');
    const key = equals === -1 ? option : option.slice(0, equals);
    const value = equals === -1 ? '' : option.slice(equals + 1);
    const flag = equals === -1 || value === 'true';
    switch (key) {
      case 'merge_request.create':
        result.create = true;
        break;
      case 'merge_request.target':
        result.target = value;
        break;
      case 'merge_request.title':
        result.title = value;
        break;
      case 'merge_request.description':
        result.description = value;
        break;
      case 'merge_request.label':
        result.labels.push(value);
        break;
      case 'merge_request.unlabel':
        result.unlabels.push(value);
        break;
      case 'merge_request.draft':
        result.draft = flag;
        break;
      case 'merge_request.merge_when_pipeline_succeeds':
      case 'merge_request.auto_merge':
        result.autoMerge = flag;
        break;
      case 'merge_request.remove_source_branch':
        result.removeSourceBranch = flag;
        break;
    }
  }
  return result;
}

export class ProjectState {
  readonly protectedBranches: ProtectedBranch[] = [];
  readonly pushes: PushRecord[] = [];
  readonly mergeRequests: MergeRequest[] = [];
  /** Settings > CI/CD > Job token permissions. */
  readonly jobToken = defaultJobTokenSettings();

  constructor(
    readonly path: string,
    readonly gitDir: string,
    readonly webUrl: string,
  ) {}

  protection(branch: string): ProtectedBranch | undefined {
    return this.protectedBranches.find((rule) => globToRegExp(rule.pattern).test(branch));
  }

  preReceive(updates: (RefUpdate & { forced?: boolean })[], role: number): HookResponse {
    for (const update of updates) {
      if (!update.ref.startsWith(BRANCH_PREFIX)) continue;
      const rule = this.protection(update.ref.slice(BRANCH_PREFIX.length));
      if (!rule) continue;
      let message: string | undefined;
      if (update.new === ZERO_SHA) message = Messages.protectedDelete;
      else if (role < rule.allowedRole) message = Messages.protectedBranch;
      else if (update.forced && !rule.allowForcePush) message = Messages.protectedForcePush;
      if (message) return { exitCode: 1, output: `${message}\n` };
    }
    return { exitCode: 0, output: '' };
  }

  async postReceive(updates: RefUpdate[], options: string[], tokenKind: TokenKind): Promise<HookResponse> {
    this.pushes.push({ refs: updates, options, tokenKind });
    const defaultBranch = (await git(['symbolic-ref', '--short', 'HEAD'], { cwd: this.gitDir })).trim();
    const mrOptions = parseMergeRequestOptions(options);
    const lines: string[] = [];
    for (const update of updates) {
      if (!update.ref.startsWith(BRANCH_PREFIX) || update.new === ZERO_SHA) continue;
      const branch = update.ref.slice(BRANCH_PREFIX.length);
      if (branch === defaultBranch) continue;
      lines.push(...(await this.mergeRequestLines(branch, defaultBranch, mrOptions)));
    }
    return { exitCode: 0, output: lines.map((line) => `${line}\n`).join('') };
  }

  private async mergeRequestLines(branch: string, defaultBranch: string, options: MergeRequestOptions) {
    let mr = this.mergeRequests.find((candidate) => candidate.sourceBranch === branch);
    if (!mr && !options.create) {
      const link = `${this.webUrl}/-/merge_requests/new?merge_request%5Bsource_branch%5D=${encodeURIComponent(branch)}`;
      return ['', `To create a merge request for ${branch}, visit:`, `  ${link}`, ''];
    }
    if (!mr) {
      const target = options.target ?? defaultBranch;
      const exists = await git(['rev-parse', '--verify', '--quiet', `${BRANCH_PREFIX}${target}`], {
        cwd: this.gitDir,
      }).then(
        () => true,
        () => false,
      );
      if (!exists) {
        return [
          '',
          `WARNINGS: Error encountered with push options 'merge_request.create': Branch ${target} does not exist`,
          '',
        ];
      }
      const { title, description } = await this.defaultTitle(branch, target);
      const iid = this.mergeRequests.length + 1;
      mr = {
        iid,
        sourceBranch: branch,
        targetBranch: target,
        title,
        description,
        labels: [],
        draft: false,
        autoMerge: false,
        removeSourceBranch: false,
        state: 'opened',
        webUrl: `${this.webUrl}/-/merge_requests/${iid}`,
      };
      this.mergeRequests.push(mr);
    } else if (options.target) {
      mr.targetBranch = options.target;
    }
    if (options.title !== undefined) mr.title = options.title;
    if (options.description !== undefined) mr.description = options.description;
    if (options.draft !== undefined) mr.draft = options.draft;
    if (options.autoMerge !== undefined) mr.autoMerge = options.autoMerge;
    if (options.removeSourceBranch !== undefined) mr.removeSourceBranch = options.removeSourceBranch;
    const labels = new Set([...mr.labels, ...options.labels]);
    for (const label of options.unlabels) labels.delete(label);
    mr.labels = [...labels];
    return ['', `View merge request for ${branch}:`, `  ${mr.webUrl}`, ''];
  }

  /** GitLab: a single commit gives the title and description, otherwise the branch name does. */
  private async defaultTitle(branch: string, target: string): Promise<{ title: string; description: string }> {
    const range = `${BRANCH_PREFIX}${target}..${BRANCH_PREFIX}${branch}`;
    const count = Number(await git(['rev-list', '--count', range], { cwd: this.gitDir }));
    if (count !== 1) return { title: titleFromBranch(branch), description: '' };
    const message = await git(['log', '-1', '--format=%B', `${BRANCH_PREFIX}${branch}`], { cwd: this.gitDir });
    const [title = '', ...body] = message.split('\n');
    return { title, description: body.join('\n').trim() };
  }
}
