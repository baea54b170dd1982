/**
 * Every component template, checked the way GitLab checks a component's header before it accepts an
 * include, at the oldest GitLab the README promises. The checker is also shown to refuse each kind of
 * header GitLab refuses, so a pass means something.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatVersion, headerProblems, MAX_OPTIONS, type GitLabVersion } from './support/gitlab-header-rules.js';
import { re2Incompatibilities } from './support/re2-compat.js';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** The one sentence of the README that states the minimum GitLab version. */
const REQUIREMENT = /The component needs GitLab (\d+)\.(\d+) or later/g;

/** The minimum GitLab version the README promises; the one every check here is made against. */
function documentedMinimumGitLab(readme: string): GitLabVersion {
  const statements = [...readme.matchAll(REQUIREMENT)];
  if (statements.length !== 1)
    throw new Error(
      `the README must state the minimum GitLab version once ("The component needs GitLab X.Y or later"), found ${statements.length}`,
    );
  return [Number(statements[0]![1]), Number(statements[0]![2])];
}

const minimumGitLab = documentedMinimumGitLab(read('README.md'));

/** `templates/<name>.yml` and `templates/<name>/template.yml`, as GitLab finds components. */
function templatePaths(): string[] {
  return readdirSync(new URL('templates/', root), { withFileTypes: true }).flatMap((entry) => {
    if (entry.isFile() && entry.name.endsWith('.yml')) return [`templates/${entry.name}`];
    if (entry.isDirectory()) return [`templates/${entry.name}/template.yml`];
    return [];
  });
}

describe('the minimum GitLab version', () => {
  it('is stated once in the README, and every other "GitLab X.Y or later" in README and CHANGELOG agrees', () => {
    expect(formatVersion(minimumGitLab)).toBe('18.7');
    for (const file of ['README.md', 'CHANGELOG.md']) {
      for (const match of read(file).matchAll(/GitLab (\d+\.\d+) or later/g))
        expect(match[1], `${file}: ${match[0]}`).toBe(formatVersion(minimumGitLab));
    }
  });

  it('is read from the README: a README without the sentence, or with two, is refused', () => {
    expect(() => documentedMinimumGitLab('Works with any GitLab.')).toThrow(/found 0/);
    expect(() =>
      documentedMinimumGitLab('The component needs GitLab 18.7 or later. The component needs GitLab 18.10 or later.'),
    ).toThrow(/found 2/);
    expect(documentedMinimumGitLab('The component needs GitLab 18.10 or later: …')).toEqual([18, 10]);
  });
});

describe.each(templatePaths())('%s', (path) => {
  const documents = parseAllDocuments(read(path));

  it(`is a header GitLab ${formatVersion(minimumGitLab)} accepts`, () => {
    expect(Array.isArray(documents) && documents.length).toBe(2);
    for (const document of documents) expect(document.errors).toEqual([]);
    expect(headerProblems(documents[0]!.toJS(), { minimumGitLab })).toEqual([]);
  });
});

