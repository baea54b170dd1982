import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  imageName,
  imageNamesInResourcesWith,
  readInside,
  unmatchedImageWarning,
  unmatchedImageWarningsIn,
  type ReadRepositoryFile,
} from '../../src/edit/resource-images.js';
import { commitFiles, git } from '../support/git.js';
import { defaultGitOpsFiles, REGISTRY } from '../support/gitops-repo.js';
import { PROD_OVERLAY_TARGET } from '../support/overlay-target.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'resource-images-'));
  created.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const deployment = (name: string, image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          image: ${image}
${extra}`;

describe('imageNamesInResourcesWith(readInside(root))', () => {
  it('follows resources into a base directory and multi-document files, at any depth, without tags or digests', async () => {
    const root = tree({
      'overlays/prod/kustomization.yaml':
        'resources:\n  - ../../base\n  - extra.yaml\nimages:\n  - name: app\n    newTag: v2\n',
      'overlays/prod/extra.yaml': `apiVersion: batch/v1
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: migrate
              image: registry.example.com:5000/team/migrate@sha256:${'a'.repeat(64)}
          containers:
            - name: job
              image: "registry.example.com/team/job:v1@sha256:${'b'.repeat(64)}"
`,
      'base/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - pod.yaml\n',
      'base/deployment.yaml': `${deployment('app1', `${REGISTRY}/app1:v1.0.0`)}---\n${deployment('app2', `${REGISTRY}/app2`)}---\n# empty document\n`,
      'base/pod.yaml':
        'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: sidecar\n      image: nginx:1.27\n  ephemeralContainers:\n    - name: debug\n      image: busybox\n',
    });
    // ephemeralContainers' busybox is not listed: kustomize's image transformer does not rewrite it.
    expect(await imageNamesInResourcesWith(readInside(root), 'overlays/prod/kustomization.yaml')).toEqual([
      'nginx',
      'registry.example.com/team/app1',
      'registry.example.com/team/app2',
      'registry.example.com/team/job',
      'registry.example.com:5000/team/migrate',
    ]);
  });

  it('accepts an absolute kustomization path, legacy bases:, components: and every kustomization file name', async () => {
    const root = tree({
      'overlay/Kustomization': 'bases:\n  - ../base-a\ncomponents:\n  - ../component\n',
      'base-a/kustomization.yml': 'resources:\n  - app.yaml\n',
      'base-a/app.yaml': deployment('a', 'a.example.com/a:1'),
      'component/kustomization.yaml': 'kind: Component\nresources:\n  - c.yaml\n',
      'component/c.yaml': deployment('c', 'c.example.com/c:1'),
    });
    expect(await imageNamesInResourcesWith(readInside(root), 'overlay/Kustomization')).toEqual([
      'a.example.com/a',
      'c.example.com/c',
    ]);
  });

  it("applies a nested kustomization's own images: renames, as kustomize does before the overlay sees them", async () => {
    const root = tree({
      'overlay/kustomization.yaml': 'resources:\n  - ../base\n',
      'base/kustomization.yaml': `resources:\n  - app.yaml\nimages:\n  - name: app\n    newName: ${REGISTRY}/app\n    newTag: v1\n  - name: other\n    newTag: v2\n`,
      'base/app.yaml': `${deployment('app', 'app:latest')}---\n${deployment('other', 'other:v1')}`,
    });
    expect(await imageNamesInResourcesWith(readInside(root), 'overlay/kustomization.yaml')).toEqual([
      'other',
      `${REGISTRY}/app`,
    ]);
  });

  it('skips remote resources, missing ones and unreadable YAML without failing', async () => {
    const root = tree({
      'overlay/kustomization.yaml': [
        'resources:',
        '  - https://github.com/example/manifests//base?ref=v1.0.0',
        '  - github.com/example/manifests/base?ref=main',
        '  - github.com/example/manifests/base',
        '  - git@gitlab.example.com:group/manifests.git//base',
        '  - git::https://gitlab.example.com/group/manifests.git',
        '  - missing-dir',
        '  - missing.yaml',
        '  - broken.yaml',
        '  - app.yaml',
        '',
      ].join('\n'),
      'overlay/broken.yaml': 'spec: [unclosed\n',
      'overlay/app.yaml': deployment('app', 'app:1'),
    });
    expect(await imageNamesInResourcesWith(readInside(root), 'overlay/kustomization.yaml')).toEqual(['app']);
  });

  it('ends on cycles', async () => {
    const root = tree({
      'a/kustomization.yaml': 'resources:\n  - ../b\n  - a.yaml\n',
      'a/a.yaml': deployment('a', 'a:1'),
      'b/kustomization.yaml': 'resources:\n  - ../a\n  - ../b\n  - b.yaml\n',
      'b/b.yaml': deployment('b', 'b:1'),
    });
    expect(await imageNamesInResourcesWith(readInside(root), 'a/kustomization.yaml')).toEqual(['a', 'b']);
  });

  it('never reads outside the root, through ".." or a symbolic link', async () => {
    const outside = tree({
      'kustomization.yaml': 'resources:\n  - app.yaml\n',
      'app.yaml': deployment('secret', 'outside:1'),
    });
    const root = tree({
      'repo/overlay/kustomization.yaml': `resources:\n  - ../../../${outside.split('/').at(-1)}\n  - ../linked\n  - ../link.yaml\n  - ${outside}\n`,
    });
    symlinkSync(outside, join(root, 'repo/linked'));
    symlinkSync(join(outside, 'app.yaml'), join(root, 'repo/link.yaml'));
    expect(await imageNamesInResourcesWith(readInside(join(root, 'repo')), 'overlay/kustomization.yaml')).toEqual([]);
  });
});

