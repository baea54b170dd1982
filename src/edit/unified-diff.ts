import { createTwoFilesPatch } from 'diff';

/** A git-style unified diff of one file's edit, computed in-process (no git run for what we already hold). */
export function unifiedDiff(path: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, '', '', { context: 3 });
  return `diff --git a/${path} b/${path}\n${patch.replace(/^=+\n/, '').replace(/\t$/gm, '')}`.trimEnd();
}
