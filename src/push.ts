import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BumpError } from './errors.js';
import { commitMessage } from './commit-message.js';
import { gitEnvironment } from './git-environment.js';
import { explainGitFailure, isAuthenticationFailure, isBranchMoved, jobTokenError, type FailureContext } from './git-failure.js';
import { GitWorkspace, readsAsJobToken } from './git-workspace.js';
import { locateKustomizations, planEdits, type EditPlan, type FileEdit } from './overlay-edit.js';
import type { Output } from './output.js';
import { registerSecret } from './redact.js';
import type { PushSettings } from './settings.js';
import { readToken } from './token.js';

export interface PushResult {
  changed: boolean;
  commit?: string;
  branch: string;
  attempts: number;
  edits: FileEdit[];
  dryRun: boolean;
}

/** Clone minimally, edit, commit, push; when another writer moved the branch first, do it again on the new tip. */
export async function runPush(settings: PushSettings, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<PushResult> {
  const token = readToken(settings.tokenVariable, env);
  registerSecret(token);
  const environmentOptions = {
    serverUrl: settings.serverUrl,
    token,
    timeoutSeconds: settings.timeoutSeconds,
    author: settings.author,
    caFile: env.CI_SERVER_TLS_CA_FILE || undefined,
  };
  const environment = gitEnvironment(environmentOptions);
  const url = `${settings.serverUrl}/${settings.project}.git`;
  const context: FailureContext = { serverUrl: settings.serverUrl, project: settings.project, branch: settings.branch ?? '(default branch)', tokenVariable: settings.tokenVariable, stage: 'clone' };
  const workspace = await guard(
    context,
    () =>
      GitWorkspace.clone({
        url,
        branch: settings.branch,
        paths: settings.targets.map((target) => `${target.dir}/`),
        environment,
        timeoutMs: settings.timeoutSeconds * 1000,
        keepDir: settings.keepWorkdir,
      }),
    // Refused credentials may be a CI job token, which GitLab only accepts under its own username.
    async (output) => isAuthenticationFailure(output) && (await readsAsJobToken(url, gitEnvironment({ ...environmentOptions, username: 'gitlab-ci-token' }), settings.timeoutSeconds * 1000)) ? jobTokenError(settings.tokenVariable) : undefined,
  );
  try {
    const branch = settings.branch ?? (await workspace.currentBranch());
    context.branch = branch;
    for (let attempt = 1; ; attempt++) {
      const targets = await locateKustomizations(workspace.dir, settings.targets, (parent) => workspace.listDirectories(parent));
      const plan = await planEdits(targets, settings);
      reportDowngradesSkipped(plan, output);
      if (plan.changed.length === 0) return { changed: false, branch, attempts: attempt, edits: plan.edits, dryRun: settings.dryRun };
      await Promise.all(plan.changed.map((edit) => writeFile(edit.path, edit.after)));
      if (settings.dryRun) {
        output.info(await workspace.diff());
        return { changed: true, branch, attempts: attempt, edits: plan.changed, dryRun: true };
      }
      const commit = await workspace.commit(plan.changed.map((edit) => edit.shown), commitMessage(settings.messageTemplate, messageChanges(plan.changed)));
      try {
        context.stage = 'push';
        await workspace.push(`HEAD:refs/heads/${branch}`);
        return { changed: true, commit, branch, attempts: attempt, edits: plan.changed, dryRun: false };
      } catch (error) {
        const text = gitOutput(error);
        if (!isBranchMoved(text)) throw explainGitFailure(text, context);
        if (attempt >= settings.maxAttempts) {
          throw new BumpError(`gave up after ${attempt} push attempts: ${branch} kept moving (last rejection: ${rejectionLine(text)})`, {
            hint: 'Many pipelines are pushing to this branch at once; raise --max-attempts or run the bumps one after another (resource_group).',
          });
        }
        output.info(`${branch} moved on the server (attempt ${attempt}); fetching the new tip and applying the change again`);
        await sleep(backoffMs(attempt));
        context.stage = 'fetch';
        await guard(context, () => workspace.refresh(branch));
      }
    }
  } finally {
    await workspace.dispose(settings.keepWorkdir !== undefined);
  }
}

function reportDowngradesSkipped(plan: EditPlan, output: Output): void {
  for (const skipped of plan.skippedDowngrades) output.warn(`not downgrading ${skipped} (--on-downgrade skip)`);
}

export function messageChanges(edits: readonly FileEdit[]) {
  return edits.flatMap((edit) => edit.changes.filter((c) => c.changed).map((c) => ({ name: c.name, previousImage: c.previousImage, newImage: c.newImage, dir: edit.dir, env: edit.env })));
}

/** Full jitter over an exponential ceiling: concurrent writers spread out instead of colliding again. */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(2000, 50 * 2 ** Math.min(attempt, 10));
  return Math.round(Math.random() * ceiling);
}

async function guard<T>(context: FailureContext, action: () => Promise<T>, diagnose?: (output: string) => Promise<BumpError | undefined>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof BumpError) throw error;
    const output = gitOutput(error);
    throw (await diagnose?.(output)) ?? explainGitFailure(output, context);
  }
}

function gitOutput(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function rejectionLine(output: string): string {
  return (output.split('\n').find((line) => /rejected|failed to update|cannot lock/i.test(line)) ?? output.split('\n')[0] ?? '').trim();
}
