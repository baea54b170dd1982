import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchTip } from './support/gitops-repo.js';
import { runCli } from './support/run-cli.js';
import { newProject, pushTo, useGitLabServer } from './support/test-server.js';

/** An image whose value an environment variable repeats through an alias: bumping it in place would bump both. */
const SHARED = `apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: &api registry.example.com/team/api:v1.0.0
      env:
        - name: UPSTREAM_IMAGE
          value: *api
`;

const VALUES = 'image:\n  repository: registry.example.com/team/api\n  tag: v1\n';

async function localFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'image-bump-refusal-'));
  await writeFile(join(dir, name), text);
  return dir;
}

describe('edits that would change more than the image', () => {
  it('edit --file refuses an anchored image an alias repeats, exit 1, naming the alias, and leaves the file as it was', async () => {
    const dir = await localFile('pod.yaml', SHARED);
    const result = await runCli(['edit', '--file', 'pod.yaml', '--image', 'registry.example.com/team/api:v1.1.0'], {
      cwd: dir,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'error: pod.yaml:8: `spec.containers[0].image` shares its value with `spec.containers[0].env[0].value` through the alias `*api` (line 11): changing one would change the other',
    );
    expect(result.stderr).toMatch(/\nhint: Write the value out/);
    expect(await readFile(join(dir, 'pod.yaml'), 'utf8')).toBe(SHARED);
  });

  it('edit --helm-values writes a tag a YAML 1.1 reader would take for a boolean as a string', async () => {
    const dir = await localFile('values.yaml', VALUES);
    const result = await runCli(
      ['edit', '--helm-values', 'values.yaml', '--helm-path', 'image', '--image', 'registry.example.com/team/api:on'],
      { cwd: dir },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readFile(join(dir, 'values.yaml'), 'utf8')).toBe(VALUES.replace('tag: v1', 'tag: "on"'));
  });
});

describe('a refused edit pushes nothing', () => {
  const server = useGitLabServer();

  it('push --file exits 1 and the branch stays where it was', async () => {
    const { project, env } = await newProject(server, 'refusals', { files: { 'apps/pod.yaml': SHARED } });
    const tip = await branchTip(server, project, 'main');
    const result = await pushTo(
      server,
      project,
      env,
      '--file',
      'apps/pod.yaml',
      '--image',
      'registry.example.com/team/api:v1.1.0',
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('shares its value with `spec.containers[0].env[0].value` through the alias `*api`');
    expect(await branchTip(server, project, 'main')).toBe(tip);
  });
});
