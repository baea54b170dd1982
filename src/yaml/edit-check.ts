import { BumpError } from '../failures/errors.js';

/**
 * The one error every editor's postcondition raises: the new text would not parse, or would mean more
 * (or less) than the intended image change. Nothing is written or pushed after it.
 */
export function editWouldCorrupt(file: string, detail: string): BumpError {
  return new BumpError(
    `internal: the edit of ${file} would change more than the image (${detail}); nothing was written`,
    {
      hint: 'This is a bug in gitops-image-bump, not in your file: please report it with the file (or a reduced copy of it) and the --image arguments.',
    },
  );
}
