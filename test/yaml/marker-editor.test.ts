import { describe, expect, it } from 'vitest';
import { BumpError } from '../../src/failures/errors.js';
import { parseImageArgs } from '../../src/image/image-arg.js';
import { assertImagesMarked, findMarkers, setMarkedImages } from '../../src/yaml/marker-editor.js';

function edit(text: string, ...args: string[]) {
  return setMarkedImages(text, parseImageArgs(args), 'apps/web.yaml');
}

const DIGEST = `sha256:${'b'.repeat(64)}`;

const release = `# HelmRelease values, bumped by CI
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  values:
    image: registry.example.com/team/web:1.4.0 # image-bump: web
    split:
      repository: registry.example.com/team/web   #image-bump:web:name
      tag: "1.4.0"  # image-bump: web : tag
      digest: ''    # image-bump:  web:digest
    worker:
      image: registry.example.com/team/worker:0.9.0 # image-bump: worker
    notes: "web stays here"   # not a marker
---
apiVersion: v1
kind: ConfigMap
data:
  WEB_TAG: '1.4.0' # image-bump: web:tag
  UNRELATED: x # image-bump: other
`;

describe('setMarkedImages: the four marker kinds', () => {
  it('writes the full reference, the name, the tag and the digest where each is marked', () => {
    const { text, changes, placesChanged } = edit(release, `web=mirror.example.com/web:1.5.0@${DIGEST}`);
    expect(text).toBe(
      release
        .replace('image: registry.example.com/team/web:1.4.0 #', `image: mirror.example.com/web:1.5.0@${DIGEST} #`)
        .replace('repository: registry.example.com/team/web ', 'repository: mirror.example.com/web ')
        .replace('tag: "1.4.0"', 'tag: "1.5.0"')
        .replace("digest: ''", `digest: '${DIGEST}'`)
        .replace("WEB_TAG: '1.4.0'", "WEB_TAG: '1.5.0'"),
    );
    expect(placesChanged).toBe(5);
    expect(changes.map((change) => [change.part, change.line, change.previousImage, change.newImage])).toEqual([
      ['full', 8, 'registry.example.com/team/web:1.4.0', `mirror.example.com/web:1.5.0@${DIGEST}`],
      ['name', 10, 'registry.example.com/team/web', 'mirror.example.com/web'],
      ['tag', 11, 'web:1.4.0', 'web:1.5.0'],
      ['digest', 12, 'web', `web@${DIGEST}`],
      ['tag', 20, 'web:1.4.0', 'web:1.5.0'],
    ]);
  });

  it('writes only the parts a tag-only setting gives; the full reference follows kustomize', () => {
    const { text, changes, placesChanged } = edit(release, 'web:1.5.0');
    expect(text).toBe(
      release
        .replace('image: registry.example.com/team/web:1.4.0 #', 'image: registry.example.com/team/web:1.5.0 #')
        .replace('tag: "1.4.0"', 'tag: "1.5.0"')
        .replace("WEB_TAG: '1.4.0'", "WEB_TAG: '1.5.0'"),
    );
    expect(placesChanged).toBe(3);
    expect(changes[1]).toEqual({
      name: 'web',
      before: { newTag: '1.4.0' },
      after: { newTag: '1.5.0' },
      previousImage: 'web:1.4.0',
      newImage: 'web:1.5.0',
      changed: true,
      part: 'tag',
      line: 11,
    });
  });

  it('empties a marked digest when a new tag comes without one, as kustomize drops the digest of a reference', () => {
    const pinned = `repository: web # image-bump: web:name\ntag: v1 # image-bump: web:tag\ndigest: "${DIGEST}" # image-bump: web:digest\n`;
    const { text, changes } = edit(pinned, 'web:v2');
    expect(text).toBe(
      `repository: web # image-bump: web:name\ntag: v2 # image-bump: web:tag\ndigest: "" # image-bump: web:digest\n`,
    );
    expect(changes.map((change) => [change.part, change.previousImage, change.newImage, change.changed])).toEqual([
      ['tag', 'web:v1', 'web:v2', true],
      ['digest', `web@${DIGEST}`, 'web', true],
    ]);
    // `*` keeps the tag, so the digest stays too.
    expect(edit(pinned, 'web=*:*').text).toBe(pinned);
  });

  it('counts places already up to date as changes that changed nothing', () => {
    const { text, changes, placesChanged } = edit(release, 'web:1.4.0');
    expect(text).toBe(release);
    expect(placesChanged).toBe(0);
    expect(changes.map((change) => change.changed)).toEqual([false, false, false]);
  });

  it('handles several images in one call, each only at its own markers', () => {
    const { text, placesChanged } = edit(release, 'worker:1.0.0', 'other=reg/other:2');
    expect(text).toBe(
      release.replace('worker:0.9.0', 'worker:1.0.0').replace('UNRELATED: x #', 'UNRELATED: reg/other:2 #'),
    );
    expect(placesChanged).toBe(2);
  });

  it('keeps CRLF line endings and the quoting of the marked scalar', () => {
    const crlf = release.replace(/\n/g, '\r\n');
    expect(edit(crlf, 'web:1.5.0').text).toBe(
      crlf
        .replace('image: registry.example.com/team/web:1.4.0 #', 'image: registry.example.com/team/web:1.5.0 #')
        .replace('tag: "1.4.0"', 'tag: "1.5.0"')
        .replace("WEB_TAG: '1.4.0'", "WEB_TAG: '1.5.0'"),
    );
  });

  it('quotes a plain scalar whose new value would read as a number', () => {
    expect(edit('tag: 1.4 # image-bump: web:tag\n', 'web:1.5').text).toBe('tag: "1.5" # image-bump: web:tag\n');
  });

  it('marks list items and flow values too', () => {
    const src =
      'args:\n  - --image=unused\n  - registry.example.com/web:1 # image-bump: web\nflow: [a, b] # image-bump: web\n';
    expect(edit(src, 'web:2').text).toBe(src.replace('registry.example.com/web:1', 'registry.example.com/web:2'));
  });
});

