import { describe, expect, it } from 'vitest';
import { applyEditsOf, assertOnlyIntendedChanges } from '../../src/yaml/edit-postcondition.js';
import { BumpError } from '../../src/failures/errors.js';

const POD =
  'kind: Pod\nmetadata:\n  name: web # the web tier\nspec:\n  containers:\n  - name: main\n    image: app:1\n';
const IMAGE = ['spec', 'containers', 0, 'image'];

function failure(after: string, intended = [{ document: 0, path: IMAGE, value: 'app:2' }], before = POD): string {
  try {
    assertOnlyIntendedChanges('apps/web.yaml', before, after, intended);
  } catch (error) {
    expect(error).toBeInstanceOf(BumpError);
    expect((error as BumpError).exitCode).toBe(1);
    expect((error as BumpError).hint).toMatch(/bug in gitops-image-bump/);
    return (error as Error).message;
  }
  return 'accepted';
}

describe('assertOnlyIntendedChanges', () => {
  it('accepts exactly the intended change, whatever the quoting, comments or line breaks', () => {
    expect(failure(POD.replace('app:1', 'app:2'))).toBe('accepted');
    expect(failure(POD.replace('app:1', '"app:2"').replace(/\n/g, '\r\n'))).toBe('accepted');
    expect(failure(POD, [])).toBe('accepted');
  });

  it('refuses text that does not parse, or has a duplicate key', () => {
    expect(failure(POD.replace('app:1', '[app:2'))).toMatch(
      /^internal: the edit of apps\/web\.yaml would change more than the image \(it would not parse: .*\); nothing was written$/,
    );
    expect(failure(POD.replace('    image: app:1\n', '    image: app:2\n    image: app:2\n'))).toMatch(
      /it would not parse: Map keys must be unique/,
    );
  });

  it('refuses any other value that changed, was added or removed', () => {
    expect(failure(POD.replace('app:1', 'app:2').replace('name: main', 'name: other'))).toContain(
      '`spec.containers[0].name` would change from "main" to "other"',
    );
    expect(failure(POD.replace('app:1', 'app:2').replace('  - name: main\n    image', '  - image'))).toContain(
      '`spec.containers[0].name` would be removed',
    );
    expect(failure(POD.replace('app:1', 'app:2\n    tag: v2'))).toContain('`spec.containers[0].tag` would be added');
    expect(failure(POD.replace('  - name: main\n', '  - name: main\n  - name: extra\n'))).toContain(
      '`spec.containers` would have 2 items instead of 1',
    );
  });

  it('refuses a missing, different or YAML 1.1-ambiguous intended value', () => {
    expect(failure(POD)).toContain('`spec.containers[0].image` would hold "app:1" instead of "app:2"');
    expect(failure(POD.replace('app:1', 'on'), [{ document: 0, path: IMAGE, value: 'on' }])).toContain(
      '`spec.containers[0].image` would be the plain scalar on, which a YAML 1.1 reader does not read as a string',
    );
    expect(failure(POD.replace('app:1', '1.10'), [{ document: 0, path: IMAGE, value: '1.10' }])).toContain(
      'would hold 1.1 instead of "1.10"',
    );
    expect(failure(POD.replace('app:1', '"on"'), [{ document: 0, path: IMAGE, value: 'on' }])).toBe('accepted');
  });

  it('refuses a change that an alias carries to another place', () => {
    const before = 'a: &v app:1\nb: *v\n';
    expect(failure('a: &v app:2\nb: *v\n', [{ document: 0, path: ['a'], value: 'app:2' }], before)).toContain(
      '`b` would change from "app:1" to "app:2"',
    );
    expect(
      failure(
        'a: &v app:2\nb: *v\n',
        [
          { document: 0, path: ['a'], value: 'app:2' },
          { document: 0, path: ['b'], value: 'app:2' },
        ],
        before,
      ),
    ).toBe('accepted');
  });

  it('refuses a different number of documents or a changed kind', () => {
    expect(failure(`${POD}---\nkind: Service\n`, [])).toContain('it would hold 2 documents instead of 1');
    const two = `${POD}---\nkind: Service\n`;
    expect(failure(two.replace('kind: Service', 'kind: Ingress'), [], two)).toContain(
      'document 2: its kind would change from Service to Ingress',
    );
  });
});

describe('applyEditsOf', () => {
  it('reports two edits of one place as an edit that would corrupt the file', () => {
    expect(() =>
      applyEditsOf('apps/web.yaml', 'a: 1\n', [
        { start: 3, end: 4, text: '2' },
        { start: 3, end: 4, text: '3' },
      ]),
    ).toThrow(
      /^internal: the edit of apps\/web\.yaml would change more than the image \(overlapping edits at offset 3\); nothing was written$/,
    );
  });
});
