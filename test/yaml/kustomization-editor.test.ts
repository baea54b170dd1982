import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BumpError } from '../../src/failures/errors.js';
import { setImages } from '../../src/yaml/kustomization-editor.js';
import { assertKustomizationEdit } from '../../src/yaml/kustomization-postcondition.js';
import { parseImageArgs } from '../../src/image/image-arg.js';
import { renderScalar } from '../../src/yaml/source.js';
import { readSingleDocument } from '../../src/yaml/documents.js';
import type { YamlSource } from '../../src/yaml/yaml-source.js';

function edit(text: string, ...args: string[]) {
  return setImages(text, parseImageArgs(args));
}

const overlay = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# Production overlay: bumped by the release pipeline
resources:
  - ../../base
images:
  - name: registry.example.com/team/app1 # frontend
    newTag: v1.0.0
  - name: registry.example.com/team/app2
    newTag: v1.0.0 # pinned by release
`;

describe('setImages keeps everything it does not have to change', () => {
  it('changes only the tag scalar, keeping both kinds of end-of-line comment', () => {
    const { text, changes } = edit(overlay, 'registry.example.com/team/app2:v1.2.3');
    expect(text).toBe(overlay.replace('newTag: v1.0.0 # pinned', 'newTag: v1.2.3 # pinned'));
    expect(changes).toEqual([
      {
        name: 'registry.example.com/team/app2',
        before: { newTag: 'v1.0.0' },
        after: { newTag: 'v1.2.3' },
        previousImage: 'registry.example.com/team/app2:v1.0.0',
        newImage: 'registry.example.com/team/app2:v1.2.3',
        changed: true,
      },
    ]);
  });

  it('is a no-op, byte for byte, when the image is already set', () => {
    const { text, changes } = edit(overlay, 'registry.example.com/team/app1:v1.0.0');
    expect(text).toBe(overlay);
    expect(changes[0]!.changed).toBe(false);
  });

  it('adds newName after name and clears fields the argument does not give, as kustomize does', () => {
    const { text } = edit(overlay, 'registry.example.com/team/app1=mirror.example.com/app1@sha256:' + 'a'.repeat(64));
    expect(text).toBe(
      overlay.replace(
        '  - name: registry.example.com/team/app1 # frontend\n    newTag: v1.0.0\n',
        `  - name: registry.example.com/team/app1 # frontend\n    newName: mirror.example.com/app1\n    digest: sha256:${'a'.repeat(64)}\n`,
      ),
    );
  });

  it('keeps the old value for a "*" field', () => {
    const { text } = edit(overlay, 'registry.example.com/team/app1=mirror.example.com/app1:*');
    expect(text).toContain(
      '  - name: registry.example.com/team/app1 # frontend\n    newName: mirror.example.com/app1\n    newTag: v1.0.0\n',
    );
  });

  it('inserts a new entry where name order puts it, in the file’s own indentation', () => {
    const { text } = edit(overlay, 'registry.example.com/team/app1b:v3');
    expect(text).toBe(
      overlay.replace(
        '  - name: registry.example.com/team/app2\n',
        '  - name: registry.example.com/team/app1b\n    newTag: v3\n  - name: registry.example.com/team/app2\n',
      ),
    );
  });

  it('appends a new last entry after the last one', () => {
    const { text } = edit(overlay, 'zeta:1.0');
    expect(text).toBe(`${overlay}  - name: zeta\n    newTag: "1.0"\n`);
  });

  it('inserts above the comment lines that belong to the following entry', () => {
    const src = 'images:\n# the api\n- name: b\n  newTag: v1\n';
    expect(edit(src, 'a:v2').text).toBe('images:\n- name: a\n  newTag: v2\n# the api\n- name: b\n  newTag: v1\n');
  });

  it('creates images: at the end when it is missing, following the file’s list indentation', () => {
    const src = 'resources:\n  - ../../base\n';
    expect(edit(src, 'app=reg.example.com/app:v1').text).toBe(
      `${src}images:\n  - name: app\n    newName: reg.example.com/app\n    newTag: v1\n`,
    );
  });

  it('creates images: in kustomize style when the file has no list, adding the missing final newline', () => {
    expect(edit('kind: Kustomization', 'app:v1').text).toBe(
      'kind: Kustomization\nimages:\n- name: app\n  newTag: v1\n',
    );
  });

  it('handles an empty file and a comment-only file', () => {
    expect(edit('', 'app:v1').text).toBe('images:\n- name: app\n  newTag: v1\n');
    expect(edit('# managed by CI\n', 'app:v1').text).toBe('# managed by CI\nimages:\n- name: app\n  newTag: v1\n');
  });

  it('fills an empty images: key', () => {
    expect(edit('images:\nresources: []\n', 'app:v1').text).toBe('images:\n- name: app\n  newTag: v1\nresources: []\n');
  });

  it('keeps numeric-looking tags strings', () => {
    const { text } = edit('images:\n- name: app\n  newTag: v1\n', 'app:1234');
    expect(text).toBe('images:\n- name: app\n  newTag: "1234"\n');
  });

  it('reads a plain numeric tag as written (1.10 is not 1.1), and quotes it so kustomize reads it too', () => {
    // kustomize refuses `newTag: 1.10` (json: cannot unmarshal number into … newTag of type string).
    const { text, changes } = edit('images:\n- name: app\n  newTag: 1.10\n', 'app:1.10');
    expect(text).toBe('images:\n- name: app\n  newTag: "1.10"\n');
    expect(changes[0]).toMatchObject({ before: { newTag: '1.10' }, after: { newTag: '1.10' }, changed: true });
  });

  it('keeps the quoting style of the scalar it changes', () => {
    expect(edit("images:\n- name: app\n  newTag: 'v1'\n", 'app:v2').text).toBe(
      "images:\n- name: app\n  newTag: 'v2'\n",
    );
    expect(edit('images:\n- name: "app"\n  newTag: "v1"\n', 'app:v2').text).toBe(
      'images:\n- name: "app"\n  newTag: "v2"\n',
    );
  });

  it('keeps CRLF line endings and a UTF-8 byte order mark', () => {
    const src = '\uFEFFresources:\r\n- ../../base\r\nimages:\r\n- name: app # web\r\n  newTag: v1\r\n';
    expect(edit(src, 'app:v2', 'other:v9').text).toBe(
      '\uFEFFresources:\r\n- ../../base\r\nimages:\r\n- name: app # web\r\n  newTag: v2\r\n- name: other\r\n  newTag: v9\r\n',
    );
  });

  it('edits flow-style lists and maps in place', () => {
    const src = 'images: [{name: app, newTag: v1}, {name: zed, newName: x}]\n';
    expect(edit(src, 'app:v2', 'mid:v1', 'zed:v3').text).toBe(
      'images: [{name: app, newTag: v2}, {name: mid, newTag: v1}, {name: zed, newTag: v3}]\n',
    );
  });

  it('keeps a kustomization written as JSON valid JSON: added keys, values and entries are written as JSON', () => {
    const src = '{\n  "resources": ["deployment.yaml"],\n  "images": [{"name": "app", "newTag": null}]\n}\n';
    const { text } = edit(src, 'app=registry.example.com/app:v2', 'web:on');
    expect(text).toBe(
      '{\n  "resources": ["deployment.yaml"],\n  "images": [{"name": "app", "newName": "registry.example.com/app", "newTag": "v2"}, {"name": "web", "newTag": "on"}]\n}\n',
    );
    expect(JSON.parse(text).images).toEqual([
      { name: 'app', newName: 'registry.example.com/app', newTag: 'v2' },
      { name: 'web', newTag: 'on' },
    ]);
    // With no `images` key, the list goes after the last pair: a closing brace on its own line stays there.
    expect(edit('{\n  "resources": []\n}\n', 'app:v2').text).toBe(
      '{\n  "resources": [], "images": [{"name": "app", "newTag": "v2"}]\n}\n',
    );
    // A flow mapping with plain keys is YAML, and gets plain keys.
    expect(edit('{resources: [] # comment\n}\n', 'app:on').text).toBe(
      '{resources: [], images: [{name: app, newTag: "on"}] # comment\n}\n',
    );
  });

  it('removes a field that sits on the dash line', () => {
    const src = 'images:\n- newTag: v1\n  name: app\n';
    expect(edit(src, 'app@sha256:' + 'b'.repeat(64)).text).toBe(
      `images:\n- name: app\n  digest: sha256:${'b'.repeat(64)}\n`,
    );
  });

  it('sets tag and digest together', () => {
    const src = 'images:\n- name: app\n  newTag: v1\n';
    expect(edit(src, `app:v2@sha256:${'c'.repeat(64)}`).text).toBe(
      `images:\n- name: app\n  newTag: v2\n  digest: sha256:${'c'.repeat(64)}\n`,
    );
  });
  it('turns a block scalar into a plain one and keeps the comment on its header line', () => {
    const src = 'images:\n- name: app\n  newTag: |-  # the release\n    1.0.0\n  newName: reg/app\n';
    expect(edit(src, 'app=reg/app:2.0.0').text).toBe(
      'images:\n- name: app\n  newTag: 2.0.0  # the release\n  newName: reg/app\n',
    );
    const crlf = src.replace(/\n/g, '\r\n').replace('|-  #', '>\t#');
    expect(edit(crlf, 'app=reg/app:2.0.0').text).toBe(
      'images:\n- name: app\n  newTag: 2.0.0\t# the release\n  newName: reg/app\n'.replace(/\n/g, '\r\n'),
    );
  });
});

