// Ported from kustomize v5 setimage_test.go and api/internal/image tests; the newest stored source predates v5.8.1 and was not run against a v5.8.1 binary.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import {
  applySetting,
  describeImage,
  parseImageArg,
  parseImageArgs,
  PRESERVE,
  splitImageSeparators,
  type ImageSetting,
} from '../../src/image/image-arg.js';

const SHA = 'sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3';

describe('parseImageArg', () => {
  const valid: Array<[arg: string, expected: ImageSetting]> = [
    // setimage_test.go
    ['image1=my-image1:my-tag', { name: 'image1', newName: 'my-image1', newTag: 'my-tag' }],
    ['image1=my-image1:1234', { name: 'image1', newName: 'my-image1', newTag: '1234' }],
    ['image1=my-image1:3.2e2', { name: 'image1', newName: 'my-image1', newTag: '3.2e2' }],
    [`image1=my-image1@${SHA}`, { name: 'image1', newName: 'my-image1', digest: SHA }],
    ['image1:my-tag', { name: 'image1', newTag: 'my-tag' }],
    [`image1@${SHA}`, { name: 'image1', digest: SHA }],
    [`my-image1:my-tag@${SHA}`, { name: 'my-image1', newTag: 'my-tag', digest: SHA }],
    [`image1=my-image1:my-tag@${SHA}`, { name: 'image1', newName: 'my-image1', newTag: 'my-tag', digest: SHA }],
    ['ngnix=localhost:5000/my-project/ngnix', { name: 'ngnix', newName: 'localhost:5000/my-project/ngnix' }],
    [
      'ngnix=localhost:5000/my-project/ngnix:dev-01',
      { name: 'ngnix', newName: 'localhost:5000/my-project/ngnix', newTag: 'dev-01' },
    ],
    [
      'image1=foo.bar.foo:8800/foo/image1:foo-bar',
      { name: 'image1', newName: 'foo.bar.foo:8800/foo/image1', newTag: 'foo-bar' },
    ],
    [`image2=my-image2@${SHA}`, { name: 'image2', newName: 'my-image2', digest: SHA }],
    ['image3:my-tag', { name: 'image3', newTag: 'my-tag' }],
    ['image1=*:v1', { name: 'image1', newName: PRESERVE, newTag: 'v1' }],
    ['image1=my-image1:*', { name: 'image1', newName: 'my-image1', newTag: PRESERVE }],
    ['image1=*:*', { name: 'image1', newName: PRESERVE, newTag: PRESERVE }],
    [`image2=*@${SHA}`, { name: 'image2', newName: PRESERVE, digest: SHA }],
    ['image2=my-image2@*', { name: 'image2', newName: 'my-image2', digest: PRESERVE }],
    // the command's help examples
    [
      'postgres=eu.gcr.io/my-project/postgres:latest',
      { name: 'postgres', newName: 'eu.gcr.io/my-project/postgres', newTag: 'latest' },
    ],
    [`my-app=my-registry/my-app@${SHA}`, { name: 'my-app', newName: 'my-registry/my-app', digest: SHA }],
    ['node:8.15.0', { name: 'node', newTag: '8.15.0' }],
    ['mysql=mariadb', { name: 'mysql', newName: 'mariadb' }],
    [`alpine@${SHA}`, { name: 'alpine', digest: SHA }],
    // image.Split cases, as arguments
    ['nginx:1.2.3', { name: 'nginx', newTag: '1.2.3' }],
    ['nginx@sha256:12345', { name: 'nginx', digest: 'sha256:12345' }],
    ['nginx:1.2.3@sha256:12345', { name: 'nginx', newTag: '1.2.3', digest: 'sha256:12345' }],
    ['docker.io/nginx:1.2.3', { name: 'docker.io/nginx', newTag: '1.2.3' }],
    ['foo.com:443/nginx:1.2.3', { name: 'foo.com:443/nginx', newTag: '1.2.3' }],
    ['foo.com:443/nginx:1.2.3@sha256:12345', { name: 'foo.com:443/nginx', newTag: '1.2.3', digest: 'sha256:12345' }],
    [
      'nginx=foo.com:443/nginx:1.2.3@sha256:12345',
      { name: 'nginx', newName: 'foo.com:443/nginx', newTag: '1.2.3', digest: 'sha256:12345' },
    ],
    // edge cases of the same rules
    ['image1=*', { name: 'image1', newName: PRESERVE }],
    ['image1=*:*@*', { name: 'image1', newName: PRESERVE, newTag: PRESERVE, digest: PRESERVE }],
    ['image1:*', { name: 'image1', newTag: PRESERVE }],
    ['app=app:2.0', { name: 'app', newName: 'app', newTag: '2.0' }],
    ['busybox=:3.6', { name: 'busybox', newTag: '3.6' }],
    ['busybox=alpine:', { name: 'busybox', newName: 'alpine' }],
    ['busybox=:', { name: 'busybox' }],
    ['busybox=', { name: 'busybox' }],
    ['busybox:', { name: 'busybox' }],
    ['=busybox:1.36', { name: 'busybox', newTag: '1.36' }],
    ['a=b=c', { name: 'a', newName: 'b=c' }],
    ['localhost:5000/team/app:v1', { name: 'localhost:5000/team/app', newTag: 'v1' }],
    ['app=registry:5000', { name: 'app', newName: 'registry', newTag: '5000' }],
    ['app=app:v1:v2', { name: 'app', newName: 'app', newTag: 'v1:v2' }],
    ['app=app@sha256:abc:def', { name: 'app', newName: 'app', digest: 'sha256:abc:def' }],
    ['app=user@host/team/app:v1', { name: 'app', newName: 'user@host/team/app', newTag: 'v1' }],
    ['app=Team/App:v 1', { name: 'app', newName: 'Team/App', newTag: 'v 1' }],
  ];

  it.each(valid)('%s', (arg, expected) => {
    expect(parseImageArg(arg)).toStrictEqual(expected);
  });

  const invalid: Array<[arg: string, why: string]> = [
    ['bad', 'bare name'],
    ['args', 'bare name'],
    ['', 'empty'],
    ['localhost:5000/team/app', 'registry port is not a tag'],
    ['registry.example.com/team/app', 'bare name with registry'],
    [':v1', 'no name before the tag'],
    ['=', 'nothing at all'],
    [`@${SHA}`, 'no name before the digest'],
  ];

  it.each(invalid)('rejects %j (%s) with the accepted forms', (arg) => {
    let error: unknown;
    try {
      parseImageArg(arg);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    const { message, exitCode } = error as UsageError;
    expect(exitCode).toBe(2);
    expect(message).toContain('invalid format of image');
    expect(message).toContain(JSON.stringify(arg));
    for (const form of [
      '<image>=<newimage>:<newtag>',
      '<image>=<newimage>:<newtag>@<digest>',
      '<image>:<newtag>@<digest>',
      '<image>@<digest>',
    ]) {
      expect(message).toContain(`\n- ${form}`);
    }
  });
});

describe('splitImageSeparators', () => {
  it.each([
    ['app', { name: 'app' }],
    ['app:', { name: 'app', tag: '' }],
    ['app@', { name: 'app', digest: '' }],
    ['app:@', { name: 'app', tag: '', digest: '' }],
    [':1', { name: '', tag: '1' }],
    ['localhost:5000/app:', { name: 'localhost:5000/app', tag: '' }],
    ['localhost:5000/app', { name: 'localhost:5000/app' }],
    [`app:1@${SHA}`, { name: 'app', tag: '1', digest: SHA }],
  ])('%s', (ref, expected) => {
    expect(splitImageSeparators(ref)).toStrictEqual(expected);
  });
});

describe('parseImageArgs', () => {
  it('rejects an empty list', () => {
    expect(() => parseImageArgs([])).toThrow(UsageError);
    expect(() => parseImageArgs([])).toThrow('no image specified');
  });

  it('rejects the list when any argument is invalid', () => {
    expect(() => parseImageArgs(['bad', 'args'])).toThrow(/invalid format of image "bad"/);
    expect(() => parseImageArgs(['app:1', 'bad'])).toThrow(/invalid format of image "bad"/);
  });

  it('parses several arguments in order', () => {
    expect(
      parseImageArgs(['image1=foo.bar.foo:8800/foo/image1:foo-bar', `image2=my-image2@${SHA}`, 'image3:my-tag']),
    ).toStrictEqual([
      { name: 'image1', newName: 'foo.bar.foo:8800/foo/image1', newTag: 'foo-bar' },
      { name: 'image2', newName: 'my-image2', digest: SHA },
      { name: 'image3', newTag: 'my-tag' },
    ]);
  });

  it('keeps the last argument for a duplicate name, at the first one’s position', () => {
    expect(parseImageArgs(['app:1', 'db=postgres:15', 'app=registry.example.com/app:2', 'cache:7'])).toStrictEqual([
      { name: 'app', newName: 'registry.example.com/app', newTag: '2' },
      { name: 'db', newName: 'postgres', newTag: '15' },
      { name: 'cache', newTag: '7' },
    ]);
  });

  it('treats "=app:1" and "app:1" as the same entry', () => {
    expect(parseImageArgs(['=app:1', 'app:2'])).toStrictEqual([{ name: 'app', newTag: '2' }]);
  });
});

describe('applySetting', () => {
  type Fields = Parameters<typeof applySetting>[0];
  const cases: Array<[description: string, existing: Fields, arg: string, expected: NonNullable<Fields>]> = [
    // setimage_test.go
    ['new entry', undefined, 'image1=my-image1:my-tag', { newName: 'my-image1', newTag: 'my-tag' }],
    [
      'override file',
      { newName: 'my-image1', newTag: 'my-tag' },
      'image1=foo.bar.foo:8800/foo/image1:foo-bar',
      { newName: 'foo.bar.foo:8800/foo/image1', newTag: 'foo-bar' },
    ],
    ['just a new tag', { newTag: 'my-tag' }, 'image1:v1', { newTag: 'v1' }],
    [
      'digest replaces name and tag',
      { newName: 'my-image2', newTag: 'my-tag2' },
      `image2=my-image2@${SHA}`,
      { newName: 'my-image2', digest: SHA },
    ],
    ['same tag again', { newTag: 'my-tag' }, 'image3:my-tag', { newTag: 'my-tag' }],
    [
      'new tag, keep new name',
      { newName: 'foo.bar.foo:8800/foo/image1', newTag: 'my-tag' },
      'image1=*:v1',
      { newName: 'foo.bar.foo:8800/foo/image1', newTag: 'v1' },
    ],
    [
      'new name, keep new tag',
      { newName: 'foo.bar.foo:8800/foo/image1', newTag: 'my-tag' },
      'image1=my-image1:*',
      { newName: 'my-image1', newTag: 'my-tag' },
    ],
    [
      'keep new name and new tag',
      { newName: 'my-image1', newTag: 'my-tag' },
      'image1=*:*',
      { newName: 'my-image1', newTag: 'my-tag' },
    ],
    ['"*" name with no old name, existing entry', { newTag: 'my-tag' }, 'image1=*:v1', { newTag: 'v1' }],
    ['"*" name with no entry', undefined, 'image1=*:v1', { newTag: 'v1' }],
    ['"*" tag with no entry', undefined, 'image1=my-image1:*', { newName: 'my-image1' }],
    [
      'keep new name, update digest',
      { newName: 'my-image2', digest: 'sha256:abcdef12345' },
      `image2=*@${SHA}`,
      { newName: 'my-image2', digest: SHA },
    ],
    [
      'keep new name, drop tag, set digest',
      { newName: 'my-image2', newTag: 'my-tag' },
      `image2=*@${SHA}`,
      { newName: 'my-image2', digest: SHA },
    ],
    [
      'new name, keep digest',
      { newName: 'foo.bar.foo:8800/foo/image1', digest: SHA },
      'image2=my-image2@*',
      { newName: 'my-image2', digest: SHA },
    ],
    // the same rules, further
    [
      'keep everything',
      { newName: 'a', newTag: 'b', digest: SHA },
      'x=*:*@*',
      { newName: 'a', newTag: 'b', digest: SHA },
    ],
    ['keep tag, drop digest', { newTag: '1', digest: SHA }, 'x:*', { newTag: '1' }],
    ['new tag keeps nothing else', { newName: 'a', newTag: '1', digest: SHA }, 'x:2', { newTag: '2' }],
    ['tag and digest together', { newName: 'a' }, `x:2@${SHA}`, { newTag: '2', digest: SHA }],
    ['"name=" clears every field', { newName: 'a', newTag: '1', digest: SHA }, 'x=', {}],
    ['"*" kept from the file is still blanked', { newTag: PRESERVE }, 'x=*:*', {}],
    ['new name equal to the entry name is kept', undefined, 'app=app:2', { newName: 'app', newTag: '2' }],
  ];

  it.each(cases)('%s', (_description, existing, arg, expected) => {
    expect(applySetting(existing, parseImageArg(arg))).toStrictEqual(expected);
  });
});

describe('describeImage', () => {
  it.each([
    ['app', {}, 'app'],
    ['app', { newTag: '1.2' }, 'app:1.2'],
    ['app', { newName: 'registry.example.com:5000/team/app', newTag: '1.2' }, 'registry.example.com:5000/team/app:1.2'],
    ['app', { digest: SHA }, `app@${SHA}`],
    ['app', { newName: 'other', newTag: '1.2', digest: SHA }, `other:1.2@${SHA}`],
  ])('%s + %j -> %s', (name, fields, expected) => {
    expect(describeImage(name, fields)).toBe(expected);
  });
});
