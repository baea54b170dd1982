/**
 * The reference checker against a direct transcription of distribution/reference (regexp.go and
 * reference.go's Parse): strings generated from the grammar, and mutations of them, are accepted by
 * one exactly when they are accepted by the other.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkImageArgument, checkImageReference } from '../../src/image/image-reference.js';

// regexp.go, word for word (Go's \w and [[:xdigit:]] are ASCII).
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tag = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const referenceRegexp = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digestPat}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);

/** go-digest's registered algorithms (crypto/sha256 and crypto/sha512 imported) and their hex lengths. */
const REGISTERED: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** reference.Parse: the anchored ReferenceRegexp, the path (without domain) at most 255, digest.Parse. */
function distributionAccepts(s: string): boolean {
  if (s === '') return false;
  const matches = referenceRegexp.exec(s);
  if (!matches) return false;
  const nameMatch = anchoredNameRegexp.exec(matches[1]!);
  const path = nameMatch ? nameMatch[2]! : matches[1]!;
  if (path.length > 255) return false;
  const digest = matches[3];
  if (digest) {
    const [algorithm, encoded] = [digest.slice(0, digest.indexOf(':')), digest.slice(digest.indexOf(':') + 1)];
    const length = REGISTERED[algorithm];
    if (length === undefined || !new RegExp(`^[a-f0-9]{${length}}$`).test(encoded)) return false;
  }
  return true;
}

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const validDigest = fc.oneof(
  ...Object.entries(REGISTERED).map(([algorithm, length]) => hex(length).map((encoded) => `${algorithm}:${encoded}`)),
);
/** Long paths, to reach the 255-character limit from both sides. */
const longPath = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 245, max: 265 })).map(([parts, total]) => {
  const size = Math.floor((total - (parts - 1)) / parts);
  const components = Array.from({ length: parts }, (_, i) =>
    'a'.repeat(i === parts - 1 ? total - (parts - 1) - size * (parts - 1) : size),
  );
  return components.join('/');
});
const name = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(new RegExp(`^${namePat}$`)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.option(fc.stringMatching(new RegExp(`^${domainAndPort}$`)), { nil: undefined }), longPath)
      .map(([domain, path]) => (domain ? `${domain}/${path}` : path)),
  },
);
/** Strings of the grammar: ReferenceRegexp's shape, with registered and unregistered digests. */
const reference = fc
  .tuple(
    name,
    fc.option(fc.stringMatching(new RegExp(`^${tag}$`)), { nil: undefined }),
    fc.option(
      fc.oneof(
        { weight: 3, arbitrary: validDigest },
        { weight: 1, arbitrary: fc.stringMatching(new RegExp(`^${digestPat}$`)) },
      ),
      { nil: undefined, freq: 2 },
    ),
  )
  .map(([n, t, d]) => n + (t === undefined ? '' : `:${t}`) + (d === undefined ? '' : `@${d}`));

const ALPHABET = [...'aZ09._-_/:@[]', '__', '--', '::', '//', ' ', '\n', '$', 'A', 'é', '*', '='];
/** One edit of a valid string: insert, delete or replace a character, or cut it short. */
const mutated = fc
  .tuple(reference, fc.nat(), fc.constantFrom(...ALPHABET), fc.constantFrom('insert', 'delete', 'replace', 'truncate'))
  .map(([s, at, text, how]) => {
    const i = at % (s.length + 1);
    if (how === 'insert') return s.slice(0, i) + text + s.slice(i);
    if (how === 'delete') return s.slice(0, i) + s.slice(i + 1);
    if (how === 'replace') return s.slice(0, i) + text + s.slice(i + 1);
    return s.slice(0, i);
  });

const RUNS = { numRuns: 400 };

describe('checkImageReference agrees with distribution/reference', () => {
  it('on strings generated from the grammar', () => {
    fc.assert(
      fc.property(reference, (s) => {
        expect(checkImageReference(s) === null, s).toBe(distributionAccepts(s));
      }),
      RUNS,
    );
  });

  it('on mutations of them', () => {
    fc.assert(
      fc.property(mutated, (s) => {
        expect(checkImageReference(s) === null, JSON.stringify(s)).toBe(distributionAccepts(s));
      }),
      RUNS,
    );
  });

  it('on arbitrary short strings of the grammar’s characters', () => {
    const chars = fc.string({ unit: fc.constantFrom(...'ab0A.-_/:@[]'), maxLength: 12 });
    fc.assert(
      fc.property(chars, (s) => {
        expect(checkImageReference(s) === null, JSON.stringify(s)).toBe(distributionAccepts(s));
      }),
      RUNS,
    );
  });

  it('on the cases found by these properties', () => {
    for (const s of [
      'a:1',
      'a-b.c/d',
      'A/b',
      'a/B',
      '[::1]/a',
      '[::1]:5/a:0',
      'a.b:1/c',
      'a:b/c',
      '0/a',
      'a__b',
      'a___b',
      'a/b@sha256:' + 'a'.repeat(64),
    ]) {
      expect(checkImageReference(s) === null, s).toBe(distributionAccepts(s));
    }
  });
});

describe('image arguments follow the same grammar, with "*" for a part kept as it is', () => {
  it('NAME=REFERENCE is accepted exactly when the reference is', () => {
    fc.assert(
      fc.property(fc.oneof(reference, mutated), (s) => {
        // "=" in the reference would split the argument elsewhere; such strings are never references.
        fc.pre(!s.includes('='));
        expect(checkImageArgument(`app=${s}`) === null, JSON.stringify(s)).toBe(distributionAccepts(s));
      }),
      RUNS,
    );
  });

  it('any part of a valid reference may be "*"', () => {
    const parts = fc.tuple(
      fc.stringMatching(new RegExp(`^${namePat}$`)),
      fc.option(fc.stringMatching(new RegExp(`^${tag}$`)), { nil: undefined }),
      fc.option(validDigest, { nil: undefined }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
    );
    fc.assert(
      fc.property(parts, ([n, t, d, keepName, keepTag, keepDigest]) => {
        fc.pre(distributionAccepts(n));
        const arg = `app=${keepName ? '*' : n}${t === undefined ? '' : `:${keepTag ? '*' : t}`}${d === undefined ? '' : `@${keepDigest ? '*' : d}`}`;
        expect(checkImageArgument(arg), arg).toBeNull();
      }),
      RUNS,
    );
  });
});
