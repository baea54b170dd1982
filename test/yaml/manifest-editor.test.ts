import { describe, expect, it } from 'vitest';
import { BumpError } from '../../src/failures/errors.js';
import { parseImageArgs, splitImage, type ImageSetting } from '../../src/image/image-arg.js';
import { matchesImageName, rewriteImage, setManifestImages } from '../../src/yaml/manifest-editor.js';

function edit(text: string, ...args: string[]) {
  return setManifestImages(text, parseImageArgs(args));
}

/** The Deployment of kustomize's imagetag filter tests, with its seven images in order. */
function deployment(images: readonly string[]): string {
  const [a, b, c, d, e, f, g] = images;
  return `group: apps
apiVersion: v1
kind: Deployment
metadata:
  name: deploy1
spec:
  template:
    spec:
      containers:
      - image: ${a}
        name: nginx-tagged
      - image: ${b}
        name: nginx-latest
      - image: ${c}
        name: replaced-with-digest
      - image: ${d}
        name: postgresdb
      initContainers:
      - image: ${e}
        name: nginx-notag
      - image: ${f}
        name: nginx-sha256
      - image: ${g}
        name: init-alpine
`;
}

const ORIGINAL = [
  'nginx:1.7.9',
  'nginx:latest',
  'foobar:1',
  'postgres:1.8.0',
  'nginx',
  'nginx@sha256:111111111111111111',
  'alpine:1.8.0',
];
const DIGEST = 'sha256:46d5b90a7f4e9996351ad893a26bcbd27216676ad4d5316088ce351fb2c2c3dd';

function foo(spec: string): string {
  return `apiVersion: example.com/v1\nkind: Foo\nmetadata:\n  name: instance\nspec:\n${spec}`;
}

