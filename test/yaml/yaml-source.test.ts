import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, type Document } from 'yaml';
import { composeDocuments, readYamlSource, type ComposeOptions } from '../../src/yaml/yaml-source.js';

/**
 * Property: a text read into its CST once and composed in YAML 1.2, then 1.1, then 1.2 again gives
 * each time what parseAllDocuments gives for that version: the same documents, errors and warnings.
 * The texts mix what reads differently in the two versions (yes/on/012/0o17/merge keys/`y` and
 * `yes` as keys), directives, several documents, anchors, tags and broken YAML.
 */

const FRAGMENTS = [
  'apiVersion: kustomize.config.k8s.io/v1beta1',
  'kind: Kustomization',
  'images:',
  '  - name: app',
  '    newTag: v1.2.3',
  '    newTag: 012',
  '    newTag: 0o17',
  '    newTag: 1_000',
  '    newTag: on',
  '  - {name: web, newTag: "1.10"}',
  '  - name: &n api',
  '  - name: *n',
  '  - *missing',
  'base: &base {newTag: yes, digest: ~}',
  'merged:',
  '  <<: *base',
  '  <<: [*base]',
  'y: 1',
  'yes: 2',
  'Y: 3',
  'key: value',
  'key: other',
  'when: 2001-12-14',
  'bits: 0b101',
  'hex: 0x1F',
  'sexa: 1:20',
  'set: !!set {a, b}',
  'omap: !!omap [{a: 1}, {b: 2}]',
  'bin: !!binary aGVsbG8=',
  'custom: !thing x',
  'text: |',
  '  line one',
  'folded: >-',
  '  folded text',
  '# a comment',
  '',
  '---',
  '--- !!map',
  '...',
  '%YAML 1.1',
  '%YAML 1.2',
  '%YAML 1.3',
  '%TAG !e! tag:example.com,2000:',
  '%FOO bar',
  'list: [a, b',
  'map: {a: 1',
  '\tnewTag: tab',
  'bad: "unterminated',
  "single: 'it''s'",
  '  - stray item',
  '- top item',
  '? complex key',
  ': complex value',
  '[a, b]: flow key',
  'a: b: c',
  '"quoted key": v',
  'nul: null',
  'tilde: ~',
  'float: .inf',
  'neg: -.5e3',
];

const yamlText = fc
  .tuple(
    fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 14 }),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([lines, eol, bom, finalBreak]) => `${bom ? '\uFEFF' : ''}${lines.join(eol)}${finalBreak ? eol : ''}`);

const OPTION_SETS: Omit<ComposeOptions, 'version'>[] = [
  { uniqueKeys: true, logLevel: 'silent' },
  { uniqueKeys: false, logLevel: 'silent' },
  { merge: false, strict: false, logLevel: 'silent' },
];

/** What a document is, as far as anyone here reads it. */
function described(doc: Document.Parsed) {
  const problems = (list: readonly { code: string; message: string; pos: [number, number] }[]) =>
    list.map(({ code, message, pos }) => ({ code, message, pos }));
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: -1 });
  } catch (error) {
    js = `throws ${(error as Error).message}`;
  }
  let text: string;
  try {
    text = doc.toString();
  } catch (error) {
    text = `throws ${(error as Error).message}`;
  }
  return {
    errors: problems(doc.errors),
    warnings: problems(doc.warnings),
    range: doc.range,
    version: doc.directives.yaml.version,
    docStart: doc.directives.docStart,
    docEnd: doc.directives.docEnd,
    commentBefore: doc.commentBefore,
    comment: doc.comment,
    js,
    text,
  };
}

function expected(text: string, options: ComposeOptions) {
  return Array.from(parseAllDocuments(text, { ...options, prettyErrors: false })).map(described);
}

describe('composing a text read once', () => {
  it('gives what parseAllDocuments gives, in each version, however often the tokens are composed', () => {
    fc.assert(
      fc.property(yamlText, fc.constantFrom(...OPTION_SETS), (text, options) => {
        const source = readYamlSource(text);
        for (const version of ['1.2', '1.1', '1.2'] as const) {
          const composed = composeDocuments(source, { ...options, version }).map(described);
          expect(composed).toEqual(expected(text, { ...options, version }));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('tells YAML 1.1 from 1.2 where they differ', () => {
    const read = (text: string, version: '1.1' | '1.2') =>
      composeDocuments(readYamlSource(text), { version, uniqueKeys: true, logLevel: 'silent' })[0]!;
    expect(read('tag: 012\non: yes\n', '1.2').toJS()).toEqual({ tag: 12, on: 'yes' });
    expect(read('tag: 012\non: yes\n', '1.1').toJS()).toEqual({ tag: 10, true: true });
    expect(read('y: 1\nyes: 2\n', '1.2').errors).toEqual([]);
    expect(read('y: 1\nyes: 2\n', '1.1').errors.map((error) => error.code)).toEqual(['DUPLICATE_KEY']);
  });
});