describe('headerProblems', () => {
  type Header = { spec: Record<string, unknown> & { inputs: Record<string, Record<string, unknown>> } };
  /** A header GitLab 18.7 accepts, with one input of every kind the cases below spoil. */
  const validHeader = (): Header => ({
    spec: {
      component: ['sha'],
      inputs: {
        environment: { type: 'string', description: 'Where to deploy.', regex: '^[a-z]+$' },
        mode: { type: 'string', default: 'direct', options: ['direct', 'merge-request'] },
        attempts: { type: 'number', default: 40 },
        dry_run: { type: 'boolean', default: false },
        paths: { type: 'array', default: [] },
        size: {
          type: 'string',
          rules: [{ if: '$[[ inputs.mode ]] == "direct"', options: ['small'], default: 'small' }],
        },
      },
    },
  });
  const at187: GitLabVersion = [18, 7];

  it('accepts the valid header', () => {
    expect(headerProblems(validHeader(), { minimumGitLab: at187 })).toEqual([]);
  });

  const cases: { name: string; spoil: (header: Header) => void; expected: RegExp; minimumGitLab?: GitLabVersion }[] = [
    {
      name: 'spec:description before 18.10',
      spoil: (h) => (h.spec.description = 'Bumps images.'),
      expected: /^spec: `description` needs GitLab 18\.10, but the documented minimum is 18\.7$/,
    },
    {
      name: 'spec:component before 18.7',
      spoil: (h) => delete h.spec.inputs.size,
      minimumGitLab: [18, 6],
      expected: /^spec: `component` needs GitLab 18\.7, but the documented minimum is 18\.6$/,
    },
    {
      name: 'spec:include in a component',
      spoil: (h) => (h.spec.include = [{ local: '/inputs.yml' }]),
      expected: /^spec: `include` cannot be used in a CI\/CD component$/,
    },
    { name: 'an unknown spec key', spoil: (h) => (h.spec.name = 'image-bump'), expected: /^spec: unknown key `name`$/ },
    {
      name: 'an unknown component field',
      spoil: (h) => (h.spec.component = ['sha', 'tag']),
      expected: /^spec\.component: must be a list of name, sha, version, reference$/,
    },
    { name: 'no inputs', spoil: (h) => (h.spec.inputs = {}), expected: /^spec\.inputs: must be a non-empty mapping$/ },
    {
      name: 'an unknown input key',
      spoil: (h) => (h.spec.inputs.environment!.required = true),
      expected: /^spec\.inputs\.environment: unknown key `required`$/,
    },
    {
      name: 'a type GitLab does not have',
      spoil: (h) => (h.spec.inputs.attempts!.type = 'integer'),
      expected: /^spec\.inputs\.attempts: type `integer` is not one of string, number, boolean, array$/,
    },
    {
      name: 'no explicit type',
      spoil: (h) => delete h.spec.inputs.environment!.type,
      expected: /^spec\.inputs\.environment: `type` is not written \(write `type: string`\)$/,
    },
    {
      name: 'an input with nothing under it',
      spoil: (h) => (h.spec.inputs.environment = null as never),
      expected: /^spec\.inputs\.environment: `type` is not written/,
    },
    {
      name: `${MAX_OPTIONS + 1} options`,
      spoil: (h) =>
        (h.spec.inputs.mode!.options = [
          'direct',
          ...Array.from({ length: MAX_OPTIONS }, (_, index) => `option-${index}`),
        ]),
      expected: /^spec\.inputs\.mode: options: 51 options, more than 50$/,
    },
    {
      name: 'a default outside the options',
      spoil: (h) => (h.spec.inputs.mode!.default = 'sometimes'),
      expected: /^spec\.inputs\.mode: default "sometimes" is not among the options$/,
    },
    {
      name: 'an option of another type',
      spoil: (h) => (h.spec.inputs.mode!.options = ['direct', 3]),
      expected: /^spec\.inputs\.mode: options: 3 is not a string$/,
    },
    {
      name: 'options on a boolean',
      spoil: (h) => (h.spec.inputs.dry_run!.options = [true, false]),
      expected: /^spec\.inputs\.dry_run: options: not for boolean inputs$/,
    },
    {
      name: 'options on an array before 19.0',
      spoil: (h) => (delete h.spec.inputs.paths!.default, (h.spec.inputs.paths!.options = [['a']])),
      expected: /^spec\.inputs\.paths: options: on an array input needs GitLab 19\.0/,
    },
    {
      name: 'a default that does not match its regex',
      spoil: (h) => (h.spec.inputs.environment!.default = 'Prod'),
      expected: /^spec\.inputs\.environment: default "Prod" does not match its regex$/,
    },
    {
      name: 'a regex RE2 does not have',
      spoil: (h) => (h.spec.inputs.environment!.regex = '^(?!prod)[a-z]+$'),
      expected: /^spec\.inputs\.environment: regex: lookahead/,
    },
    {
      name: 'a regex that does not compile',
      spoil: (h) => (h.spec.inputs.environment!.regex = '^[a-z+$'),
      expected: /^spec\.inputs\.environment: regex: does not compile/,
    },
    {
      name: 'a regex on a number',
      spoil: (h) => (h.spec.inputs.attempts!.regex = '^[0-9]+$'),
      expected: /^spec\.inputs\.attempts: regex: only for string inputs, not number$/,
    },
    {
      name: 'a default of another type',
      spoil: (h) => (h.spec.inputs.attempts!.default = '40'),
      expected: /^spec\.inputs\.attempts: default "40" is a string, not a number$/,
    },
    {
      name: 'an array default for a string',
      spoil: (h) => (h.spec.inputs.environment!.default = ['prod']),
      expected: /^spec\.inputs\.environment: default \["prod"\] is an array, not a string$/,
    },
    {
      name: 'rules and options together',
      spoil: (h) => (h.spec.inputs.size!.options = ['small']),
      expected: /^spec\.inputs\.size: `rules` and `options` cannot be used together$/,
    },
    {
      name: 'rules and default together',
      spoil: (h) => (h.spec.inputs.size!.default = 'small'),
      expected: /^spec\.inputs\.size: `rules` and `default` cannot be used together$/,
    },
    {
      name: 'rules before 18.7',
      spoil: (h) => delete h.spec.component,
      minimumGitLab: [18, 6],
      expected: /^spec\.inputs\.size: `rules` needs GitLab 18\.7, but the documented minimum is 18\.6$/,
    },
    {
      name: 'a description over 1024 characters',
      spoil: (h) => (h.spec.inputs.environment!.description = 'x'.repeat(1025)),
      expected: /^spec\.inputs\.environment: description: 1025 characters, more than 1024$/,
    },
  ];

  it.each(cases)('refuses $name', ({ spoil, expected, minimumGitLab }) => {
    const header = validHeader();
    spoil(header);
    const problems = headerProblems(header, { minimumGitLab: minimumGitLab ?? at187 });
    expect(problems).toEqual([expect.stringMatching(expected)]);
  });

  it('accepts spec:description once the minimum is 18.10', () => {
    const header = validHeader();
    header.spec.description = 'Bumps images.';
    expect(headerProblems(header, { minimumGitLab: [18, 10] })).toEqual([]);
  });
});