// Ported from kustomize's api/filters/imagetag tests (imagetag_test.go, legacy_test.go), run with the
// default `images` field specs instead of each test's own.
const kustomizeCases: { name: string; setting: ImageSetting; input: string; expected: string }[] = [
  {
    name: 'ignore CustomResourceDefinition',
    setting: { name: 'whatever', newName: 'theImageShouldNotChangeInACrd' },
    input:
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: whatever\nspec:\n  containers:\n  - image: whatever\n',
    expected:
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: whatever\nspec:\n  containers:\n  - image: whatever\n',
  },
  {
    name: 'multiple images in containers',
    setting: { name: 'nginx', newName: 'apache', digest: '12345' },
    input: foo('  containers:\n  - image: nginx:1.2.1\n  - image: nginx:2.1.2\n'),
    expected: foo('  containers:\n  - image: apache@12345\n  - image: apache@12345\n'),
  },
  {
    name: 'both containers and initContainers',
    setting: { name: 'nginx', newName: 'apache', newTag: '3.2.1' },
    input: foo(
      '  containers:\n  - image: nginx:1.2.1\n  - image: tomcat:1.2.3\n  initContainers:\n  - image: nginx:1.2.1\n  - image: apache:1.2.3\n',
    ),
    expected: foo(
      '  containers:\n  - image: apache:3.2.1\n  - image: tomcat:1.2.3\n  initContainers:\n  - image: apache:3.2.1\n  - image: apache:1.2.3\n',
    ),
  },
  {
    name: 'updates at multiple depths',
    setting: { name: 'nginx', newName: 'apache', newTag: '3.2.1' },
    input: foo(
      '  containers:\n  - image: nginx:1.2.1\n  - image: tomcat:1.2.3\n  template:\n    spec: \n      initContainers:\n      - image: nginx:1.2.1\n      - image: apache:1.2.3\n',
    ),
    expected: foo(
      '  containers:\n  - image: apache:3.2.1\n  - image: tomcat:1.2.3\n  template:\n    spec: \n      initContainers:\n      - image: apache:3.2.1\n      - image: apache:1.2.3\n',
    ),
  },
  {
    // kustomize's test adds a `spec/image` field spec; the default ones do not include it.
    name: 'a bare spec.image is not an image field by default',
    setting: { name: 'nginx', newName: 'apache', digest: '12345' },
    input: foo('  image: nginx:1.2.1\n'),
    expected: foo('  image: nginx:1.2.1\n'),
  },
  {
    name: 'multiple matches in a sequence',
    setting: { name: 'nginx', newName: 'apache', newTag: '3.2.1' },
    input: foo('  containers:\n  - image: nginx:1.2.1\n  - image: not_nginx@54321\n  - image: nginx:1.2.1\n'),
    expected: foo('  containers:\n  - image: apache:3.2.1\n  - image: not_nginx@54321\n  - image: apache:3.2.1\n'),
  },
  {
    name: 'new tag: replaces tag and digest',
    setting: { name: 'nginx', newTag: 'v2' },
    input: deployment(ORIGINAL),
    expected: deployment([
      'nginx:v2',
      'nginx:v2',
      'foobar:1',
      'postgres:1.8.0',
      'nginx:v2',
      'nginx:v2',
      'alpine:1.8.0',
    ]),
  },
  {
    name: 'new name: keeps tag and digest',
    setting: { name: 'nginx', newName: 'busybox' },
    input: deployment(ORIGINAL),
    expected: deployment([
      'busybox:1.7.9',
      'busybox:latest',
      'foobar:1',
      'postgres:1.8.0',
      'busybox',
      'busybox@sha256:111111111111111111',
      'alpine:1.8.0',
    ]),
  },
  {
    name: 'new name and tag',
    setting: { name: 'nginx', newName: 'busybox', newTag: 'v3' },
    input: deployment(ORIGINAL),
    expected: deployment([
      'busybox:v3',
      'busybox:v3',
      'foobar:1',
      'postgres:1.8.0',
      'busybox:v3',
      'busybox:v3',
      'alpine:1.8.0',
    ]),
  },
  {
    name: 'new digest: replaces tag and digest',
    setting: { name: 'nginx', digest: 'sha256:222222222222222222' },
    input: deployment(ORIGINAL),
    expected: deployment([
      'nginx@sha256:222222222222222222',
      'nginx@sha256:222222222222222222',
      'foobar:1',
      'postgres:1.8.0',
      'nginx@sha256:222222222222222222',
      'nginx@sha256:222222222222222222',
      'alpine:1.8.0',
    ]),
  },
  {
    name: 'new name and digest',
    setting: { name: 'nginx', newName: 'busybox', digest: 'sha256:222222222222222222' },
    input: deployment(ORIGINAL),
    expected: deployment([
      'busybox@sha256:222222222222222222',
      'busybox@sha256:222222222222222222',
      'foobar:1',
      'postgres:1.8.0',
      'busybox@sha256:222222222222222222',
      'busybox@sha256:222222222222222222',
      'alpine:1.8.0',
    ]),
  },
  {
    name: 'empty containers list',
    setting: { name: 'nginx', newTag: 'v2' },
    input: 'group: apps\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: deploy1\nspec:\n  containers:\n',
    expected: 'group: apps\napiVersion: v1\nkind: Deployment\nmetadata:\n  name: deploy1\nspec:\n  containers:\n',
  },
  {
    name: 'tag with braces',
    setting: { name: 'some.registry.io/my-image', newTag: 'my-fixed-tag' },
    input: foo(
      '  template:\n    spec:\n      containers:\n      - image: some.registry.io/my-image:{GENERATED_TAG}\n        name: my-image\n',
    ),
    expected: foo(
      '  template:\n    spec:\n      containers:\n      - image: some.registry.io/my-image:my-fixed-tag\n        name: my-image\n',
    ),
  },
  {
    name: 'tag and digest, new name',
    setting: { name: 'nginx', newName: 'apache' },
    input: foo(`  containers:\n  - image: nginx:1.2.1@${DIGEST}\n`),
    expected: foo(`  containers:\n  - image: apache:1.2.1@${DIGEST}\n`),
  },
  {
    name: 'tag and digest, new name and tag',
    setting: { name: 'nginx', newName: 'apache', newTag: '1.3.0' },
    input: foo(`  containers:\n  - image: nginx:1.2.1@${DIGEST}\n`),
    expected: foo('  containers:\n  - image: apache:1.3.0\n'),
  },
  {
    name: 'tag and digest, new name, tag and digest',
    setting: { name: 'nginx', newName: 'apache', newTag: '1.3.0', digest: 'sha256:xyz' },
    input: foo(`  containers:\n  - image: nginx:1.2.1@${DIGEST}\n`),
    expected: foo('  containers:\n  - image: apache:1.3.0@sha256:xyz\n'),
  },
  {
    // kustomize fails on this resource ("wrong node kind"); the editor leaves it alone.
    name: 'an image that is a mapping is left alone',
    setting: { name: 'nginx', newName: 'apache', newTag: '3.2.1' },
    input: foo('  containers:\n  - image:\n      somefield: somevalue\n      someotherfield: someothervalue\n'),
    expected: foo('  containers:\n  - image:\n      somefield: somevalue\n      someotherfield: someothervalue\n'),
  },
];

