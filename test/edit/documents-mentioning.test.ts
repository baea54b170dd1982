import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, type Document } from 'yaml';
import { documentsMentioning } from '../../src/edit/documents-mentioning.js';
import { randomSource } from '../support/random-source.js';

/** What the image check takes from documents: the values of those without errors (a throwing alias included). */
function values(documents: readonly Document.Parsed[]): unknown[] {
  return documents
    .filter((document) => document.errors.length === 0)
    .map((document) => {
      try {
        return document.toJS() as unknown;
      } catch (error) {
        return `throws: ${(error as Error).message}`;
      }
    });
}

const deployment = (name: string) =>
  `kind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - image: registry.example.com/team/${name}:v1\n`;

describe('documentsMentioning', () => {
  it('parses only the documents that mention a needle, as the whole file reads them', () => {
    const names = Array.from({ length: 40 }, (_, index) => `app${String(index + 1).padStart(2, '0')}`);
    const text = names.map(deployment).join('---\n');
    const whole = values(parseAllDocuments(text));
    expect(values(documentsMentioning(text, ['team/app07']))).toEqual([whole[6]]);
    // The text before the first `---` line is read with that line's document.
    expect(values(documentsMentioning(text, ['team/app01', 'team/app40']))).toEqual([whole[0], whole[1], whole[39]]);
    expect(values(documentsMentioning(text, ['app3']))).toEqual(whole.slice(29, 39));
    expect(documentsMentioning(text, ['nothing'])).toEqual([]);
  });

  it.each([
    ['after a blank', 'note: "left open'],
    ['with an escaped quote after it', 'note: "left open \\" still'],
    ['after a flow indicator', 'notes: ["left open'],
    ['after a tag', 'note: !t"left open'],
    ["with '' inside", "note: 'it''s left open ''"],
  ])('keeps out the documents that a quote left open %s swallows: yaml reads it to the end', (_, line) => {
    const text = `x: 0\n---\ny: 0\n---\n${line}\n---\n${deployment('app')}---\n${deployment('other')}`;
    expect(values(parseAllDocuments(text))).toEqual([{ x: 0 }, { y: 0 }]);
    expect(values(documentsMentioning(text, ['team/app', 'team/other']))).toEqual([]);
  });

  it("spoils a document with its next one's stray first token, as yaml does", () => {
    const text = `x: 0\n---\ny: 0\n---\n${deployment('app')}---\n]\n---\n${deployment('other')}`;
    expect(values(parseAllDocuments(text))).toEqual([
      { x: 0 },
      { y: 0 },
      null,
      values(parseAllDocuments(deployment('other')))[0],
    ]);
    expect(values(documentsMentioning(text, ['team/app']))).toEqual([]);
    expect(values(documentsMentioning(text, ['team/other']))).toEqual(values(parseAllDocuments(text)).slice(-1));
  });

  it('reads a first `---` line after a lone error as the same document', () => {
    const text = `]\n---\n${deployment('app')}`;
    expect(values(parseAllDocuments(text))).toEqual([]);
    expect(values(documentsMentioning(text, ['team/app']))).toEqual([]);
  });

  it('reads a text with `...` whole: a directive after it changes how the next document reads', () => {
    const text = 'x: 0\n---\na: 1\n...\n%YAML 1.1\n---\nimage: 0b101\n';
    expect(values(documentsMentioning(text, ['image']))).toEqual([{ x: 0 }, { a: 1 }, { image: 5 }]);
  });
});

/** Lines meant to trip a cheap cut: document markers in every position, quotes left open, flow and block scalars, directives. */
const LINES = [
  '---',
  '--- ',
  '---\t# after a tab',
  '--- |',
  '--- >-',
  '--- "open',
  "--- 'open",
  '--- [',
  '--- {a: 1}',
  '---x',
  '...',
  '... # end',
  '%YAML 1.1',
  ']',
  '}',
  '[',
  '"',
  "'",
  "''",
  "'''",
  '\\"',
  'a: "open',
  "a: 'open",
  'a: "closed"',
  "a: 'it''s'",
  'b: "escaped \\" quote"',
  '"a""b"',
  '!t"q"',
  '[!t"q"]',
  'k: |',
  'k: >+',
  '  ---',
  '  indented',
  '\tx',
  '- item',
  '- "open',
  '  - image: NAME',
  'image: NAME',
  'image: 0b101',
  'containers: [{image: NAME}]',
  '# NAME "',
  "# '",
  '&a value',
  '*a',
  '*missing',
  '? key',
  ': value',
  'k: [a,',
  '  b]',
  'k: {a: "b',
  '\uFEFF',
  '\uFEFF---',
  'spec:',
];

const texts = fc.record({
  seed: fc.integer(),
  lines: fc.array(fc.integer({ min: 0, max: LINES.length - 1 }), { minLength: 1, maxLength: 16 }),
  separators: fc.integer({ min: 0, max: 12 }),
  crlf: fc.boolean(),
});

function render({ seed, lines, separators, crlf }: typeof texts extends fc.Arbitrary<infer T> ? T : never): string {
  const random = randomSource(seed);
  const picked = lines.map((index, at) => LINES[index]!.replace('NAME', `name${at % 3}`));
  // Plain `---` lines in between, so that most texts have several documents.
  for (let count = 0; count < separators; count++) picked.splice(Math.floor(random() * picked.length), 0, '---');
  const tails = ['', '', '', ' # c', ' "', " '", ' x'];
  const eol = crlf ? '\r\n' : '\n';
  return picked.map((line) => line + tails[Math.floor(random() * tails.length)]!).join(eol) + eol;
}

describe('documentsMentioning: properties', () => {
  it('returns documents of the whole parse, error-free only where they are there, and all of them for an empty needle', () => {
    fc.assert(
      fc.property(texts, (generated) => {
        const text = render(generated);
        const whole = values(parseAllDocuments(text));
        expect(values(documentsMentioning(text, ['']))).toEqual(whole);
        for (const needles of [['name0'], ['name1', 'name2'], ['image'], ['"'], ['-']]) {
          const left = whole.map((value) => JSON.stringify(value));
          for (const value of values(documentsMentioning(text, needles))) {
            const at = left.indexOf(JSON.stringify(value));
            expect(at, `${JSON.stringify(value)} from ${JSON.stringify(text)} for ${needles.join(', ')}`).not.toBe(-1);
            left.splice(at, 1);
          }
        }
      }),
      { numRuns: Number(process.env.RUNS ?? 400) },
    );
  });
});
