import { setTimeout as sleep } from 'node:timers/promises';
import {
  bumpBranchIsTargetError,
  bumpBranchName,
  foreignBumpBranchError,
  notOurBumpCommit,
  targetTrailer,
  withoutTargetTrailer,
} from '../settings/bump-branch.js';
import { commitMessage } from './commit-message.js';
import { retriesExhaustedError } from '../git/failure.js';
import type { GitWorkspace } from '../git/workspace.js';
import type { Outcome } from '../report/outcome.js';
import type { Output } from '../failures/output.js';
import { ciOptions, mergeRequestLink, mergeRequestOptions } from './push-options.js';
import { registerSecret } from '../failures/redact.js';
import { Remote, type PushResult } from '../git/remote.js';
import type { PushEnvironment, PushSettings } from '../settings/types.js';
import { interruption, throwIfInterrupted } from '../git/signals.js';
import { expiryWarning, lookUpExpiry } from './token-expiry.js';
import { checkToken } from './token.js';
import { isJobTokenVariable } from '../git/environment.js';
import { RetryBackoff } from './retry-backoff.js';
import { ImageVerification } from '../registry/image-verification.js';

/**
 * The editors, the diff and the yaml library are loaded on first use: the bundle evaluates them while
 * git clone waits on the network instead of before it can start.
 */
async function editing() {
  const [{ applyEdits, warmUpEditing }, { changeList, unchangedOutcome }] = await Promise.all([
    import('./push-edit.js'),
    import('../edit/edit-plan.js'),
  ]);
  return { applyEdits, warmUpEditing, changeList, unchangedOutcome };
}

interface Run {
  settings: PushSettings;
  output: Output;
  remote: Remote;
  workspace: GitWorkspace;
  branch: string;
  /** Only a warning, partly read from blobs fetched on demand: it runs beside the commit and push. */
  unmatchedImages?: Promise<string[]>;
  verification?: ImageVerification;
}

/** Clone minimally, edit, commit, push; when another writer moved the branch first, do it again on the new tip. */
export async function runPush(settings: PushSettings, output: Output, inputs: PushEnvironment): Promise<Outcome> {
  const token = checkToken(inputs.token);
  registerSecret(token);
  // Asked beside the clone; a failed verification is the error shown even when the clone failed too, and
  // it ends the run: the clone stops at once instead of finishing first.
  const stopClone = new AbortController();
  const verification =
    inputs.registry && new ImageVerification(settings, inputs.registry, output, () => stopClone.abort());
  // A job token lives only as long as its job: GitLab has no expiry date to look up for it.
  const abandonExpiry = new AbortController();
  let expiry: ReturnType<typeof lookUpExpiry> | undefined;
  let expiryAnswer: Awaited<typeof expiry>;
  const remote = new Remote(settings, token, inputs);
  const cloning = output.section('clone', `Clone ${settings.project}`, () =>
    remote.clone(() => {
      void verification?.start();
      // Made while git clone waits on the network, sent once the clone is done: its request shares the
      // server with none of the clone's, and its JS runs while this process has nothing else to do.
      if (settings.expiryWarningDays > 0 && !isJobTokenVariable(settings.tokenVariable)) {
        expiry = lookUpExpiry(settings.serverUrl, token, {
          signal: abandonExpiry.signal,
          caFile: inputs.caFile,
          sendAfter: cloning,
        });
        void expiry.then((answer) => (expiryAnswer = answer));
      }
      void editing().then(
        ({ warmUpEditing }) => warmUpEditing(settings.images),
        () => undefined,
      );
    }, stopClone.signal),
  );
  const workspace = await cloning.catch(async (error: unknown) => {
    abandonExpiry.abort();
    // A check under way that fails is the cause to show (it stopped the clone); one never started is not started now.
    if (verification?.started) await verification.images();
    throw error;
  });
  try {
    const images = verification ? await output.section('verify', 'Verify images', () => verification.images()) : [];
    const branch = settings.branch ?? (await workspace.currentBranch());
    remote.context.branch = branch;
    const run: Run = {
      settings: verification ? { ...settings, images } : settings,
      output,
      remote,
      workspace,
      branch,
      verification,
    };
    try {
      const outcome = await pushWithRetries(run);
      // A run that pushes nothing ends right after its edit, before the lookup sent after the clone is
      // answered: it waits for the answer a little (nothing follows it in a pipeline's critical path).
      if (expiry && outcome.kind !== 'pushed' && outcome.kind !== 'proposed')
        await Promise.race([expiry, sleep(EXPIRY_GRACE_MS, undefined, { ref: false })]);
      return verification ? { ...outcome, verified: verification.verified() } : outcome;
    } finally {
      // The expiry lookup never holds the bump up: answered by now, or abandoned (its request destroyed).
      if (expiryAnswer) reportExpiry(expiryAnswer, settings, output);
      else if (expiry) {
        abandonExpiry.abort();
        output.debug('token expiry lookup still unanswered at the end of the run: abandoned');
      }
      for (const warning of (await run.unmatchedImages) ?? []) output.warn(warning);
    }
  } finally {
    // A run that failed before its push (a verification that failed once the clone was done) has not
    // reported the lookup: it does not wait for it either.
    abandonExpiry.abort();
    await workspace.dispose(settings.keepWorkdir !== undefined);
  }
}