describe('setManifestImages: kustomize image transformer cases', () => {
  it.each(kustomizeCases)('$name', ({ setting, input, expected }) => {
    expect(setManifestImages(input, [setting]).text).toBe(expected);
  });
});

// Ported from kustomize's api/internal/image tests.
describe('matchesImageName and splitImage', () => {
  it.each([
    ['nginx', 'nginx', true],
    ['nginx:12345', 'nginx', true],
    ['nginx@sha256:xyz', 'nginx', true],
    ['nginx:12345@sha256:xyz', 'nginx', true],
    ['apache:12345', 'nginx', false],
    ['nginx2:1.0', 'nginx', false],
    ['docker.io/nginx:1.0', 'nginx', false],
    ['myregistry/app:1', 'my.registry/app', false],
    ['localhost:5000/app:1', 'localhost', false],
    ['localhost:5000/app:1', 'localhost:5000/app', true],
  ] as const)('%s against %s: %s', (value, name, matched) => {
    expect(matchesImageName(value, name)).toBe(matched);
  });

  it.each([
    ['nginx', 'nginx', '', ''],
    ['nginx:1.2.3', 'nginx', '1.2.3', ''],
    ['nginx@sha256:12345', 'nginx', '', 'sha256:12345'],
    ['nginx:1.2.3@sha256:12345', 'nginx', '1.2.3', 'sha256:12345'],
    ['docker.io/nginx:1.2.3', 'docker.io/nginx', '1.2.3', ''],
    ['foo.com:443/nginx:1.2.3', 'foo.com:443/nginx', '1.2.3', ''],
    ['foo.com:443/nginx:1.2.3@sha256:12345', 'foo.com:443/nginx', '1.2.3', 'sha256:12345'],
  ])('splits %s', (value, name, tag, digest) => {
    expect(splitImage(value)).toEqual({ name, tag, digest });
  });

  it('"*" keeps the current part, then the tag/digest rules apply', () => {
    expect(rewriteImage('app:v1@sha256:aa', { name: 'app', newName: 'reg/app', newTag: '*' })).toBe('reg/app:v1');
    expect(rewriteImage('app:v1@sha256:aa', { name: 'app', newTag: '*', digest: 'sha256:bb' })).toBe(
      'app:v1@sha256:bb',
    );
    expect(rewriteImage('app', { name: 'app', newTag: '*', digest: 'sha256:bb' })).toBe('app@sha256:bb');
  });
});

const multiDocument = `# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web # the web tier
          image: "registry.example.com:5000/team/web:1.4.0" # bumped by CI
          ports: [{containerPort: 8080}]
---
# untouched: unrelated image
apiVersion: v1
kind:   Service
metadata: {name: web}
spec:
  ports:
  - port: 80   # http
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - {name: migrate, image: 'registry.example.com:5000/team/web:1.4.0'}
          containers:
          - name: report
            image: registry.example.com:5000/team/web-report:1.4.0
          volumes:
          - name: models
            image:
              reference: registry.example.com:5000/team/web:1.4.0
...
`;

