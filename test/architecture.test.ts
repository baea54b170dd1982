import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function sourceModules(dir = join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceModules(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [relative(root, join(dir, entry.name)).split('\\').join('/')]
        : [],
  );
}

describe('docs/architecture.md', () => {
  const table = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const listed = [...table.matchAll(/^\| `(src\/[^`]+)` \|/gm)].map((match) => match[1]!);

  it('names every module of src/ with its purpose', () => {
    const modules = sourceModules();
    expect(modules.length).toBeGreaterThan(40);
    expect(modules.filter((module) => !listed.includes(module))).toEqual([]);
  });

  it('names no module that does not exist', () => {
    const modules = new Set(sourceModules());
    expect(listed.filter((module) => !modules.has(module))).toEqual([]);
  });
});