describe('imageNamesInResourcesWith', () => {
  it('asks only for repository-relative paths, never above the root', async () => {
    const files: Record<string, string> = {
      'manifests/overlays/prod/kustomization.yaml':
        'resources:\n  - ../../base\n  - ../../../../etc\n  - /etc/passwd\n',
      'manifests/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'manifests/base/deployment.yaml': deployment('app', `${REGISTRY}/app:1`),
    };
    const asked: string[] = [];
    const names = await imageNamesInResourcesWith(async (path) => {
      asked.push(path);
      return files[path];
    }, 'manifests/overlays/prod/kustomization.yaml');
    expect(names).toEqual([`${REGISTRY}/app`]);
    expect(
      asked.every((path) => !path.startsWith('/') && !path.split('/').includes('..') && !path.split('/').includes('.')),
    ).toBe(true);
  });

  it('reads blobs through git, as in a sparse clone where the base is not checked out', async () => {
    const gitDir = mkdtempSync(join(tmpdir(), 'resource-images-repo-'));
    created.push(gitDir);
    await git(['init', '--quiet', '--bare', '--initial-branch=main', gitDir]);
    await commitFiles(gitDir, 'main', defaultGitOpsFiles(), 'Initial GitOps layout');
    const readBlob = (path: string) =>
      git(['cat-file', 'blob', `main:${path}`], { cwd: gitDir, raw: true }).catch(() => undefined);
    const names = await imageNamesInResourcesWith(readBlob, 'manifests/overlays/prod/kustomization.yaml');
    expect(names).toEqual([`${REGISTRY}/app1`, `${REGISTRY}/app2`]);
    expect(unmatchedImageWarning(names, `${REGISTRY}/app1`)).toBeUndefined();
    expect(unmatchedImageWarning(names, 'app1')).toMatch(/Did you mean "registry\.example\.com\/team\/app1"\?$/);
  });
});

