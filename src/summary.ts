import type { EditPlan, FileEdit } from './edit-plan.js';
import type { PushResult } from './push.js';

/** The one line that ends every successful run. */
export function pushSummary(result: PushResult): string {
  const mr = result.mergeRequest;
  if (!result.changed) return `nothing to change: ${describeState(result.edits)}`;
  const what = describeChanges(result.edits);
  if (result.dryRun) return `dry run: would ${mr ? `propose ${what} in a merge request from ${mr.branch} into` : `bump ${what} on`} ${result.branch}; nothing pushed`;
  if (mr?.upToDate) return `nothing to change: merge request branch ${mr.branch} already proposes ${what} for ${result.branch}`;
  if (mr) return `proposed ${what} (commit ${short(result.commit)} on ${mr.branch}, merge request into ${result.branch}${mr.url ? `: ${mr.url}` : ''})`;
  return `bumped ${what} (commit ${short(result.commit)} on ${result.branch}${result.attempts > 1 ? `, after ${result.attempts} attempts` : ''})`;
}

export function editSummary(plan: EditPlan): string {
  if (plan.changed.length === 0) return `nothing to change: ${describeState(plan.edits)}`;
  return `set ${describeChanges(plan.changed)}`;
}

/** Every change made, as data: the JSON summary and the dotenv report are built from this. */
export function changeRecords(edits: readonly FileEdit[]) {
  return edits.flatMap((edit) =>
    edit.changes.filter((c) => c.changed).map((c) => ({ name: c.name, file: edit.shown, previousImage: c.previousImage ?? null, newImage: c.newImage })),
  );
}

function describeChanges(edits: readonly FileEdit[]): string {
  const changes = edits.flatMap((edit) => edit.changes.filter((c) => c.changed).map((c) => ({ ...c, dir: edit.dir })));
  if (changes.length === 1) {
    const [c] = changes;
    return `${c!.name} in ${c!.dir}: ${c!.previousImage ?? '(not set)'} -> ${c!.newImage}`;
  }
  const dirs = [...new Set(changes.map((c) => c.dir))];
  return `${changes.length} images in ${dirs.join(', ')}: ${changes.map((c) => `${c.name} -> ${c.newImage}`).join(', ')}`;
}

function describeState(edits: readonly FileEdit[]): string {
  return edits.flatMap((edit) => edit.changes.map((c) => `${c.name} in ${edit.dir} is already ${c.newImage}`)).join('; ') || 'no images given';
}

function short(sha: string | undefined): string {
  return (sha ?? '').slice(0, 7);
}
