import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import {
  assertValidImageArgument,
  checkImageArgument,
  checkImageReference,
  type ImageReferenceProblem,
} from '../../src/image/image-reference.js';

const HEX64 = '24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3';

describe('checkImageReference: valid', () => {
  it.each([
    'nginx',
    'nginx:1.25.3',
    'library/nginx:latest',
    'docker.io/library/nginx:1.25',
    'registry.example.com/team/app:v1.2.3-rc.1',
    'registry.example.com:5000/team/app',
    'localhost/app:dev',
    'localhost:5000/my-project/ngnix:dev-01',
    'foo.bar.foo:8800/foo/image1:foo-bar',
    '192.168.1.10:5000/app',
    '[::1]:5000/app:1',
    '[2001:db8::1]/team/app',
    'Registry.Example.COM/team/app',
    'my-registry:5000/app',
    'a.b/c__d/e---f/g.h_i',
    'app:_underscore-first',
    'app:V1.0_RC-2',
    `app:${'t'.repeat(128)}`,
    `app@sha256:${HEX64}`,
    `app:1.0@sha256:${HEX64}`,
    `registry.example.com:5000/team/app:1.0@sha256:${HEX64}`,
    `app@sha512:${'ab'.repeat(64)}`,
    `app@sha384:${'cd'.repeat(48)}`,
    'x'.repeat(255),
    `registry.example.com/${'a'.repeat(234)}`,
    // the limit is on the repository path; the registry does not count
    `registry.example.com/${'a'.repeat(255)}`,
    `registry.example.com:5000/team/${'a'.repeat(250)}:1`,
    // as in distribution/reference, a first component that is a valid host is the domain
    `a/${'b'.repeat(255)}`,
    'Team/app',
    'localhost:5000/app',
    // "_" makes it no host, but it is a valid path component
    'registry_1.example.com/app',
  ])('%s', (ref) => {
    expect(checkImageReference(ref)).toBeNull();
  });
});