describe('setManifestImages keeps everything it does not have to change', () => {
  it('changes only the matching scalars, keeping quotes, comments, flow style and other documents', () => {
    const { text, changes } = edit(multiDocument, 'registry.example.com:5000/team/web:1.5.0');
    expect(text).toBe(
      multiDocument
        .replace(
          'image: "registry.example.com:5000/team/web:1.4.0" # bumped',
          'image: "registry.example.com:5000/team/web:1.5.0" # bumped',
        )
        .replace(
          "image: 'registry.example.com:5000/team/web:1.4.0'}",
          "image: 'registry.example.com:5000/team/web:1.5.0'}",
        ),
    );
    expect(changes).toEqual([
      {
        name: 'registry.example.com:5000/team/web',
        before: { newName: 'registry.example.com:5000/team/web', newTag: '1.4.0' },
        after: { newName: 'registry.example.com:5000/team/web', newTag: '1.5.0' },
        previousImage: 'registry.example.com:5000/team/web:1.4.0',
        newImage: 'registry.example.com:5000/team/web:1.5.0',
        changed: true,
        path: 'spec.template.spec.containers[0].image',
        line: 11,
      },
      {
        name: 'registry.example.com:5000/team/web',
        before: { newName: 'registry.example.com:5000/team/web', newTag: '1.4.0' },
        after: { newName: 'registry.example.com:5000/team/web', newTag: '1.5.0' },
        previousImage: 'registry.example.com:5000/team/web:1.4.0',
        newImage: 'registry.example.com:5000/team/web:1.5.0',
        changed: true,
        path: 'spec.jobTemplate.spec.template.spec.initContainers[0].image',
        line: 32,
      },
    ]);
  });

  it('leaves the untouched documents byte for byte, with CRLF and a BOM', () => {
    const crlf = `\uFEFF${multiDocument.replace(/\n/g, '\r\n')}`;
    const { text } = edit(crlf, 'registry.example.com:5000/team/web-report:2.0.0');
    expect(text).toBe(crlf.replace('web-report:1.4.0\r\n', 'web-report:2.0.0\r\n'));
    const [before, after] = [crlf.split('---'), text.split('---')];
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
  });

  it('is a no-op, byte for byte, when the image already has the wanted tag, and says so', () => {
    const { text, changes } = edit(multiDocument, 'registry.example.com:5000/team/web:1.4.0');
    expect(text).toBe(multiDocument);
    expect(changes.map((change) => change.changed)).toEqual([false, false]);
  });

  it('reports nothing for an image no manifest uses', () => {
    expect(edit(multiDocument, 'team/web:2')).toEqual({ text: multiDocument, changes: [] });
  });
});

