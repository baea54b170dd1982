/** The README's component documentation is generated from the template: `npm run docs`. */
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/docs.mjs');
const docs = (...args: string[]) =>
  execa(process.execPath, [SCRIPT, ...args], {
    cwd: ROOT,
    reject: false,
    env: { PATH: process.env.PATH ?? '' },
    extendEnv: false,
  });

let readme: string;
let dir: string;

beforeAll(async () => {
  readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  dir = await mkdtemp(join(tmpdir(), 'readme-inputs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('README component documentation', () => {
  it('is up to date with templates/image-bump.yml (run `npm run docs`)', async () => {
    const result = await docs('--check');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('has one table row per input, in template order, and every input in the usage block', async () => {
    const [header] = parseAllDocuments(await readFile(join(ROOT, 'templates/image-bump.yml'), 'utf8')) as unknown as [
      { toJS(): any },
    ];
    const names = Object.keys(header.toJS().spec.inputs);
    const table = readme.slice(readme.indexOf('<!-- inputs:start -->'), readme.indexOf('<!-- inputs:end -->'));
    expect([...table.matchAll(/^\| `([\w-]+)` \|/gm)].map((match) => match[1])).toEqual(names);
    expect(table).toContain('| `target_env` | string | **required** |');
    expect(table).toContain('| `on_downgrade` | string | `fail` | `fail`, `skip`, `allow` |');
    const usage = readme.slice(readme.indexOf('<!-- usage:start -->'), readme.indexOf('<!-- usage:end -->'));
    for (const name of names) expect(usage).toMatch(new RegExp(`^      ${name}: `, 'm'));
  });

  it('fails the check when the table is stale, and rewrites it', async () => {
    const stale = join(dir, 'README.md');
    await writeFile(stale, readme.replace(/^\| `dry_run` .*\n/m, ''));
    const check = await docs('--check', '--readme', stale);
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toContain('npm run docs');

    expect((await docs('--readme', stale)).exitCode).toBe(0);
    expect(await readFile(stale, 'utf8')).toBe(readme);
  });

  it('starts where someone including the component starts, and ends with development and releasing', () => {
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(sections).toEqual([
      'Requirements',
      'Quick start in a pipeline',
      'Recipes',
      'Component inputs',
      'Versions and the runner image',
      'CLI',
      'Development',
      'Releasing',
    ]);
    const recipes = readme.slice(readme.indexOf('## Recipes'), readme.indexOf('## Component inputs'));
    expect([...recipes.matchAll(/^### (.+)$/gm)].map((match) => match[1])).toEqual([
      "The application's release pipeline",
      'The GitOps side, triggered by the application',
      'Several environments',
      'Merge requests',
      'Keyless (GitLab 19)',
      'Verify the image',
    ]);
    // The first include is near the top, not after the CLI reference.
    expect(readme.indexOf('include:')).toBeLessThan(readme.indexOf('## Recipes'));
    for (const page of ['docs/troubleshooting.md', 'docs/performance.md']) expect(readme).toContain(`](${page})`);
  });
});