describe('checkImageReference: invalid', () => {
  const cases: Array<[ref: string, part: ImageReferenceProblem['part'], message: string | RegExp]> = [
    ['', 'name', 'the image reference is empty'],
    [':1.0', 'no-name', 'the image has no name before ":1.0"'],
    [`@sha256:${HEX64}`, 'no-name', `the image has no name before "@sha256:${HEX64}"`],
    ['Team/App', 'path', 'repository path "Team/App" must be lowercase'],
    ['registry.example.com/Team/app:1', 'path', 'repository path "Team/app" must be lowercase'],
    ['APP', 'path', 'repository path "APP" must be lowercase'],
    [
      'registry.example.com:abc/app',
      'registry',
      'registry port "abc" in "registry.example.com:abc" is not valid: a port is digits only',
    ],
    ['registry.example.com:/app', 'registry', /registry port "" in "registry.example.com:"/],
    ['registry.example.com:50x0/app', 'registry', /registry port "50x0"/],
    ['-registry.example.com/app', 'registry', /registry "-registry.example.com" is not valid/],
    ['registry..example.com/app', 'registry', /registry "registry..example.com" is not valid/],
    ['[::1/app', 'registry', /registry "\[::1" is not valid/],
    [
      'registry.example.com//app',
      'path',
      'repository path "/app" has an empty component: remove the leading, trailing or doubled "/"',
    ],
    ['team//app', 'path', /repository path "team\/\/app" has an empty component/],
    ['/app', 'path', /has an empty component/],
    ['team/app/', 'path', /has an empty component/],
    ['registry.example.com/', 'path', 'the image reference has no repository path'],
    ['-app', 'path', /repository path component "-app" is not valid/],
    ['app-', 'path', /repository path component "app-" is not valid/],
    ['team/a..b', 'path', /repository path component "a..b" is not valid/],
    ['team/a___b', 'path', /repository path component "a___b" is not valid/],
    [
      'app:v1 2',
      'tag',
      'tag "v1 2" is not valid: a tag is 1-128 characters of letters, digits, "_", "." and "-", and cannot start with "." or "-"',
    ],
    ['app:', 'empty-tag', 'the tag after ":" is empty'],
    ['registry.example.com/team/app:', 'empty-tag', 'the tag after ":" is empty'],
    [`app:@sha256:${HEX64}`, 'empty-tag', 'the tag after ":" is empty'],
    ['app@', 'empty-digest', 'the digest after "@" is empty'],
    ['app:1@', 'empty-digest', 'the digest after "@" is empty'],
    ['app:.hidden', 'tag', /tag ".hidden" is not valid/],
    ['app:-dash', 'tag', /tag "-dash" is not valid/],
    [`app:${'t'.repeat(129)}`, 'tag', /is not valid: a tag is 1-128 characters/],
    ['app:v1:v2', 'tag', /tag "v1:v2" is not valid/],
    ['app:v1+build', 'tag', /tag "v1\+build" is not valid/],
    ['app@sha256:abc', 'digest', 'digest "sha256:abc" is not valid: sha256 needs exactly 64 lowercase hex characters'],
    [`app@sha256:${HEX64.toUpperCase()}`, 'digest', /sha256 needs exactly 64 lowercase hex characters/],
    [`app@sha256:${HEX64}0`, 'digest', /sha256 needs exactly 64 lowercase hex characters/],
    [`app@sha512:${HEX64}`, 'digest', /sha512 needs exactly 128 lowercase hex characters/],
    [
      'app@md5:abc123',
      'digest',
      'digest "md5:abc123" is not valid: the algorithm "md5" is not one registries verify: use sha256, sha384 or sha512',
    ],
    [`app@blake3:${'0123456789abcdef'.repeat(4)}`, 'digest', /the algorithm "blake3" is not one registries verify/],
    [`app@multihash+base58:${'a'.repeat(32)}`, 'digest', /the algorithm "multihash\+base58" is not one/],
    [`app@invaliddigest:${HEX64}`, 'digest', /the algorithm "invaliddigest" is not one registries verify/],
    [`app@SHA256:${HEX64}`, 'digest', /the algorithm "SHA256" is not one/],
    ['app@sha256:', 'digest', /sha256 needs exactly 64 lowercase hex characters/],
    [`app@sha384:${HEX64}`, 'digest', /sha384 needs exactly 96 lowercase hex characters/],
    [`app@sha512:${'ab'.repeat(63)}`, 'digest', /sha512 needs exactly 128 lowercase hex characters/],
    [`app@sha512:${'AB'.repeat(64)}`, 'digest', /sha512 needs exactly 128 lowercase hex characters/],
    [`app@${HEX64}`, 'digest', /a digest is "<algorithm>:<hex>"/],
    [`app@1sha:${HEX64}`, 'digest', /the algorithm "1sha" must be letters and digits/],
    [`app@sha256:${HEX64}@sha256:${HEX64}`, 'digest', /sha256 needs exactly 64/],
    ['x'.repeat(256), 'length', /is 256 characters long; it can be at most 255 \(the registry does not count\)/],
    [`registry.example.com/${'a'.repeat(256)}:1`, 'length', /^repository path "a{40}…" is 256 characters long/],
    [`a/${'b'.repeat(256)}`, 'length', /is 256 characters long/],
    [`team/${'b'.repeat(127)}/${'c'.repeat(128)}`, 'length', /is 256 characters long/],
    [' app', 'path', /repository path component " app" is not valid/],
    ['app\n', 'path', /repository path component "app\\n" is not valid/],
    ['app:1\n', 'tag', /tag "1\\n" is not valid/],
    ['app:1\r\nmalicious: yes', 'tag', /tag "1\\r\\nmalicious: yes" is not valid/],
    ['app\t:1', 'path', /"app\\t"/],
    ['app:$(touch x)', 'tag', /tag "\$\(touch x\)" is not valid/],
    ['$(touch x)', 'path', /repository path component "\$\(touch x\)" is not valid/],
    ['app:`id`', 'tag', /tag "`id`" is not valid/],
    ['`id`/app', 'path', /repository path component "`id`" is not valid/],
    ['app:1;rm -rf x', 'tag', /tag "1;rm -rf x" is not valid/],
    ['app;reboot', 'path', /"app;reboot"/],
    ['app:1|cat', 'tag', /tag "1\|cat" is not valid/],
    ['app:1&&x', 'tag', /tag "1&&x" is not valid/],
    ['app:${HOME}', 'tag', /tag "\$\{HOME\}" is not valid/],
    ["app:'1'", 'tag', /tag "'1'" is not valid/],
    ['app:1>out', 'tag', /tag "1>out" is not valid/],
    ['app=other:1', 'path', /repository path component "app=other" is not valid/],
  ];

  it.each(cases)('%j -> %s', (ref, part, message) => {
    const problem = checkImageReference(ref);
    expect(problem?.part).toBe(part);
    if (typeof message === 'string') expect(problem?.message).toBe(message);
    else expect(problem?.message).toMatch(message);
  });
});