describe('setManifestImages: which fields it rewrites', () => {
  it('skips a CustomResourceDefinition among other documents', () => {
    const crd =
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  containers:\n  - image: app:1\n';
    const pod = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: app:1\n';
    expect(edit(`${crd}---\n${pod}`, 'app:2').text).toBe(`${crd}---\n${pod.replace('app:1', 'app:2')}`);
  });

  it('rewrites volumes[].image.reference of a Pod and of a pod template, where kustomize looks for it', () => {
    const pod =
      'kind: Pod\nspec:\n  volumes:\n  - name: data\n    image:\n      reference: reg.example.com/models:v1\n      pullPolicy: IfNotPresent\n  - name: cache\n    emptyDir: {}\n';
    expect(edit(pod, 'reg.example.com/models:v2').text).toBe(pod.replace('models:v1', 'models:v2'));
    const deploy = `kind: Deployment\nspec:\n  template:\n    ${pod.slice('kind: Pod\n'.length).replace(/\n(?=.)/g, '\n    ')}`;
    expect(edit(deploy, 'reg.example.com/models:v2').text).toBe(deploy.replace('models:v1', 'models:v2'));
  });

  it('leaves a volume image deeper than kustomize’s field specs reach (a CronJob’s job template)', () => {
    const { text, changes } = edit(
      multiDocument,
      'registry.example.com:5000/team/web=registry.example.com:5000/team/web2',
    );
    expect(text).toContain('reference: registry.example.com:5000/team/web:1.4.0');
    expect(changes).toHaveLength(2);
  });

  it('matches the whole name, registry and port included, and nothing partial', () => {
    const pod =
      'kind: Pod\nspec:\n  containers:\n  - image: app:1\n  - image: app2:1\n  - image: myapp:1\n  - image: team/app:1\n  - image: localhost:5000/app:1\n';
    expect(edit(pod, 'app:9').text).toBe(pod.replace('image: app:1', 'image: app:9'));
    expect(edit(pod, 'localhost:5000/app:9').text).toBe(pod.replace('localhost:5000/app:1', 'localhost:5000/app:9'));
    expect(edit(pod, 'localhost:9').changes).toEqual([]);
  });

  it('applies settings in order, each to what the previous one left, as kustomize chains its images entries', () => {
    const pod = 'kind: Pod\nspec:\n  containers:\n  - image: old/app:1\n';
    const { text, changes } = edit(pod, 'old/app=new/app', 'new/app:2');
    expect(text).toBe(pod.replace('old/app:1', 'new/app:2'));
    expect(changes.map((change) => [change.previousImage, change.newImage])).toEqual([
      ['old/app:1', 'new/app:1'],
      ['new/app:1', 'new/app:2'],
    ]);
  });

  it('keeps the style of plain, block and anchored scalars', () => {
    const src =
      'kind: Pod\nspec:\n  containers:\n  - image: &img app:1 # pinned\n  - image: *img\n  - image: >-\n      app:1\n    name: folded\n';
    expect(edit(src, 'app:2').text).toBe(
      'kind: Pod\nspec:\n  containers:\n  - image: &img app:2 # pinned\n  - image: *img\n  - image: app:2\n    name: folded\n',
    );
  });

  it('quotes a new value that would not read back as a plain string in a flow mapping', () => {
    const src = 'kind: Pod\nspec:\n  containers: [{name: a, image: app:1}]\n';
    expect(edit(src, 'app:{v2}').text).toBe('kind: Pod\nspec:\n  containers: [{name: a, image: "app:{v2}"}]\n');
  });
});

describe('setManifestImages: malformed YAML', () => {
  it('fails with file:line:col', () => {
    const src = 'kind: Pod\n---\nspec:\n  containers: [\n- image: app:1\n';
    expect(() => setManifestImages(src, [{ name: 'app', newTag: '2' }], 'apps/web.yaml')).toThrow(BumpError);
    expect(() => setManifestImages(src, [{ name: 'app', newTag: '2' }], 'apps/web.yaml')).toThrow(
      /^apps\/web\.yaml:\d+:\d+: /,
    );
  });

  it('names a duplicate key with its position', () => {
    expect(() => setManifestImages('kind: Pod\nkind: Job\n', [{ name: 'app', newTag: '2' }], 'pod.yaml')).toThrow(
      'pod.yaml:2:1: Map keys must be unique',
    );
  });
});

