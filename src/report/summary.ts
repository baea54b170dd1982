import type { Change, Outcome } from './outcome.js';

/** The one line that ends every successful run without `--json`. */
export function textSummary(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'edited':
      return `set ${describeChanges(outcome.changes)}`;
    case 'pushed': {
      const { branch, attempts } = outcome.push;
      return `bumped ${describeChanges(outcome.changes)} (commit ${short(outcome.commit)} on ${branch}${attempts > 1 ? `, after ${attempts} attempts` : ''})`;
    }
    case 'proposed': {
      const { mergeRequest: mr } = outcome;
      return `proposed ${describeChanges(outcome.changes)} (commit ${short(outcome.commit)} on ${mr.branch}, merge request into ${outcome.push.branch}${mr.url ? `: ${mr.url}` : ''})`;
    }
    case 'already-proposed':
      return `nothing to change: merge request branch ${outcome.mergeRequest.branch} already proposes ${describeChanges(outcome.changes)} for ${outcome.push.branch}`;
    case 'dry-run': {
      const what = describeChanges(outcome.changes);
      const mr = outcome.mergeRequest;
      return `dry run: would ${mr ? `propose ${what} in a merge request from ${mr.branch} into` : `bump ${what} on`} ${outcome.push.branch}; nothing pushed`;
    }
    case 'nothing-to-change':
      return `nothing to change: ${outcome.current.map((c) => `${c.name} in ${c.dir} is already ${c.image}`).join('; ') || 'no images given'}`;
    case 'skipped-downgrade':
      return `nothing to change: not downgrading ${outcome.downgrades.join('; ')} (--on-downgrade skip)`;
  }
}

function describeChanges(changes: readonly Change[]): string {
  if (changes.length === 1) {
    const [c] = changes;
    return `${c!.name} in ${c!.dir}: ${c!.previousImage ?? '(not set)'} -> ${c!.newImage}`;
  }
  const dirs = [...new Set(changes.map((c) => c.dir))];
  return `${changes.length} images in ${dirs.join(', ')}: ${changes.map((c) => `${c.name} -> ${c.newImage}`).join(', ')}`;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