describe('checkImageArgument', () => {
  it.each([
    'app=registry.example.com/team/app:1.4.2',
    `app=registry.example.com:5000/team/app:1.4.2@sha256:${HEX64}`,
    'app:1.4.2',
    `app@sha256:${HEX64}`,
    `app:1.4.2@sha256:${HEX64}`,
    '=app:1.4.2',
    'app=registry.example.com/team/app',
    // "*" keeps the value already set, in each place kustomize allows it
    'app=*',
    'app=*:1.4.2',
    'app=registry.example.com/team/app:*',
    `app=*@sha256:${HEX64}`,
    'app=registry.example.com/team/app@*',
    'app=*@*',
    'app=*:*',
    'app=*:*@*',
    `app=*:*@sha256:${HEX64}`,
    'app:*',
    'app@*',
    'app:1.4.2@*',
    'app:*@*',
    // the entry name is matched, not validated against the grammar
    'Team/App:1.0',
    'registry.example.com:5000/Team/App=registry.example.com/team/app:2',
  ])('accepts %s', (arg) => {
    expect(checkImageArgument(arg)).toBeNull();
  });

  it.each([
    ['app=', 'nothing', 'nothing follows "="'],
    ['=app', 'nothing', '"app" sets neither a new image nor a tag nor a digest'],
    ['app=registry.example.com/team/app:', 'empty-tag', 'the tag after ":" is empty'],
    ['app=*:', 'empty-tag', 'the tag after ":" is empty'],
    ['app:', 'empty-tag', 'the tag after ":" is empty'],
    ['app=registry.example.com/team/app@', 'empty-digest', 'the digest after "@" is empty'],
    ['app=:1.4.2', 'no-name', 'the image has no name before ":1.4.2"'],
    ['app=:', 'no-name', 'the image has no name before ":"'],
    [`app=@sha256:${HEX64}`, 'no-name', `the image has no name before "@sha256:${HEX64}"`],
    ['app=*/team/app:1', 'path', /repository path component "\*" is not valid/],
    ['app=*:**', 'tag', /tag "\*\*" is not valid/],
    ['app=name@invaliddigest:' + HEX64, 'digest', /the algorithm "invaliddigest" is not one registries verify/],
    ['app=app@sha256:abc', 'digest', /sha256 needs exactly 64/],
    ['*=app:1', 'name', /the image name to match, "\*", holds characters no image name has/],
  ] as const)('refuses %j', (arg, part, message) => {
    const problem = checkImageArgument(arg);
    expect(problem?.part).toBe(part);
    if (typeof message === 'string') expect(problem?.message).toBe(message);
    else expect(problem?.message).toMatch(message);
  });
});

describe('assertValidImageArgument', () => {
  it.each([
    [
      'app=Team/App:1',
      /image argument "app=Team\/App:1": repository path "Team\/App" must be lowercase/,
      /^use lowercase letters/,
    ],
    ['app=app:v 1', /image argument "app=app:v 1": tag "v 1" is not valid/, /^use a tag such as/],
    ['app:.1', /tag ".1" is not valid/, /^use a tag such as/],
    [
      'app=app@sha256:abc',
      /digest "sha256:abc" is not valid: sha256 needs exactly 64 lowercase hex characters/,
      /^copy the digest as the registry reports it/,
    ],
    [`app=*@sha256:${HEX64.toUpperCase()}`, /lowercase hex/, /^copy the digest/],
    ['app=registry.example.com:port/app:1', /registry port "port"/, /^write the registry as host or host:port/],
    ['app=registry.example.com//app:1', /empty component/, /^use lowercase letters/],
    ['app=b=c', /repository path component "b=c" is not valid/, /^use lowercase letters/],
    ['app=user@host/team/app:1', /repository path component "user@host" is not valid/, /^use lowercase letters/],
    [
      `app=${'a'.repeat(256)}:1`,
      /at most 255/,
      /^shorten the repository path \(what follows the registry\) to at most 255 characters$/,
    ],
    ['app=app:$(touch x)', /tag "\$\(touch x\)"/, /^use a tag/],
    ['app=app:`id`', /tag "`id`"/, /^use a tag/],
    ['app=app:1;reboot', /tag "1;reboot"/, /^use a tag/],
    [
      'my app:1',
      /the image name to match, "my app", contains whitespace or control characters/,
      /^write the image name exactly as the manifests use it/,
    ],
    ['app\n:1', /"app\\n", contains whitespace/, /^write the image name/],
    [
      'app=',
      /^image argument "app=": nothing follows "="$/,
      /^write the new image after "=", e\.g\. "app=registry\.example\.com\/team\/app:1\.4\.2"; if it is built from CI\/CD variables, one of them is empty/,
    ],
    [
      'app=:1.4.2',
      /^image argument "app=:1.4.2": the image has no name before ":1.4.2"$/,
      /to change only the tag or digest, write "app:1.4.2" or keep the name already set with "\*": "app=\*:1.4.2"$/,
    ],
    [
      'app=registry.example.com/team/app:',
      /^image argument "app=registry.example.com\/team\/app:": the tag after ":" is empty$/,
      /"\$CI_REGISTRY_IMAGE:\$CI_COMMIT_TAG" ends in ":" outside a tag pipeline, where CI_COMMIT_TAG is empty: run the job only for tags \(rules: - if: \$CI_COMMIT_TAG\)/,
    ],
    ['app=app@', /the digest after "@" is empty$/, /^a digest is needed after "@"/],
  ])('rejects %j', (arg, message, hint) => {
    let error: unknown;
    try {
      assertValidImageArgument(arg);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).message).toContain(`image argument ${JSON.stringify(arg)}: `);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).hint).toMatch(hint);
  });
});