describe('setManifestImages: values no reader may misread, anchors and aliases', () => {
  const pod = (image: string) => `kind: Pod\nspec:\n  containers:\n  - name: main\n    image: ${image}\n`;

  it('quotes a new image a YAML 1.1 reader would not read as a string, and turns a block scalar into a plain one', () => {
    expect(edit(pod('app'), 'app=y').text).toBe(pod('"y"'));
    expect(edit(pod('app'), 'app=1_000').text).toBe(pod('"1_000"'));
    expect(edit(pod('|-\n      app:1'), 'app:2').text).toBe(pod('app:2'));
    expect(edit(pod('>-\n      app:1').replace(/\n/g, '\r\n'), 'app:2').text).toBe(pod('app:2').replace(/\n/g, '\r\n'));
    expect(edit(pod('|- # pinned\n      app:1'), 'app:2').text).toBe(pod('app:2 # pinned'));
  });

  it('leaves an empty or null image alone', () => {
    for (const empty of ['', '""', '~', 'null'])
      expect(edit(pod(empty), 'app:2')).toEqual({ text: pod(empty), changes: [] });
  });

  it('replaces an alias that stands for an image in its own place, leaving the anchor and its other uses', () => {
    const src = `kind: Pod\nmetadata:\n  annotations: {release: &img app:1}\nspec:\n  containers:\n  - name: main\n    image: *img # shared\n`;
    const { text, changes } = edit(src, 'app:2');
    expect(text).toBe(src.replace('image: *img', 'image: app:2'));
    expect(changes).toMatchObject([
      { path: 'spec.containers[0].image', line: 7, previousImage: 'app:1', newImage: 'app:2' },
    ]);
  });

  it('rewrites a shared containers list once when every place it appears is an image field', () => {
    const src = 'kind: Pod\nspec:\n  containers: &c\n  - name: main\n    image: app:1\n  initContainers: *c\n';
    const { text, changes } = edit(src, 'app:2');
    expect(text).toBe(src.replace('app:1', 'app:2'));
    expect(changes.map((change) => change.path)).toEqual(['spec.containers[0].image', 'spec.initContainers[0].image']);
  });

  it('refuses, exit 1, to change an anchored image that an alias repeats where no image is, naming the alias', () => {
    const src =
      'kind: Pod\nspec:\n  containers:\n  - name: main\n    image: &img app:1\n  - name: logs\n    image: fluentd:1\n    env:\n    - {name: APP_IMAGE, value: *img}\n';
    const attempt = () => setManifestImages(src, [{ name: 'app', newTag: '2' }], 'apps/web.yaml');
    expect(attempt).toThrow(BumpError);
    expect(attempt).toThrow(
      'apps/web.yaml:5: `spec.containers[0].image` shares its value with `spec.containers[1].env[0].value` through the alias `*img` (line 9): changing one would change the other',
    );
    try {
      attempt();
    } catch (error) {
      expect((error as BumpError).exitCode).toBe(1);
      expect((error as BumpError).hint).toMatch(/Write the value out/);
    }
  });

  it('refuses a containers list shared with a place that is not one', () => {
    const src = 'kind: Pod\nx-template: &c\n- name: main\n  image: app:1\nspec:\n  containers: *c\n';
    expect(() => edit(src, 'app:2')).toThrow(
      '`spec.containers[0].image` shares its value with `x-template[0].image` through the alias `*c` (line 6)',
    );
  });
});

describe('setManifestImages: a merge key', () => {
  const src =
    'kind: Pod\nx-defaults: &defaults\n  image: app:1\n  imagePullPolicy: Always\nspec:\n  containers:\n  - <<: *defaults\n    name: main\n  - <<: *defaults\n    name: own\n    image: app:1\n';

  it('refuses, exit 1, to change an image a container takes from `<<: *defaults` (kustomize would set it there)', () => {
    const attempt = () => setManifestImages(src, [{ name: 'app', newTag: '2' }], 'apps/web.yaml');
    expect(attempt).toThrow('apps/web.yaml:7: `spec.containers[0].image` comes from the merge key `<<` on line 7');
    expect(attempt).toThrow(
      expect.objectContaining({ exitCode: 1, hint: expect.stringContaining('Write `image:` in the container itself') }),
    );
  });

  it('changes an image written in the container itself, which overrides the merged one', () => {
    const own = src.replace('  - <<: *defaults\n    name: main\n', '');
    expect(edit(own, 'app:2').text).toBe(own.replace('    image: app:1\n', '    image: app:2\n'));
  });
});