describe('re2Incompatibilities', () => {
  it('passes patterns RE2 and JavaScript read alike', () => {
    for (const pattern of [
      '^[A-Za-z0-9_]+$',
      '^(\\$[A-Za-z_]\\w*|\\$\\{[A-Za-z_]\\w*\\})$',
      '^[^\\s~^:?*\\[\\\\]*$',
      '^(?:a|b){1,3}\\.x$',
      '^\\x41\\d\\D\\s\\S\\w\\W\\b$',
    ]) {
      expect(re2Incompatibilities(pattern), pattern).toEqual([]);
    }
  });

  it.each([
    ['(?=a)', /lookahead/],
    ['(?!a)', /lookahead/],
    ['(?<=a)b', /lookbehind/],
    ['(?<!a)b', /lookbehind/],
    ['(a)\\1', /backreference/],
    ['(a)\\k<n>', /named backreference/],
    ['(?<n>a)', /named group/],
    ['(?P<n>a)', /named group/],
    ['(?>a+)', /atomic/],
    ['(?i)abc', /inline flags/],
    ['[[:alpha:]]', /POSIX class/],
    ['[]a]', /`\]` first in a class/],
    ['abc\\z', /escape `\\z`/],
    ['\\Aabc', /escape `\\A`/],
    ['\\p{L}', /escape `\\p`/],
    ['\\u0041', /escape `\\u`/],
    ['\\cA', /escape `\\c`/],
  ])('refuses %s', (pattern, reason) => {
    expect(re2Incompatibilities(pattern)).toEqual([expect.stringMatching(reason)]);
  });
});
