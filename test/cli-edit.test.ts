import { mkdtemp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastLine, runCli } from './support/run-cli.js';

async function overlayDir(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'image-bump-edit-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

const KUSTOMIZATION = `# prod
resources:
- ../../base
images:
- name: app # the web app
  newTag: v1.0.0
`;

describe('edit', () => {
  it('sets the image in the directory’s kustomization, keeping comments, and prints a summary', async () => {
    const root = await overlayDir({ 'overlays/prod/kustomization.yaml': KUSTOMIZATION });
    const result = await runCli(['edit', '--dir', 'overlays/prod', '--image', 'app=registry.example.com/app:v1.1.0'], {
      cwd: root,
    });
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(root, 'overlays/prod/kustomization.yaml'), 'utf8')).toBe(
      KUSTOMIZATION.replace('  newTag: v1.0.0\n', '  newName: registry.example.com/app\n  newTag: v1.1.0\n'),
    );
    expect(lastLine(result.stdout)).toBe('set app in overlays/prod: app:v1.0.0 -> registry.example.com/app:v1.1.0');
  });

  it('finds kustomization.yml and Kustomization as kustomize does, and edits a --file directly', async () => {
    const root = await overlayDir({
      'a/kustomization.yml': KUSTOMIZATION,
      'b/Kustomization': KUSTOMIZATION,
      'c/custom.yaml': KUSTOMIZATION,
    });
    for (const args of [
      ['--dir', 'a'],
      ['--dir', 'b'],
      ['--file', 'c/custom.yaml'],
    ]) {
      const result = await runCli(['edit', ...args, '--image', 'app:v2.0.0'], { cwd: root });
      expect(result.exitCode, result.stderr).toBe(0);
    }
    for (const file of ['a/kustomization.yml', 'b/Kustomization', 'c/custom.yaml']) {
      expect(await readFile(join(root, file), 'utf8')).toBe(KUSTOMIZATION.replace('v1.0.0', 'v2.0.0'));
    }
  });

  it('refuses two kustomization files in one directory, as kustomize does', async () => {
    const root = await overlayDir({ 'x/kustomization.yaml': KUSTOMIZATION, 'x/kustomization.yml': KUSTOMIZATION });
    const result = await runCli(['edit', '--dir', 'x', '--image', 'app:v2.0.0'], { cwd: root });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'error: x has more than one kustomization file: kustomization.yaml, kustomization.yml',
    );
  });

  it('lists the overlays that exist when the directory is missing', async () => {
    const root = await overlayDir({
      'overlays/dev/kustomization.yaml': KUSTOMIZATION,
      'overlays/prod/kustomization.yaml': KUSTOMIZATION,
    });
    const result = await runCli(['edit', '--dir', 'overlays/production', '--image', 'app:v2.0.0'], { cwd: root });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /error: directory overlays\/production does not exist\nhint: Existing directories in overlays: dev, prod\./,
    );
  });

  it('rejects a bare name with kustomize’s list of accepted forms, before touching the file', async () => {
    const root = await overlayDir({ 'o/kustomization.yaml': KUSTOMIZATION });
    const result = await runCli(['edit', '--dir', 'o', '--image', 'app:v2.0.0', '--image', 'app'], { cwd: root });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: .*invalid format of image/);
    expect(result.stderr).toContain('<image>=<newimage>:<newtag>');
    expect(await readFile(join(root, 'o/kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION);
  });

  it('refuses a downgrade unless asked, and skip leaves the file alone with exit 0', async () => {
    const root = await overlayDir({ 'o/kustomization.yaml': KUSTOMIZATION });
    const refused = await runCli(['edit', '--dir', 'o', '--image', 'app:v0.9.0'], { cwd: root });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('error: refusing to downgrade app v1.0.0 -> v0.9.0 in o/kustomization.yaml');
    expect(refused.stderr).toContain('--on-downgrade allow');
    const skipped = await runCli(['edit', '--dir', 'o', '--image', 'app:v0.9.0', '--on-downgrade', 'skip'], {
      cwd: root,
    });
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stderr).toContain('warning: not downgrading app v1.0.0 -> v0.9.0');
    expect(await readFile(join(root, 'o/kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION);
    const allowed = await runCli(['edit', '--dir', 'o', '--image', 'app:v0.9.0', '--on-downgrade', 'allow'], {
      cwd: root,
    });
    expect(allowed.exitCode).toBe(0);
    expect(await readFile(join(root, 'o/kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION.replace('v1.0.0', 'v0.9.0'));
  });

  it('refuses a kustomization that is a symbolic link out of the directory', async () => {
    const outside = await overlayDir({ 'kustomization.yaml': KUSTOMIZATION });
    const root = await overlayDir({ 'o/.keep': '' });
    await symlink(join(outside, 'kustomization.yaml'), join(root, 'o/kustomization.yaml'));
    const result = await runCli(['edit', '--dir', 'o', '--image', 'app:v2.0.0'], { cwd: root });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('leads outside the repository');
    expect(await readFile(join(outside, 'kustomization.yaml'), 'utf8')).toBe(KUSTOMIZATION);
  });
});
