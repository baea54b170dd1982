import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The entry hands argv, the environment and the working directory in; git/debug-switches.ts only deletes DEBUG before simple-git loads. */
const ALLOWED = new Set(['src/cli.ts', 'src/git/debug-switches.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('one reader of inputs', () => {
  it('no module outside settings/ reads process.env, process.argv or process.cwd()', () => {
    const readers = sourceFiles(join(root, 'src'))
      .map((file) => relative(root, file).split('\\').join('/'))
      .filter((file) => !file.startsWith('src/settings/') && !ALLOWED.has(file))
      .filter((file) =>
        /\bprocess\s*\.\s*(env|argv|cwd)\b|\bprocess\s*\[|\{[^}]*\b(env|argv)\b[^}]*\}\s*=\s*process\b/.test(
          readFileSync(join(root, file), 'utf8'),
        ),
      );
    expect(readers).toEqual([]);
  });
});
