import type { PushMode } from '../settings/types.js';
import type { VerifiedImage } from '../registry/image-verification.js';

/**
 * What a run did, as data. The commit message, the text summary, `--json` and the dotenv report are
 * all built from this one record, so they cannot disagree.
 */
export type Outcome = OutcomeKindRecord & {
  /** The new images as their registries answered (push with --verify-image warn or require). */
  verified?: VerifiedImage[];
};

type OutcomeKindRecord =
  /** `edit`: the files below the working directory were changed. */
  | { kind: 'edited'; changes: Change[] }
  | { kind: 'pushed'; push: PushTarget; commit: string; changes: Change[] }
  | { kind: 'proposed'; push: PushTarget; commit: string; mergeRequest: MergeRequestRef; changes: Change[] }
  /** The bump branch already held exactly these changes on the current target: nothing was pushed. */
  | { kind: 'already-proposed'; push: PushTarget; mergeRequest: MergeRequestRef; changes: Change[] }
  /** The changes that would have been made; nothing was pushed. */
  | { kind: 'dry-run'; push: PushTarget; mergeRequest?: MergeRequestRef; changes: Change[] }
  | { kind: 'nothing-to-change'; push?: PushTarget; current: CurrentImage[]; changes: [] }
  /** `--on-downgrade skip` met a downgrade: no file was changed. */
  | { kind: 'skipped-downgrade'; push?: PushTarget; downgrades: string[]; changes: [] };

export type OutcomeKind = Outcome['kind'];

export const OUTCOME_KINDS = [
  'edited',
  'pushed',
  'proposed',
  'already-proposed',
  'dry-run',
  'nothing-to-change',
  'skipped-downgrade',
] as const satisfies readonly OutcomeKind[];

/** One image set in one file. */
export interface Change {
  name: string;
  /** The file, relative to the repository (or the working directory). */
  file: string;
  /** What the change is described by: the overlay directory, or the file itself. */
  dir: string;
  env?: string;
  /** Undefined when the image was not set before. */
  previousImage?: string;
  newImage: string;
}

export interface CurrentImage {
  name: string;
  dir: string;
  image: string;
}

/** Where a push went: the branch is the target (the merge request's target in merge-request mode). */
export interface PushTarget {
  mode: PushMode;
  branch: string;
  attempts: number;
}

export interface MergeRequestRef {
  branch: string;
  url?: string;
}

/** True when this run changed something: a commit reached the server, or (edit) a file was written. */
export function isChanged(outcome: Outcome): boolean {
  return outcome.kind === 'pushed' || outcome.kind === 'proposed' || outcome.kind === 'edited';
}

export function pushTargetOf(outcome: Outcome): PushTarget | undefined {
  return 'push' in outcome ? outcome.push : undefined;
}

export function mergeRequestOf(outcome: Outcome): MergeRequestRef | undefined {
  return 'mergeRequest' in outcome ? outcome.mergeRequest : undefined;
}

/** Only a commit that reached the server: a commit made in the clone and never pushed is never reported. */
export function pushedCommitOf(outcome: Outcome): string | undefined {
  return 'commit' in outcome ? outcome.commit : undefined;
}