describe('findMarkers and assertImagesMarked', () => {
  it('lists every marker with its name, part, line and value', () => {
    expect(findMarkers(release)).toEqual([
      { name: 'web', part: 'full', line: 8, value: 'registry.example.com/team/web:1.4.0' },
      { name: 'web', part: 'name', line: 10, value: 'registry.example.com/team/web' },
      { name: 'web', part: 'tag', line: 11, value: '1.4.0' },
      { name: 'web', part: 'digest', line: 12, value: '' },
      { name: 'worker', part: 'full', line: 14, value: 'registry.example.com/team/worker:0.9.0' },
      { name: 'web', part: 'tag', line: 20, value: '1.4.0' },
      { name: 'other', part: 'full', line: 21, value: 'x' },
    ]);
  });

  it('reads a registry port as part of the name, and ignores comments on lines of their own', () => {
    const src =
      '# image-bump: lonely\nimage: localhost:5000/app:1 # image-bump: localhost:5000/app\ntag: v1 # image-bump: localhost:5000/app:tag\n';
    expect(findMarkers(src).map(({ name, part }) => [name, part])).toEqual([
      ['localhost:5000/app', 'full'],
      ['localhost:5000/app', 'tag'],
    ]);
  });

  it('fails, naming each image without a marker', () => {
    const names = findMarkers(release).map((marker) => marker.name);
    expect(() => assertImagesMarked(parseImageArgs(['web:1', 'worker:2']), names, 'clusters/prod')).not.toThrow();
    const attempt = () => assertImagesMarked(parseImageArgs(['web:1', 'api:2', 'db:3']), names, 'clusters/prod');
    expect(attempt).toThrow(BumpError);
    expect(attempt).toThrow('clusters/prod: no `# image-bump: api`, `# image-bump: db` marker found');
  });

  it('reports malformed YAML with file:line:col', () => {
    expect(() => edit('a: 1\n---\nb: "open\n', 'web:2')).toThrow(/^apps\/web\.yaml:\d+:\d+: /);
  });
});

describe('setMarkedImages: values no reader may misread, anchors and aliases', () => {
  it('quotes a plain value a YAML 1.1 reader would not read as a string', () => {
    expect(edit('tag: v1 # image-bump: web:tag\n', 'web:yes').text).toBe('tag: "yes" # image-bump: web:tag\n');
    expect(edit("tag: 'v1' # image-bump: web:tag\n", 'web:on').text).toBe("tag: 'on' # image-bump: web:tag\n");
  });

  it('refuses, exit 1, to change a marked value that an alias repeats elsewhere, naming the alias', () => {
    const src = 'tag: &t v1 # image-bump: web:tag\ncopy: *t\n';
    const attempt = () => edit(src, 'web:v2');
    expect(attempt).toThrow(
      'apps/web.yaml:1: `tag` shares its value with `copy` through the alias `*t` (line 2): changing one would change the other',
    );
    expect(attempt).toThrow(expect.objectContaining({ exitCode: 1 }));
    expect(edit('tag: &t v1 # image-bump: web:tag\n', 'web:v2').text).toBe('tag: &t v2 # image-bump: web:tag\n');
  });
});

describe('setMarkedImages: a marked alias', () => {
  it('replaces a marked alias by the new value in its own place, keeping the anchor and its other uses', () => {
    const src =
      'defaults:\n  tag: &version v1\nweb:\n  tag: *version # image-bump: web:tag\nworker:\n  tag: *version\n';
    expect(findMarkers(src)).toEqual([{ name: 'web', part: 'tag', line: 4, value: 'v1' }]);
    const { text, placesChanged } = edit(src, 'web:v2');
    expect(text).toBe(src.replace('tag: *version # image-bump', 'tag: v2 # image-bump'));
    expect(placesChanged).toBe(1);
  });
});
