import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import { parseImageArgs } from '../src/image/image-arg.js';
import { kustomizeSetImage } from '../src/yaml/kustomize-set-image.js';
import { modelEntries } from '../src/yaml/kustomization-postcondition.js';

/**
 * The real kustomize (kubectl's built-in `kubectl kustomize`) builds every golden result, and the images
 * it renders are the ones the reference model of `kustomize edit set image` says. This checks the
 * model's reading of kustomize and the editor's quoting (kustomize refuses `newTag: on`) against the
 * real thing. Skipped where kubectl is not installed.
 */

const GOLDEN = join(import.meta.dirname, 'fixtures/kustomize');
const kubectl = await execa('kubectl', ['version', '--client'], { reject: false }).catch(() => undefined);
const available = kubectl?.exitCode === 0 && /Kustomize Version: v5/.test(kubectl.stdout);

/** What kustomize's image transformer makes of `<name>:orig` for one entry. */
function renderedImage(entry: Record<string, string>): string {
  const name = entry.newName || entry.name!;
  const tag = entry.newTag ? `:${entry.newTag}` : entry.digest ? '' : ':orig';
  return `${name}${tag}${entry.digest ? `@${entry.digest}` : ''}`;
}

const cases = readdirSync(GOLDEN, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(GOLDEN, entry.name, 'expected.yaml')))
  .map((entry) => entry.name)
  .filter((name) => readFileSync(join(GOLDEN, name, 'expected.yaml'), 'utf8').includes('deployment.yaml'));

describe.skipIf(!available)('kubectl kustomize on the golden results', () => {
  it.each(cases)('%s', async (name) => {
    const read = (file: string) => readFileSync(join(GOLDEN, name, file), 'utf8');
    const settings = parseImageArgs(read('args').split('\n').filter(Boolean));
    const model = kustomizeSetImage(
      modelEntries(parseDocument(read('kustomization.yaml'), { version: '1.1' })),
      settings,
    ) as Record<string, string>[];
    const containers = model.map((entry, index) => ({ name: `c${index}`, image: `${entry.name}:orig` }));
    const dir = await mkdtemp(join(tmpdir(), 'image-bump-kustomize-'));
    await writeFile(join(dir, 'kustomization.yaml'), read('expected.yaml'));
    await writeFile(
      join(dir, 'deployment.yaml'),
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app' },
        spec: { template: { spec: { containers } } },
      }),
    );
    const built = await execa('kubectl', ['kustomize', dir], { reject: false });
    expect(built.stderr).toBe('');
    const deployment = parseAllDocuments(built.stdout)[0]!.toJS() as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(deployment.spec.template.spec.containers.map((container) => container.image)).toEqual(
      model.map(renderedImage),
    );
  });
});