describe('unmatchedImageWarningsIn', () => {
  const apps = Array.from({ length: 40 }, (_, index) => `${REGISTRY}/app${String(index + 1).padStart(2, '0')}`);
  const files: Record<string, string> = {
    'overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\n',
    'base/kustomization.yaml': `resources:\n  - deployments.yaml\nimages:\n  - name: legacy\n    newName: ${REGISTRY}/renamed\n`,
    'base/deployments.yaml': [
      ...apps.map((image, index) => deployment(`app${index}`, `${image}:v1`)),
      deployment('old', 'legacy:1'),
    ].join('---\n'),
  };
  const target = PROD_OVERLAY_TARGET;
  const recording = () => {
    const asked: string[] = [];
    const read: ReadRepositoryFile = (path) => {
      asked.push(path);
      return Promise.resolve(files[path]);
    };
    return { asked, read };
  };

  it('finds an entry among the documents that mention its name without the names of the others', async () => {
    const { read } = recording();
    expect(await imageNamesInResourcesWith(read, target.shown, [`${REGISTRY}/app07`])).toEqual([`${REGISTRY}/app07`]);
    expect(await imageNamesInResourcesWith(read, target.shown)).toHaveLength(41);
    expect(await unmatchedImageWarningsIn([target], [{ name: `${REGISTRY}/app07` }], read)).toEqual([]);
  });

  it('walks every document for an entry found only through a rename, or for the warning, reading each file once', async () => {
    const { asked, read } = recording();
    expect(await unmatchedImageWarningsIn([target], [{ name: `${REGISTRY}/renamed` }], read)).toEqual([]);
    const [warning, ...more] = await unmatchedImageWarningsIn([target], [{ name: 'app07' }, { name: apps[0]! }], read);
    expect(more).toEqual([]);
    expect(warning).toBe(`overlays/prod: ${unmatchedImageWarning([...apps, `${REGISTRY}/renamed`].sort(), 'app07')}`);
    expect(warning).toContain(`found: ${apps.join(', ')}, ${REGISTRY}/renamed)`);
    // Two checks, each falling back to the full walk: one read each.
    expect(asked.filter((path) => path === 'base/deployments.yaml')).toHaveLength(2);
  });
});

describe('imageName', () => {
  it.each([
    ['nginx', 'nginx'],
    ['nginx:1.27', 'nginx'],
    ['nginx@sha256:abc', 'nginx'],
    ['registry.example.com:5000/team/app:v1', 'registry.example.com:5000/team/app'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['registry.example.com/team/app:v1@sha256:abc', 'registry.example.com/team/app'],
  ])('%s -> %s', (reference, name) => {
    expect(imageName(reference)).toBe(name);
  });
});

describe('unmatchedImageWarning', () => {
  const names = [`${REGISTRY}/app1`, `${REGISTRY}/app2`, 'nginx'];

  it('says nothing when the entry name equals an image name, or when no image was found', () => {
    expect(unmatchedImageWarning(names, `${REGISTRY}/app2`)).toBeUndefined();
    expect(unmatchedImageWarning(names, 'nginx')).toBeUndefined();
    expect(unmatchedImageWarning([], 'anything')).toBeUndefined();
  });

  it("explains kustomize's rule and suggests the image that was probably meant", () => {
    expect(unmatchedImageWarning(names, 'app1')).toBe(
      `no container image named "app1" in the resources (found: ${REGISTRY}/app1, ${REGISTRY}/app2, nginx): ` +
        "kustomize sets an image only where the entry's name equals the image's whole name, registry and path included, so this entry changes nothing. " +
        `Did you mean "${REGISTRY}/app1"?`,
    );
    expect(unmatchedImageWarning(names, 'docker.io/library/nginx')).toMatch(/Did you mean "nginx"\?$/);
    expect(unmatchedImageWarning(names, 'other.example.com/team/app2')).toMatch(
      /Did you mean "registry\.example\.com\/team\/app2"\?$/,
    );
    expect(unmatchedImageWarning(names, 'unrelated')).toMatch(/so this entry changes nothing\.$/);
  });
});
