/**
 * Where a regular expression would mean something else, or nothing, to RE2 (GitLab checks input
 * `regex:` with RE2) than to JavaScript (these tests check defaults and values with `RegExp`). A
 * pattern without any of these constructs matches the same strings in both, except that JavaScript's
 * `\s` also takes `\v` and non-ASCII spaces (`nonPortableWhitespace` finds such values).
 */

/** Escapes both engines read alike: classes, anchors, controls and `\x` hex. */
const SHARED_LETTER_ESCAPES = new Set([...'dDsSwWbBfnrtvx']);

/** Reasons the pattern is not portable between RE2 and JavaScript; empty when it is. */
export function re2Incompatibilities(pattern: string): string[] {
  const reasons = new Set<string>();
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    const next = pattern[index + 1] ?? '';
    if (char === '\\') {
      if (/[1-9]/.test(next)) reasons.add(`backreference \`\\${next}\` (RE2 has none)`);
      else if (next === 'k') reasons.add('named backreference `\\k<…>` (RE2 has none)');
      else if (/[A-Za-z]/.test(next) && !SHARED_LETTER_ESCAPES.has(next))
        reasons.add(`escape \`\\${next}\` (RE2 and JavaScript read it differently)`);
      index++;
      continue;
    }
    if (inClass) {
      if (char === '[' && next === ':') reasons.add('POSIX class `[:…:]` (JavaScript reads it as characters)');
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal in RE2 but closes an empty class in JavaScript.
      const literalBracket = next === ']' || (next === '^' && pattern[index + 2] === ']');
      if (literalBracket) reasons.add('`]` first in a class (RE2: a literal; JavaScript: the end of an empty class)');
      continue;
    }
    if (char === '(' && next === '?') {
      const rest = pattern.slice(index + 2);
      if (/^[=!]/.test(rest)) reasons.add('lookahead `(?=…)`/`(?!…)` (RE2 has none)');
      else if (/^<[=!]/.test(rest)) reasons.add('lookbehind `(?<=…)`/`(?<!…)` (RE2 has none)');
      else if (rest.startsWith('>')) reasons.add('atomic group `(?>…)` (RE2 has none)');
      else if (/^P?</.test(rest)) reasons.add('named group (RE2 and JavaScript spell it differently; use `(?:…)`)');
      else if (!rest.startsWith(':')) reasons.add('inline flags `(?…)` (JavaScript has none)');
    }
  }
  return [...reasons];
}

/** Characters JavaScript's `\s` matches and RE2's does not. */
export const nonPortableWhitespace = (value: string) =>
  /[\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(value);
