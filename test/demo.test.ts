/**
 * `npm run demo` shows the product at its best: a bump that changes what is deployed (no "changes
 * nothing" warning), two concurrent bumps that both land, and a late downgrade refused.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

it('bumps, survives a concurrent bump, refuses a downgrade, and warns about nothing', async () => {
  const run = await execa(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: ROOT,
    reject: false,
    all: true,
    timeout: 60_000,
  });
  const output = run.all ?? '';
  expect(run.exitCode, output).toBe(0);
  expect(output).not.toMatch(/warning:/);
  expect(output).toContain(
    'bumped registry.example.com/team/app2 in manifests/overlays/prod: registry.example.com/team/app2:v1.0.0 -> registry.example.com/team/app2:v1.2.3',
  );
  expect(output).toMatch(/^ {2}\+ {4}newTag: v1\.2\.3$/m);
  expect(output).toMatch(/bumped registry\.example\.com\/team\/app1 .*-> registry\.example\.com\/team\/app1:v2\.0\.0/);
  expect(output).toMatch(/bumped registry\.example\.com\/team\/app2 .*-> registry\.example\.com\/team\/app2:v1\.3\.0/);
  expect(output).toContain('error: refusing to downgrade registry.example.com/team/app2 v1.3.0 -> v1.2.4');
  expect(output).toContain('main unchanged');
  expect(output).not.toContain('demo-project-access-token');
}, 60_000);
