import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

async function overlay(content: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'image-bump-kustomization-'));
  await mkdir(join(root, 'o'));
  await writeFile(join(root, 'o/kustomization.yaml'), content);
  return root;
}

describe('edit refuses what it cannot change without changing more, and writes nothing', () => {
  it('an anchored tag shared by another entry: exit 1, naming the alias', async () => {
    const src = 'images:\n- name: app\n  newTag: &v v1\n- name: other\n  newTag: *v\n';
    const root = await overlay(src);
    const result = await runCli(['edit', '--dir', 'o', '--image', 'app:v2'], { cwd: root });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'error: o/kustomization.yaml:3: `newTag` of app is anchored as &v and shared by *v (line 5): editing it would change that too',
    );
    expect(result.stderr).toContain(
      'hint: Write the value out where *v is used (or drop the anchor), then bump again.',
    );
    expect(await readFile(join(root, 'o/kustomization.yaml'), 'utf8')).toBe(src);
  });

  it('a name listed twice: exit 2, saying what kustomize would do', async () => {
    const src = 'images:\n- name: app\n  newTag: v1\n- name: app\n  newTag: v3\n';
    const root = await overlay(src);
    const result = await runCli(['edit', '--dir', 'o', '--image', 'app:v2'], { cwd: root });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error: o/kustomization.yaml: `images` lists app more than once (lines 2 and 4)');
    expect(result.stderr).toContain('`kustomize edit set image` would merge them into one');
    expect(await readFile(join(root, 'o/kustomization.yaml'), 'utf8')).toBe(src);
  });

  it('writes a tag YAML 1.1 reads as a boolean quoted, so kustomize still reads the overlay', async () => {
    const root = await overlay('images:\n- name: app\n  newTag: v1\n');
    const result = await runCli(['edit', '--dir', 'o', '--image', 'app:on'], { cwd: root });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readFile(join(root, 'o/kustomization.yaml'), 'utf8')).toBe('images:\n- name: app\n  newTag: "on"\n');
  });
});
