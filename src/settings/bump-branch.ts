import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { BumpError, UsageError } from '../failures/errors.js';
import type { PushSettings } from './types.js';

/**
 * The merge-request branch is named from WHAT is bumped, never from the version, so a newer release
 * of the same app and environment updates the one open merge request instead of opening another.
 */
export function bumpBranchName(
  settings: Pick<PushSettings, 'images' | 'targets' | 'environments' | 'mergeRequest'>,
): string {
  const names = [...new Set(settings.images.map((image) => image.name))].sort();
  const app = names.length === 1 ? names[0]!.split('/').at(-1)! : sha256Hex(names.join('\n')).slice(0, 8);
  const { kustomizations, files, helm, markers } = settings.targets;
  const paths = kustomizations.filter((target) => !target.env).map((target) => target.dir);
  const places = [...settings.environments, ...paths, ...files, ...helm.files, ...markers];
  const env = [...new Set(places.map((place) => place.replace(/\//g, '-')))].join('+');
  return settings.mergeRequest.branchTemplate
    .replace(/\{app\}/g, app)
    .replace(/\{env\}/g, env)
    .replace(/[^A-Za-z0-9._/+-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/\/{2,}/g, '/')
    .replace(/^[-/.]+|[-/.]+$/g, '');
}

/** node:crypto is loaded on first use: at start-up it costs milliseconds before the clone can start. */
function sha256Hex(text: string): string {
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof Crypto;
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The trailer that marks a merge-request bump commit as this tool's, for one target branch: only a
 * bump branch whose tip carries it (and sits on the target's history) is ever rewritten.
 */
export const TARGET_TRAILER = 'Image-Bump-Target';

export function targetTrailer(target: string): string {
  return `${TARGET_TRAILER}: ${target}`;
}

/** The message without the target trailer (the merge request's description has no use for it). */
export function withoutTargetTrailer(message: string): string {
  return message
    .split('\n\n')
    .map((paragraph) =>
      paragraph
        .split('\n')
        .filter((line) => !line.startsWith(`${TARGET_TRAILER}:`))
        .join('\n')
        .trimEnd(),
    )
    .filter((paragraph) => paragraph.trim())
    .join('\n\n');
}

/**
 * Why the commit (as `git cat-file commit` prints it) is not a bump commit this tool wrote for `target`,
 * or undefined when it is one: a single parent, and the target trailer in the message's last paragraph.
 */
export function notOurBumpCommit(rawCommit: string, target: string): string | undefined {
  const [header = '', ...message] = rawCommit.split('\n\n');
  if ((header.match(/^parent /gm) ?? []).length !== 1) return 'is not a single commit on top of another';
  const trailers =
    message
      .filter((paragraph) => paragraph.trim())
      .at(-1)
      ?.split('\n') ?? [];
  if (!trailers.includes(targetTrailer(target)))
    return `was not written by gitops-image-bump for ${target} (no "${targetTrailer(target)}" trailer)`;
  return undefined;
}

/** `--mr-branch` names the target itself: the merge request would propose a branch into itself, by force. */
export function bumpBranchIsTargetError(branch: string, source = '--mr-branch'): UsageError {
  return new UsageError(`${source} makes the bump branch ${branch}, the branch the merge request is for`, {
    hint: `The bump branch must be a branch of its own, proposed INTO ${branch}: use a name like image-bump/{env}/{app} (the default), or leave --mr-branch out.`,
  });
}

/** The bump branch exists and is not recognisably ours: it is never rewritten. */
export function foreignBumpBranchError(branch: string, target: string, tip: string, reason: string): BumpError {
  return new BumpError(
    `merge-request branch ${branch} already exists and is not a bump branch of ${target}: its tip ${tip.slice(0, 12)} ${reason}`,
    {
      hint: `Nothing was pushed. An existing bump branch is replaced only when its tip is a bump commit this tool wrote for ${target}, on top of ${target}. Choose another --mr-branch (default image-bump/{env}/{app}), or, if the branch is a leftover nobody needs, delete it in GitLab (Code > Branches) and run again.`,
    },
  );
}