/** How long a run that pushes nothing waits for the token-expiry answer. */
const EXPIRY_GRACE_MS = 1000;

async function pushWithRetries(run: Run): Promise<Outcome> {
  const { settings, output, remote, workspace, branch } = run;
  const { applyEdits, changeList, unchangedOutcome } = await editing();
  let mode = settings.mode;
  const backoff = new RetryBackoff();
  // When this attempt read the branch's tip (the window another writer's push can land in), and that tip.
  let attemptStarted = performance.now();
  // The tip the last attempt built on, and whether more than one commit landed before it: that only
  // sizes the next wait, so both are read off the window (during the wait, beside the edit).
  let base: Promise<string | undefined> | undefined;
  let crowded = Promise.resolve(false);
  for (let attempt = 1; ; attempt++) {
    const { plan, checkUnmatchedImages } = await output.section('edit', 'Edit', () =>
      applyEdits(settings, output, workspace, run.unmatchedImages === undefined),
    );
    // Started once the push is under way (or when there is none to make): its reading and parsing never
    // hold up the commit, nor the JS that reads the end of a git process.
    const startImageCheck = (): void => {
      run.unmatchedImages ??= checkUnmatchedImages?.();
    };
    const push = { mode, branch, attempts: attempt };
    if (plan.changed.length === 0) {
      startImageCheck();
      return unchangedOutcome(plan, push);
    }
    const changes = changeList(plan.changed);
    await run.verification?.verifyPlanned(changes);
    if (settings.dryRun) {
      startImageCheck();
      return {
        kind: 'dry-run',
        push,
        changes,
        mergeRequest: mode === 'merge-request' ? { branch: bumpBranchName(settings) } : undefined,
      };
    }
    const trailers = mode === 'merge-request' ? [...settings.provenance, targetTrailer(branch)] : settings.provenance;
    const message = commitMessage(settings.messageTemplate, changes, trailers);
    const commit = await output.section('commit', 'Commit', () => workspace.commitAll(message));
    const pushing = mode === 'merge-request' ? proposeMergeRequest(run, message) : pushToBranch(run);
    startImageCheck();
    const result = await pushing;
    switch (result.kind) {
      case 'pushed': {
        const jobTokenNote = remote.jobTokenPushNote();
        if (jobTokenNote) output.info(jobTokenNote);
        return mode === 'merge-request'
          ? {
              kind: 'proposed',
              push,
              commit,
              mergeRequest: { branch: bumpBranchName(settings), url: mergeRequestLink(result.serverOutput) },
              changes,
            }
          : { kind: 'pushed', push, commit, changes };
      }
      case 'already-proposed':
        // The commit made here was never pushed, so it is not reported.
        return { kind: 'already-proposed', push, mergeRequest: { branch: bumpBranchName(settings) }, changes };
      case 'protected-branch':
        if (mode !== 'direct' || !settings.fallbackToMergeRequest) throw result.error;
        output.warn(
          `${branch} is protected and the token may not push to it: opening a merge request instead (--fallback merge-request)`,
        );
        mode = 'merge-request';
        break;
      case 'refused':
        throw result.error;
      case 'branch-moved':
      case 'lease-lost':
        if (attempt >= settings.maxAttempts) throw retriesExhaustedError(attempt, branch, result.rejection);
        output.info(
          `${branch} moved on the server (attempt ${attempt}); fetching the new tip and applying the change again`,
        );
        base ??= parentOf(workspace, commit);
        backoff.observeCrowded(await crowded);
        await sleep(backoff.nextWaitMs(performance.now() - attemptStarted), undefined, {
          signal: interruption,
        }).catch(throwIfInterrupted);
        // The tags verified must still name what they named: the next push would deploy it.
        await run.verification?.recheckTags();
        break;
    }
    // Every way here made a commit on the tip it read: that tip is the commit's parent.
    base ??= parentOf(workspace, commit);
    attemptStarted = performance.now();
    const tip = await remote.run('fetch', () => workspace.refresh(branch));
    crowded = moreThanOneLanded(workspace, await base, tip);
    base = Promise.resolve(tip);
  }
}