describe('setImages refuses what it cannot edit safely', () => {
  it('reports malformed YAML with file:line:column', () => {
    expect(() =>
      setImages(
        'images:\n- name: a\n  newTag: [v1\n',
        parseImageArgs(['a:v2']),
        'manifests/overlays/prod/kustomization.yaml',
      ),
    ).toThrow(/^manifests\/overlays\/prod\/kustomization\.yaml:\d+:\d+: /);
  });

  it('reports duplicate keys with their position', () => {
    expect(() => setImages('images: []\nimages: []\n', parseImageArgs(['a:v2']), 'k.yaml')).toThrow(
      /^k\.yaml:2:1: Map keys must be unique/,
    );
  });

  it('refuses a multi-document kustomization', () => {
    expect(() => setImages('kind: Kustomization\n---\nkind: Other\n', parseImageArgs(['a:v2']), 'k.yaml')).toThrow(
      /^k\.yaml:2:1: a kustomization holds one YAML document/,
    );
  });

  it('refuses images: that is not a list', () => {
    expect(() => setImages('images: app\n', parseImageArgs(['a:v2']), 'k.yaml')).toThrow(/`images` must be a list/);
  });
});

const GOLDEN = join(import.meta.dirname, '../fixtures/kustomize');

describe('setImages on the golden cases (test/fixtures/kustomize)', () => {
  const cases = readdirSync(GOLDEN, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  it('has a case for each known bug and refusal', () => {
    expect(cases.length).toBeGreaterThanOrEqual(21);
  });
  it.each(cases)('%s', (name) => {
    const read = (file: string) => readFileSync(join(GOLDEN, name, file), 'utf8');
    const original = read('kustomization.yaml');
    const settings = parseImageArgs(read('args').split('\n').filter(Boolean));
    if (existsSync(join(GOLDEN, name, 'expected.yaml'))) {
      expect(setImages(original, settings).text).toBe(read('expected.yaml'));
      return;
    }
    const [, exitCode, message] = /^(\d) (.*)\n$/.exec(read('error'))!;
    const thrown = (() => {
      try {
        setImages(original, settings);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(BumpError);
    expect((thrown as BumpError).message).toBe(message);
    expect((thrown as BumpError).exitCode).toBe(Number(exitCode));
    expect((thrown as BumpError).hint).toMatch(/then bump again/);
  });
});

describe('setImages follows kustomize’s set image', () => {
  it('replaces the whole entry: tagSuffix goes, a "*" keeps the old value, fields not given are cleared', () => {
    const src =
      'images:\n- name: app\n  newName: old/app\n  tagSuffix: -x\n  newTag: v1\n  digest: sha256:' +
      'a'.repeat(64) +
      '\n';
    expect(edit(src, 'app=*:v2').text).toBe('images:\n- name: app\n  newName: old/app\n  newTag: v2\n');
  });

  it('reports a quoting fix or a dropped tagSuffix as a change even when the image reads the same', () => {
    const { changes } = edit('images:\n- name: app\n  newTag: v1\n  tagSuffix: -x\n', 'app:v1');
    expect(changes[0]).toMatchObject({ previousImage: 'app:v1', newImage: 'app:v1', changed: true });
  });

  it('refuses an entry with a key kustomize does not know (exit 2)', () => {
    expect(() => edit('images:\n- name: app\n  tag: v1\n', 'app:v2')).toThrow(
      /images entry for app has the key "tag", which kustomize does not know/,
    );
  });

  it('refuses keys kustomize reads without regard to case (exit 2)', () => {
    expect(() => edit('Images:\n- name: app\n', 'app:v2')).toThrow(
      /^kustomization\.yaml:1: kustomize reads `Images` as `images` \(it ignores the case of keys\), this tool does not$/,
    );
    expect(() => edit('images:\n- name: web\n  NewTag: v1\n', 'app:v2')).toThrow(
      /:3: kustomize reads `NewTag` as `newTag`/,
    );
  });

  it('leaves duplicate entries of a name no argument names as they are', () => {
    const src = 'images:\n- name: a\n  newTag: v1\n- name: a\n  newTag: v2\n- name: b\n  newTag: v1\n';
    expect(edit(src, 'b:v3').text).toBe(src.replace('- name: b\n  newTag: v1', '- name: b\n  newTag: v3'));
  });

  it('replaces an alias for the entry being edited and keeps the anchor for the others', () => {
    const src = 'images: [{name: a, newTag: &t v1}, {name: b, newTag: *t}, {name: c, newTag: *t}]\n';
    expect(edit(src, 'b:v2').text).toBe(
      'images: [{name: a, newTag: &t v1}, {name: b, newTag: v2}, {name: c, newTag: *t}]\n',
    );
  });

  it('refuses an entry that is itself an alias of another', () => {
    expect(() => edit('images:\n- &e {name: app, newTag: v1}\n- *e\n', 'app:v2')).toThrow(
      /`images` lists app more than once/,
    );
  });

  it('refuses an `images` list that is an alias', () => {
    expect(() => edit('x: &l [{name: a}]\nimages: *l\n', 'a:v2')).toThrow(/`images` is an alias \(\*l\)/);
  });
});

describe('renderScalar quotes what a YAML 1.1 reader would not read as the same string', () => {
  it.each([
    'on',
    'On',
    'ON',
    'off',
    'yes',
    'no',
    'y',
    'Y',
    'n',
    'N',
    'true',
    'False',
    'null',
    'Null',
    '~',
    '1234',
    '012',
    '08',
    '0b101',
    '0o17',
    '0x1F',
    '1_000',
    '1e3',
    '1.10',
    '.5',
    '+1',
    '-1.5',
    '.inf',
    '.NaN',
    '1:20',
    '190:20:30',
    '2001-12-14',
    '=',
    '<<',
  ])('%s', (value) => {
    expect(renderScalar(value)).toBe(JSON.stringify(value));
  });
  it.each([
    'v1',
    'v1.2.3',
    '1.2.3',
    'latest',
    '1.0-rc.1',
    'sha256:abc',
    'registry.example.com:5000/team/app',
    'yes-please',
    'onion',
  ])('%s stays plain', (value) => {
    expect(renderScalar(value)).toBe(value);
  });
});

describe('the postcondition', () => {
  const before = 'resources:\n- ../base # shared\nimages:\n- name: app\n  newTag: v1\n';
  const settings = parseImageArgs(['app:v2']);
  const file = 'overlays/prod/kustomization.yaml';
  /** The old text as the editor read it (with its CST), which the postcondition does not read again. */
  const asRead = (text: string): YamlSource => readSingleDocument(text, file).source;
  const corrupt =
    (after: string, given: string | YamlSource = before) =>
    () =>
      assertKustomizationEdit(given, after, settings, file);

  it('accepts exactly kustomize’s change', () => {
    expect(corrupt(before.replace('v1', 'v2'))).not.toThrow();
    expect(corrupt(before.replace('newTag: v1', 'newTag: "v2"'))).not.toThrow();
    expect(corrupt(before.replace('v1', 'v2'), asRead(before))).not.toThrow();
  });

  it('compares in YAML 1.1 as well, also with the old text as the editor read it', () => {
    // 0o17 is 15 in YAML 1.2 and the string "0o17" in YAML 1.1.
    const old = 'replicas: 0o17\nimages:\n- name: app\n  newTag: v1\n';
    const after = 'replicas: 15\nimages:\n- name: app\n  newTag: v2\n';
    for (const given of [old, asRead(old)]) expect(corrupt(after, given)).toThrow(/`replicas` would differ/);
  });

  it.each([
    [
      'a duplicate key',
      before.replace('newTag: v1', 'newTag: v2\n  newTag: v2'),
      /does not parse as YAML 1\.2: Map keys must be unique/,
    ],
    ['broken syntax', before.replace('newTag: v1', 'newTag: [v2'), /does not parse as YAML 1\.2/],
    [
      'a tag YAML 1.1 reads as a boolean',
      before.replace('newTag: v1', 'newTag: on'),
      /images would read \[\{"name":"app","newTag":"on"\}\] in YAML 1\.2.*|images would read \[\{"name":"app","newTag":true\}\] in YAML 1\.1/,
    ],
    [
      'another key changed',
      before.replace('newTag: v1', 'newTag: v2').replace('../base', '../base2'),
      /`resources` would differ/,
    ],
    ['a second document', `${before.replace('v1', 'v2')}---\nkind: X\n`, /holds 2 YAML documents instead of 1/],
    ['a field left over', before.replace('newTag: v1', 'newTag: v2\n  tagSuffix: -x'), /images would read/],
  ])('refuses %s with the one internal error', (_, after, detail) => {
    expect(corrupt(after)).toThrow(
      /^internal: the edit of overlays\/prod\/kustomization\.yaml would change more than the image \(.*\); nothing was written$/,
    );
    expect(corrupt(after)).toThrow(detail);
    expect(corrupt(after, asRead(before))).toThrow(detail);
  });
});
