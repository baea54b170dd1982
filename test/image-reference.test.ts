import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { parseImageArg } from '../src/image-arg.js';
import { assertValidSetting, checkImageReference, type ImageReferenceProblem } from '../src/image-reference.js';

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
    `app@blake3:${'0123456789ABCDEF'.repeat(2)}`,
    `app@multihash+base58:${'a'.repeat(32)}`,
    'x'.repeat(255),
    `registry.example.com/${'a'.repeat(234)}`,
  ])('%s', (ref) => {
    expect(checkImageReference(ref)).toBeNull();
  });
});

describe('checkImageReference: invalid', () => {
  const cases: Array<[ref: string, part: ImageReferenceProblem['part'], message: string | RegExp]> = [
    ['', 'name', 'the image reference is empty'],
    [':1.0', 'name', 'the image name is empty'],
    ['Team/App', 'path', 'repository path "Team/App" must be lowercase'],
    ['registry.example.com/Team/app:1', 'path', 'repository path "Team/app" must be lowercase'],
    ['APP', 'path', 'repository path "APP" must be lowercase'],
    ['registry.example.com:abc/app', 'registry', 'registry port "abc" in "registry.example.com:abc" is not valid: a port is digits only'],
    ['registry.example.com:/app', 'registry', /registry port "" in "registry.example.com:"/],
    ['registry.example.com:50x0/app', 'registry', /registry port "50x0"/],
    ['-registry.example.com/app', 'registry', /registry "-registry.example.com" is not valid/],
    ['registry..example.com/app', 'registry', /registry "registry..example.com" is not valid/],
    ['registry_1.example.com/app', 'registry', /registry "registry_1.example.com" is not valid/],
    ['[::1/app', 'registry', /registry "\[::1" is not valid/],
    ['registry.example.com//app', 'path', 'repository path "/app" has an empty component: remove the leading, trailing or doubled "/"'],
    ['team//app', 'path', /repository path "team\/\/app" has an empty component/],
    ['/app', 'path', /has an empty component/],
    ['team/app/', 'path', /has an empty component/],
    ['registry.example.com/', 'path', 'the image reference has no repository path'],
    ['-app', 'path', /repository path component "-app" is not valid/],
    ['app-', 'path', /repository path component "app-" is not valid/],
    ['team/a..b', 'path', /repository path component "a..b" is not valid/],
    ['team/a___b', 'path', /repository path component "a___b" is not valid/],
    ['app:v1 2', 'tag', 'tag "v1 2" is not valid: a tag is 1-128 characters of letters, digits, "_", "." and "-", and cannot start with "." or "-"'],
    ['app:', 'tag', /tag "" is not valid/],
    ['app:.hidden', 'tag', /tag ".hidden" is not valid/],
    ['app:-dash', 'tag', /tag "-dash" is not valid/],
    [`app:${'t'.repeat(129)}`, 'tag', /is not valid: a tag is 1-128 characters/],
    ['app:v1:v2', 'tag', /tag "v1:v2" is not valid/],
    ['app:v1+build', 'tag', /tag "v1\+build" is not valid/],
    ['app@sha256:abc', 'digest', 'digest "sha256:abc" is not valid: sha256 needs exactly 64 lowercase hex characters'],
    [`app@sha256:${HEX64.toUpperCase()}`, 'digest', /sha256 needs exactly 64 lowercase hex characters/],
    [`app@sha256:${HEX64}0`, 'digest', /sha256 needs exactly 64 lowercase hex characters/],
    [`app@sha512:${HEX64}`, 'digest', /sha512 needs exactly 128 lowercase hex characters/],
    ['app@md5:abc123', 'digest', 'digest "md5:abc123" is not valid: the part after "md5:" must be at least 32 hex characters'],
    [`app@blake3:${'g'.repeat(32)}`, 'digest', /must be at least 32 hex characters/],
    [`app@${HEX64}`, 'digest', /a digest is "<algorithm>:<hex>"/],
    [`app@1sha:${HEX64}`, 'digest', /the algorithm "1sha" must be letters and digits/],
    [`app@sha256:${HEX64}@sha256:${HEX64}`, 'digest', /sha256 needs exactly 64/],
    ['x'.repeat(256), 'length', /is 256 characters long; registry and path together can be at most 255/],
    [`registry.example.com/${'a'.repeat(235)}:1`, 'length', /is 256 characters long/],
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

describe('assertValidSetting', () => {
  const check = (arg: string) => () => assertValidSetting(arg, parseImageArg(arg));

  it.each([
    'app=registry.example.com/team/app:1.4.2',
    `app=registry.example.com:5000/team/app:1.4.2@sha256:${HEX64}`,
    'app:1.4.2',
    'app=*:1.4.2',
    'app=registry.example.com/team/app:*',
    'app=*@*',
    'app=*:*@*',
    // the entry name is matched, not validated against the grammar
    'Team/App:1.0',
    'registry.example.com:5000/Team/App=registry.example.com/team/app:2',
    'app=',
  ])('accepts %s', (arg) => {
    expect(check(arg)).not.toThrow();
  });

  it.each([
    ['app=Team/App:1', /image argument "app=Team\/App:1": repository path "Team\/App" must be lowercase/],
    ['app=app:v 1', /image argument "app=app:v 1": tag "v 1" is not valid/],
    ['app:.1', /tag ".1" is not valid/],
    ['app=app@sha256:abc', /digest "sha256:abc" is not valid: sha256 needs exactly 64 lowercase hex characters/],
    [`app=*@sha256:${HEX64.toUpperCase()}`, /lowercase hex/],
    ['app=registry.example.com:port/app:1', /registry port "port"/],
    ['app=registry.example.com//app:1', /empty component/],
    ['app=b=c', /repository path component "b=c" is not valid/],
    ['app=user@host/team/app:1', /repository path component "user@host" is not valid/],
    [`app=${'a'.repeat(256)}:1`, /at most 255/],
    ['app=app:$(touch x)', /tag "\$\(touch x\)"/],
    ['app=app:`id`', /tag "`id`"/],
    ['app=app:1;reboot', /tag "1;reboot"/],
    ['my app:1', /the image name to match, "my app", contains whitespace or control characters/],
    ['app\n:1', /"app\\n", contains whitespace/],
  ])('rejects %j', (arg, message) => {
    let error: unknown;
    try {
      assertValidSetting(arg, parseImageArg(arg));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).message).toContain(`image argument ${JSON.stringify(arg)}: `);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).hint).toBeTruthy();
  });

  it('rejects an empty entry name', () => {
    expect(() => assertValidSetting('=x', { name: '' })).toThrow(/the image name to match is empty/);
  });
});