/** The first parent of a commit, or undefined when it cannot be read (it only sizes a wait). */
function parentOf(workspace: GitWorkspace, commit: string): Promise<string | undefined> {
  return workspace.parentsOf(commit).then(
    ([parent]) => parent,
    () => undefined,
  );
}

/** Whether more than one commit landed on the branch between `base` and `tip` (false when unknown). */
function moreThanOneLanded(workspace: GitWorkspace, base: string | undefined, tip: string): Promise<boolean> {
  if (tip === base) return Promise.resolve(false);
  if (base === undefined) return Promise.resolve(true);
  return workspace.parentsOf(tip).then(
    (parents) => !parents.includes(base),
    () => false,
  );
}

function pushToBranch({ settings, output, remote, workspace, branch }: Run): Promise<PushResult> {
  return output.section('push', `Push to ${branch}`, () =>
    remote.push(workspace, { refspec: `HEAD:refs/heads/${branch}`, options: ciOptions(settings.skipCi) }),
  );
}

/**
 * Pushes the commit (on top of the current target tip) to the bump branch with the options that open
 * or update the merge request. An existing bump branch is replaced only when it is ours (see
 * readOwnBumpBranch), and only with a lease on the very tip that was checked: when it moved since,
 * the push is refused, and the next attempt checks the new tip again.
 */
async function proposeMergeRequest(
  { settings, output, remote, workspace, branch }: Run,
  message: string,
): Promise<PushResult | { kind: 'already-proposed' }> {
  const bumpBranch = bumpBranchName(settings);
  // Known only now when the target is the default branch; settings refused it earlier when it was given.
  if (bumpBranch === branch) throw bumpBranchIsTargetError(bumpBranch);
  const existing = await remote.run('fetch', () => readOwnBumpBranch(workspace, bumpBranch, branch));
  if (existing && (await holdsSameChange(workspace, existing))) return { kind: 'already-proposed' };
  const [title, ...body] = withoutTargetTrailer(message).split('\n\n');
  const description = body.join('\n\n') || title!;
  const options = [
    ...ciOptions(settings.skipCi),
    ...mergeRequestOptions(settings.mergeRequest, branch, title!, description),
  ];
  return output.section('push', `Push ${bumpBranch} and open a merge request into ${branch}`, () =>
    remote.push(workspace, {
      refspec: `HEAD:refs/heads/${bumpBranch}`,
      options,
      forceWithLease: `refs/heads/${bumpBranch}:${existing ?? ''}`,
    }),
  );
}

/**
 * The bump branch's tip, fetched (the one read that the checks, the comparison and the lease all use),
 * or undefined when there is no such branch. Throws when the branch is not ours: its tip is not a bump
 * commit this tool wrote for `target`, or that commit does not sit on `target`'s history.
 */
async function readOwnBumpBranch(
  workspace: GitWorkspace,
  bumpBranch: string,
  target: string,
): Promise<string | undefined> {
  if (!(await workspace.remoteTip(bumpBranch))) return undefined;
  const tip = await workspace.fetch(bumpBranch);
  const raw = await workspace.rawCommit(tip);
  const notOurs = notOurBumpCommit(raw, target);
  if (notOurs) throw foreignBumpBranchError(bumpBranch, target, tip, notOurs);
  const [base] = await workspace.parentsOf(tip);
  const [clonedTarget] = await workspace.parentsOf('HEAD');
  if (base !== clonedTarget && !(await workspace.inHistoryOf(target, bumpBranch, [base!, tip]))) {
    throw foreignBumpBranchError(bumpBranch, target, tip, `is not on top of a commit of ${target}`);
  }
  return tip;
}

/** The bump branch already is our commit's tree on top of the same target tip. */
async function holdsSameChange(workspace: GitWorkspace, existing: string): Promise<boolean> {
  const [theirParents, ourParents, theirTree, ourTree] = await Promise.all([
    workspace.parentsOf(existing),
    workspace.parentsOf('HEAD'),
    workspace.resolve(`${existing}^{tree}`),
    workspace.resolve('HEAD^{tree}'),
  ]);
  return theirTree === ourTree && theirParents.join() === ourParents.join();
}

function reportExpiry(lookup: Awaited<ReturnType<typeof lookUpExpiry>>, settings: PushSettings, output: Output): void {
  if ('unknown' in lookup) return output.debug(`token expiry unknown (${lookup.unknown}); carrying on`);
  const warning = expiryWarning(lookup, settings.tokenVariable, settings.expiryWarningDays);
  if (warning) output.warn(warning);
}
