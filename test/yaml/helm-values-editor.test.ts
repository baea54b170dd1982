import { describe, expect, it } from 'vitest';
import { BumpError, UsageError } from '../../src/failures/errors.js';
import { parseImageArgs } from '../../src/image/image-arg.js';
import { setHelmImage, type HelmImageTarget } from '../../src/yaml/helm-values-editor.js';

function edit(text: string, targets: HelmImageTarget | HelmImageTarget[], ...args: string[]) {
  return setHelmImage(text, parseImageArgs(args), targets, 'charts/app/values.yaml');
}

const DIGEST = `sha256:${'a'.repeat(64)}`;

const values = `# Default values for app.
replicaCount: 2

image:
  repository: registry.example.com/team/app # the app
  pullPolicy: IfNotPresent
  # Overrides the image tag whose default is the chart appVersion.
  tag: "1.4.0"
  digest: ""

backend:
  image:
    repository: 'registry.example.com/team/backend'
    tag: 2.0
  resources: {}
`;

describe('setHelmImage: repository, tag and digest keys', () => {
  it('writes only the tag for a tag-only setting, keeping quotes and comments', () => {
    const { text, changes } = edit(values, { path: 'image' }, 'app:1.5.0');
    expect(text).toBe(values.replace('tag: "1.4.0"', 'tag: "1.5.0"'));
    expect(changes).toEqual([
      {
        name: 'app',
        before: { newName: 'registry.example.com/team/app', newTag: '1.4.0' },
        after: { newName: 'registry.example.com/team/app', newTag: '1.5.0' },
        previousImage: 'registry.example.com/team/app:1.4.0',
        newImage: 'registry.example.com/team/app:1.5.0',
        changed: true,
        path: 'image',
        line: 5,
      },
    ]);
  });

  it('writes repository, tag and digest from a full setting', () => {
    const { text } = edit(values, { path: 'image' }, `app=mirror.example.com/app:1.5.0@${DIGEST}`);
    expect(text).toBe(
      values
        .replace('repository: registry.example.com/team/app #', 'repository: mirror.example.com/app #')
        .replace('tag: "1.4.0"', 'tag: "1.5.0"')
        .replace('digest: ""', `digest: "${DIGEST}"`),
    );
  });

  it('empties a digest written there when a new tag comes without one (the chart would keep deploying the old digest)', () => {
    const pinned = `image:\n  repository: app\n  tag: v1 # set by CI\n  digest: "${DIGEST}"\n`;
    const { text, changes } = edit(pinned, { path: 'image' }, 'app=mirror.example.com/app:v2');
    expect(text).toBe('image:\n  repository: mirror.example.com/app\n  tag: v2 # set by CI\n  digest: ""\n');
    expect(changes[0]).toMatchObject({
      previousImage: `app:v1@${DIGEST}`,
      newImage: 'mirror.example.com/app:v2',
      after: { newName: 'mirror.example.com/app', newTag: 'v2' },
    });
    expect(edit('image: {repository: app, tag: v1, digest: sha256:x}\n', { path: 'image' }, 'app=*:v2').text).toBe(
      'image: {repository: app, tag: v2, digest: ""}\n',
    );
    // A digest a merge key supplies is overridden by an empty one in the mapping itself.
    const merged = `base: &b\n  digest: ${DIGEST}\nimage:\n  <<: *b\n  repository: app\n  tag: v1\n`;
    expect(edit(merged, { path: 'image' }, 'app:v2').text).toBe(
      merged.replace('  tag: v1\n', '  tag: v2\n  digest: ""\n'),
    );
    // A digest setting leaves the tag.
    expect(edit(pinned, { path: 'image' }, `app@sha256:${'b'.repeat(64)}`).text).toBe(
      pinned.replace(DIGEST, `sha256:${'b'.repeat(64)}`),
    );
  });

  it('follows a nested path and keeps a numeric-looking tag a string', () => {
    const { text, changes } = edit(values, { path: 'backend.image' }, 'backend:2.1');
    expect(text).toBe(values.replace('    tag: 2.0\n', '    tag: "2.1"\n'));
    expect(changes[0]).toMatchObject({ before: { newTag: '2.0' }, after: { newTag: '2.1' }, changed: true, line: 13 });
  });

  it('adds a key the mapping lacks, after the keys that come before it', () => {
    const { text } = edit(values, { path: 'backend.image' }, `backend@${DIGEST}`);
    expect(text).toBe(values.replace('    tag: 2.0\n', `    tag: 2.0\n    digest: ${DIGEST}\n`));
  });

  it('adds several missing keys in image-key order, after the image key before them', () => {
    const src = 'image:\n  repository: app\n  pullPolicy: Always\nother: 1';
    expect(edit(src, { path: 'image' }, `app:v2@${DIGEST}`).text).toBe(
      `image:\n  repository: app\n  tag: v2\n  digest: ${DIGEST}\n  pullPolicy: Always\nother: 1`,
    );
    const last = 'image:\n  pullPolicy: Always\n  repository: app';
    expect(edit(last, { path: 'image' }, 'app:v2').text).toBe(`${last}\n  tag: v2\n`);
  });

  it('uses configured key names and fills an empty value', () => {
    const src = 'web:\n  img:\n    name: app\n    version:\n    pullPolicy: Always\n';
    const { text } = edit(src, { path: 'web.img', keys: { repository: 'name', tag: 'version' } }, 'app=reg/app:v2');
    expect(text).toBe('web:\n  img:\n    name: reg/app\n    version: v2\n    pullPolicy: Always\n');
  });

  it('edits a flow mapping in place', () => {
    const src = 'image: {repository: app, tag: v1}\r\n';
    expect(edit(src, { path: 'image' }, `app:v2@${DIGEST}`).text).toBe(
      `image: {repository: app, tag: v2, digest: ${DIGEST}}\r\n`,
    );
  });

  it('is a no-op, byte for byte, when the values already hold the image', () => {
    const { text, changes } = edit(values, { path: 'image' }, 'app:1.4.0');
    expect(text).toBe(values);
    expect(changes[0]!.changed).toBe(false);
  });

  it('leaves "*" fields as they are', () => {
    const { text } = edit(values, { path: 'image' }, 'app=*:1.5.0');
    expect(text).toBe(values.replace('tag: "1.4.0"', 'tag: "1.5.0"'));
  });
});

