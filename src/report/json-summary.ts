import { isChanged, mergeRequestOf, pushedCommitOf, pushTargetOf, type Outcome } from './outcome.js';
import type { Failure } from '../failures/output.js';
import { redact } from '../failures/redact.js';

/**
 * The one JSON object that ends every run with `--json`, failed or not: whether it succeeded, its
 * exit code, the error and hint of a failure, and the outcome (null when the run failed or was --help).
 */
export function jsonSummary(outcome: Outcome | null, failure?: Failure): string {
  const exitCode = failure?.exitCode ?? 0;
  const record = {
    ok: exitCode === 0,
    exitCode,
    error: failure?.message ?? null,
    hint: failure?.hint ?? null,
    outcome: outcome && outcomeRecord(outcome),
  };
  // Every string is redacted before it is escaped: an escaped secret would no longer match its plain form.
  return JSON.stringify(record, (_key, value: unknown) => (typeof value === 'string' ? redact(value) : value));
}

function outcomeRecord(outcome: Outcome) {
  const mergeRequest = mergeRequestOf(outcome);
  const push = pushTargetOf(outcome);
  return {
    kind: outcome.kind,
    changed: isChanged(outcome),
    mode: push?.mode ?? null,
    branch: push?.branch ?? null,
    commit: pushedCommitOf(outcome) ?? null,
    attempts: push?.attempts ?? null,
    changes: outcome.changes.map((change) => ({
      name: change.name,
      file: change.file,
      previousImage: change.previousImage ?? null,
      newImage: change.newImage,
    })),
    mergeRequest: mergeRequest ? { branch: mergeRequest.branch, url: mergeRequest.url ?? null } : null,
    skippedDowngrades: outcome.kind === 'skipped-downgrade' ? outcome.downgrades : [],
    // Only when the registries were asked: runs without the check keep their shape.
    ...(outcome.verified
      ? {
          verifiedImages: outcome.verified.map(({ image, digest, status }) => ({
            image,
            digest: digest ?? null,
            status,
          })),
        }
      : {}),
  };
}
