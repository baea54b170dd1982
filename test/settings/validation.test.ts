import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import { oneOf, parseFlags, reader, splitList } from '../../src/settings/option-reader.js';
import {
  checkHelmPath,
  checkProject,
  checkRelativePath,
  checkServerUrl,
  checkTokenVariable,
  isValidBranchName,
  readAuthor,
  readEnvironmentNames,
  readMessageTemplate,
  wholeNumber,
} from '../../src/settings/validation.js';

const refusal = (run: () => unknown): UsageError => {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('not refused');
};

const read = (args: string[], env: NodeJS.ProcessEnv = {}) => reader(parseFlags('push', args), env);

describe('option reader', () => {
  it('a flag wins over its IMAGE_BUMP_* variable; the last of repeated flags wins', () => {
    expect(read(['--branch', 'a', '--branch', 'b'], { IMAGE_BUMP_BRANCH: 'c' }).one('branch')).toBe('b');
    expect(read([], { IMAGE_BUMP_BRANCH: 'c' }).one('branch')).toBe('c');
    expect(read([], { IMAGE_BUMP_BRANCH: '' }).one('branch')).toBeUndefined();
    expect(read(['--branch', 'a']).source('branch')).toBe('--branch');
    expect(read([]).source('branch')).toBe('IMAGE_BUMP_BRANCH');
  });

  it('a boolean variable is true/1/yes or false/0/no, anything else is refused by name', () => {
    expect(read([], { IMAGE_BUMP_DRY_RUN: 'YES' }).flag('dry-run')).toBe(true);
    expect(read([], { IMAGE_BUMP_DRY_RUN: '0' }).flag('dry-run')).toBe(false);
    expect(refusal(() => read([], { IMAGE_BUMP_DRY_RUN: 'maybe' }).flag('dry-run')).message).toBe(
      'IMAGE_BUMP_DRY_RUN must be true or false, not "maybe"',
    );
  });

  it('lists are JSON arrays or separated by commas and line breaks', () => {
    expect(splitList('["a", " b ", ""]')).toEqual(['a', 'b']);
    expect(splitList('a, b\nc,,')).toEqual(['a', 'b', 'c']);
    expect(splitList('[not json')).toEqual(['[not json']);
  });

  it('an unknown option and a stray argument are usage errors with a hint', () => {
    expect(refusal(() => parseFlags('push', ['--bogus'])).message).toBe('unknown option --bogus');
    expect(refusal(() => parseFlags('push', ['stray'])).hint).toMatch(/--image NAME=IMAGE/);
  });

  it('oneOf names the option and the allowed values', () => {
    expect(oneOf(read(['--mode', 'merge-request']), 'mode', ['direct', 'merge-request'], 'direct')).toBe(
      'merge-request',
    );
    expect(refusal(() => oneOf(read(['--mode', 'x']), 'mode', ['direct', 'merge-request'], 'direct')).message).toBe(
      '--mode must be direct or merge-request, not "x"',
    );
  });
});