describe('setHelmImage: full-reference values', () => {
  const full =
    'app:\n  image: registry.example.com/team/app:1.4.0@sha256:old # pinned\nsidecars:\n  - image: "busybox:1.36"\n';

  it('rewrites a key holding the full reference like a manifest image (a new tag drops the digest)', () => {
    const { text, changes } = edit(full, { path: 'app', keys: { full: 'image' } }, 'app:1.5.0');
    expect(text).toBe(full.replace('app:1.4.0@sha256:old # pinned', 'app:1.5.0 # pinned'));
    expect(changes[0]).toMatchObject({
      path: 'app.image',
      previousImage: 'registry.example.com/team/app:1.4.0@sha256:old',
      newImage: 'registry.example.com/team/app:1.5.0',
    });
  });

  it('accepts a path that leads straight to the reference, list indexes included', () => {
    expect(edit(full, { path: 'sidecars.0.image' }, 'busybox:1.37').text).toBe(
      full.replace('"busybox:1.36"', '"busybox:1.37"'),
    );
  });
});

describe('setHelmImage: several paths and images', () => {
  it('picks each path’s image by explicit name or by the repository written there', () => {
    const { text, changes } = setHelmImage(
      values,
      parseImageArgs(['registry.example.com/team/app:1.5.0', 'backend:3.0.0']),
      [{ path: 'image' }, { path: 'backend.image', image: 'backend' }],
    );
    expect(text).toBe(values.replace('tag: "1.4.0"', 'tag: "1.5.0"').replace('    tag: 2.0\n', '    tag: 3.0.0\n'));
    expect(changes.map((change) => [change.path, change.name])).toEqual([
      ['image', 'registry.example.com/team/app'],
      ['backend.image', 'backend'],
    ]);
  });

  it('fails when several images are given and a path names none of them', () => {
    expect(() => edit(values, { path: 'image' }, 'one:1', 'two:2')).toThrow(UsageError);
  });
});

describe('setHelmImage: errors', () => {
  it('names a missing path and lists the top-level keys', () => {
    const attempt = () => edit(values, { path: 'frontend.image' }, 'app:1');
    expect(attempt).toThrow(BumpError);
    expect(attempt).toThrow(
      'charts/app/values.yaml: `frontend.image` not found: there is no top-level key `frontend`; top-level keys: replicaCount, image, backend',
    );
  });

  it('names the step that is missing deeper down', () => {
    expect(() => edit(values, { path: 'backend.img' }, 'app:1')).toThrow(
      'charts/app/values.yaml: `backend.img` not found: `backend` has no `img` (it has: image, resources); top-level keys: replicaCount, image, backend',
    );
  });

  it('refuses a path that holds neither image keys nor a reference', () => {
    expect(() => edit(values, { path: 'backend.resources' }, 'app:1')).toThrow(
      '`backend.resources` is neither a mapping with repository, tag or digest nor an image reference',
    );
  });

  it('reports malformed YAML with file:line:col', () => {
    expect(() => edit('image:\n  tag: [1\nx: y\n', { path: 'image' }, 'app:1')).toThrow(
      /^charts\/app\/values\.yaml:\d+:\d+: /,
    );
  });
});

