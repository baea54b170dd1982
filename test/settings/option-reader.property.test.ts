/** Whatever is typed, the parser answers in its own words: a value, or a UsageError of a known form with a hint. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import { parseFlags } from '../../src/settings/option-reader.js';
import { OPTIONS } from '../../src/settings/options.js';

const KNOWN_FORMS = [
  /^unknown option (-{1,2}[\w.-]+|".*")$/,
  /^--\S+ is an option of (push|edit), not (push|edit)$/,
  /^--\S+ needs a value$/,
  /^--\S+ takes no value$/,
  /^unexpected argument ".*"$/s,
];

const names = Object.keys(OPTIONS);
const argument = fc.oneof(
  fc.constantFrom(...names.map((name) => `--${name}`)),
  fc.constantFrom(...names).map((name) => `--${name}=x`),
  fc.constantFrom('-', '--', '-h', '-x', '---dir', '--=', '--dir=', 'value', '-1', '--Dir'),
  fc.string({ maxLength: 6 }),
  fc.string({ maxLength: 6 }).map((text) => `--${text}`),
);

describe('parseFlags on any command line', () => {
  it('returns the values or throws a UsageError of a known form, never Node’s parser wording', () => {
    fc.assert(
      fc.property(fc.constantFrom('push', 'edit' as const), fc.array(argument, { maxLength: 6 }), (command, args) => {
        try {
          parseFlags(command, args);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          const { message, hint } = error as UsageError;
          expect(
            KNOWN_FORMS.some((form) => form.test(message)),
            message,
          ).toBe(true);
          expect(hint).toMatch(/\S/);
        }
      }),
      { numRuns: 400 },
    );
  });
});