describe('validation rules', () => {
  it('server URL: canonical form, credentials never echoed, parser-ambiguous forms refused', () => {
    expect(checkServerUrl('https://GitLab.example.com/gitlab/', '--server-url')).toBe(
      'https://gitlab.example.com/gitlab',
    );
    const withToken = refusal(() => checkServerUrl('https://user:glpat-secret@gitlab.example.com', '--server-url'));
    expect(withToken.message).not.toContain('glpat-secret');
    for (const raw of [
      'http://a:1\\@b:2',
      'https://gitlab.example.com/%2e%2e',
      'https://gitlab.example.com/a/../b',
      'ftp://gitlab.example.com',
      'https://gitlab.example.com?x=1',
    ]) {
      expect(() => checkServerUrl(raw, '--server-url'), raw).toThrow(UsageError);
    }
    expect(refusal(() => checkServerUrl(undefined, '--server-url')).message).toBe('no GitLab server URL');
  });

  it('project: a group path of at least two parts, without dot segments', () => {
    expect(checkProject('group/sub/app')).toBe('group/sub/app');
    expect(refusal(() => checkProject('app')).message).toBe('project "app" is not a GitLab project path');
    expect(refusal(() => checkProject('group/../app')).message).toContain('is not a GitLab project path');
    expect(refusal(() => checkProject('')).message).toBe('no GitOps project given');
  });

  it('token variable: a name, and a value given instead is never shown', () => {
    expect(checkTokenVariable('MY_TOKEN', '--token-variable')).toBe('MY_TOKEN');
    const error = refusal(() => checkTokenVariable('glpat-abc.def', '--token-variable'));
    expect(`${error.message} ${error.hint}`).not.toContain('glpat-abc');
  });

  it('branch names follow git check-ref-format', () => {
    for (const good of ['main', 'release/1.2', 'image-bump/prod/app']) expect(isValidBranchName(good), good).toBe(true);
    for (const bad of ['', '-x', 'a..b', 'a.lock', 'a/', '/a', 'a b', 'a~1', 'a@{1}', '@', 'a//b', 'a.'])
      expect(isValidBranchName(bad), bad).toBe(false);
  });

  it('relative paths stay below the root and out of .git', () => {
    expect(checkRelativePath('./a//b/', '--path')).toBe('a/b');
    expect(refusal(() => checkRelativePath('../a', '--path')).message).toBe(
      '--path "../a" must be a directory inside the repository',
    );
    expect(refusal(() => checkRelativePath('a/.git/config', '--file', 'repository', false, 'path')).message).toContain(
      'goes through .git',
    );
    expect(refusal(() => checkRelativePath('a\tb', '--path')).message).toContain('contains control characters');
    expect(() => checkRelativePath('.', '--dir', 'working directory', false)).toThrow(UsageError);
    expect(checkRelativePath('.', '--dir', 'working directory', true)).toBe('.');
  });

  it('whole numbers: digits only, within the range', () => {
    expect(wholeNumber('40', '--max-attempts', 1)).toBe(40);
    for (const raw of ['0', '-1', '1.5', ' 3', '1e3', ''])
      expect(() => wholeNumber(raw, '--max-attempts', 1), raw).toThrow(UsageError);
    expect(refusal(() => wholeNumber('86401', '--timeout', 1, { maximum: 86_400 })).message).toBe(
      '--timeout must be a whole number from 1 to 86400, not "86401"',
    );
  });

  it('the message template must leave a subject', () => {
    expect(readMessageTemplate(read(['--message', 'bump {name}']))).toBe('bump {name}');
    expect(refusal(() => readMessageTemplate(read(['--message', ' {previous} ']))).message).toContain(
      'leaves the commit subject empty',
    );
  });

  it('the author is what git records as given', () => {
    expect(readAuthor(read([]), 'gitlab.example.com')).toEqual({
      name: 'gitops-image-bump',
      email: 'gitops-image-bump@noreply.gitlab.example.com',
    });
    expect(() => readAuthor(read(['--author-name', 'a <b>']), 'h')).toThrow(/holds "<", ">" or control characters/);
    expect(() => readAuthor(read(['--author-name', '..']), 'h')).toThrow(/has no letter or digit/);
    expect(() => readAuthor(read(['--author-email', 'a b@c']), 'h')).toThrow(/whitespace/);
  });

  it('environment names are single directory names, each once; TARGET_ENV only as the fallback', () => {
    expect(readEnvironmentNames(read(['--target-env', 'prod,staging', '--target-env', 'prod']), 'dev')).toEqual([
      'prod',
      'staging',
    ]);
    expect(readEnvironmentNames(read([]), 'dev, qa')).toEqual(['dev', 'qa']);
    for (const bad of ['..', '.git', 'a/b', '-x'])
      expect(() => readEnvironmentNames(read(['--target-env', bad]), undefined), bad).toThrow(UsageError);
  });

  it('a Helm path is keys joined by dots', () => {
    expect(() => checkHelmPath('backend.image')).not.toThrow();
    for (const bad of ['a..b', '.a', 'a b', 'a[0]']) expect(() => checkHelmPath(bad), bad).toThrow(UsageError);
  });
});

describe('path containment', async () => {
  const { liesBelow, normalizeBelowRoot } = await import('../../src/settings/relative-path.js');
  it('a resolved path lies strictly below its root', () => {
    expect(liesBelow('/repo', '/repo/a/b')).toBe(true);
    for (const outside of ['/repo', '/repository/a', '/a', '/repo/../x'])
      expect(liesBelow('/repo', outside), outside).toBe(false);
  });
  it('a path written relative to a root is normalised, or refused when it climbs out', () => {
    expect(normalizeBelowRoot('a/./b//c/')).toBe('a/b/c');
    expect(normalizeBelowRoot('a/..')).toBe('.');
    for (const outside of ['..', 'a/../../b', '/etc/passwd', '\\x'])
      expect(normalizeBelowRoot(outside), outside).toBeUndefined();
  });
});