describe('setHelmImage: values no reader may misread, empty values, anchors and aliases', () => {
  it('quotes a tag a YAML 1.1 reader (Helm) would not read as a string, in every way a tag is written', () => {
    const src = 'image:\n  repository: app\n  tag: v1\n';
    for (const ambiguous of ['on', 'yes', 'y', 'off', '1_000', '0b101', '1e3', '012', 'null']) {
      expect(edit(src, { path: 'image' }, `app:${ambiguous}`).text).toBe(src.replace('tag: v1', `tag: "${ambiguous}"`));
    }
    expect(edit('image:\n  repository: app\n  tag:\n', { path: 'image' }, 'app:on').text).toBe(
      'image:\n  repository: app\n  tag: "on"\n',
    );
    expect(edit('image:\n  repository: app\n', { path: 'image' }, 'app:yes').text).toBe(
      'image:\n  repository: app\n  tag: "yes"\n',
    );
    expect(edit("image: {repository: app, tag: 'v1'}\n", { path: 'image' }, 'app:off').text).toBe(
      "image: {repository: app, tag: 'off'}\n",
    );
  });

  it('fills `tag:`, `tag: ~` and `tag: null`, and replaces a block scalar with a plain value', () => {
    for (const empty of ['', ' ~', ' null', ' ~ # none yet']) {
      expect(
        edit(`image:\n  repository: app\n  tag:${empty}\n  pullPolicy: Always\n`, { path: 'image' }, 'app:v2').text,
      ).toBe(`image:\n  repository: app\n  tag: v2${empty.includes('#') ? ' # none yet' : ''}\n  pullPolicy: Always\n`);
    }
    expect(edit('image:\n  tag: |\n    v1\n  repository: app\n', { path: 'image' }, `app:v2@${DIGEST}`).text).toBe(
      `image:\n  tag: v2\n  digest: ${DIGEST}\n  repository: app\n`,
    );
  });

  it('fills an empty value in a flow mapping and adds a key right after it (property-test seed)', () => {
    const src = 'image:\n  {\n    tag:,\n    pullPolicy: IfNotPresent,\n    repository: app # trailing comment\n  }\n';
    expect(edit(src, { path: 'image' }, `app:v1@${DIGEST}`).text).toBe(
      src.replace('tag:,', `tag: v1, digest: ${DIGEST},`),
    );
  });

  it('gives a tag that is an alias of the repository its own value (property-test seed)', () => {
    const src = 'image:\n  repository: &v3 "ghcr.io/org/web-api"\n  tag: *v3\n';
    expect(edit(src, { path: 'image' }, 'app=app:v1').text).toBe('image:\n  repository: &v3 "app"\n  tag: v1\n');
  });

  it('refuses, exit 1, to change an anchored value that an alias repeats elsewhere, naming the alias', () => {
    const src = 'image:\n  repository: app\n  tag: &version v1\nappVersion: *version\n';
    const attempt = () => edit(src, { path: 'image' }, 'app:v2');
    expect(attempt).toThrow(
      'charts/app/values.yaml:3: `image.tag` shares its value with `appVersion` through the alias `*version` (line 4): changing one would change the other',
    );
    expect(attempt).toThrow(expect.objectContaining({ exitCode: 1 }));
  });

  it('refuses to add a key to a mapping an alias shares, and edits one reached through an alias only when nothing else shares it', () => {
    const shared = 'defaults: &img\n  repository: app\n  tag: v1\nimage: *img\n';
    expect(() => edit(shared, { path: 'image' }, `app@${DIGEST}`)).toThrow(
      '`image` shares its value with `defaults` through the alias `*img`',
    );
    expect(() => edit(shared, { path: 'image' }, 'app:v2')).toThrow(
      '`image.tag` shares its value with `defaults.tag` through the alias `*img`',
    );
    expect(edit('tag: &t v1\nimage:\n  repository: app\n  tag: *t\n', { path: 'image' }, 'app:v2').text).toBe(
      'tag: &t v1\nimage:\n  repository: app\n  tag: v2\n',
    );
  });
});

describe('setHelmImage: a merge key', () => {
  it('writes a key into the mapping itself, overriding what `<<: *defaults` supplies and leaving the defaults alone', () => {
    const src =
      'defaults: &defaults\n  repository: registry.example.com/team/app\n  tag: v1\nimage:\n  <<: *defaults\n  pullPolicy: Always\n';
    const { text, changes } = edit(src, { path: 'image' }, 'app:v2');
    expect(text).toBe(`${src}  tag: v2\n`);
    expect(changes[0]).toMatchObject({
      previousImage: 'registry.example.com/team/app:v1',
      newImage: 'registry.example.com/team/app:v2',
      changed: true,
    });
  });
});

describe('setHelmImage: one place given twice', () => {
  it('edits it once', () => {
    const src = 'image:\n  repository: app\n  tag:\n';
    const { text, changes } = setHelmImage(src, parseImageArgs([`app:v2@${DIGEST}`]), [
      { path: 'image' },
      { path: 'image' },
    ]);
    expect(text).toBe(`image:\n  repository: app\n  tag: v2\n  digest: ${DIGEST}\n`);
    expect(changes).toHaveLength(1);
  });
});
