import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parse, parseAllDocuments, type Node } from 'yaml';
import { BumpError } from '../../src/failures/errors.js';
import { parseImageArgs, type ImageSetting } from '../../src/image/image-arg.js';
import { setImages } from '../../src/yaml/kustomization-editor.js';
import { kustomizeSetImage, sortedByName, type ModelEntry } from '../../src/yaml/kustomize-set-image.js';
import { renderScalar } from '../../src/yaml/source.js';

/**
 * Property: for kustomizations in the shapes people write and any valid --image arguments, setImages
 * either refuses with one of its documented reasons, or returns text that parses (YAML 1.2 and 1.1),
 * whose images are kustomize's set-image of the old ones, whose other keys are unchanged, and whose
 * lines outside the entries of the named images are the old lines, byte for byte.
 * Failures it found are kept as golden cases in test/fixtures/kustomize (no-final-newline-two-appends,
 * bom-document-end-marker).
 */

const NAMES = ['app', 'alpha', 'web', 'zzz', 'registry.example.com/team/api', 'm'];
const TAGS = [
  'v1',
  'v2.0.1',
  'latest',
  '1.10',
  '1234',
  'on',
  'yes',
  'y',
  'n',
  'off',
  'NO',
  'True',
  'null',
  '1_000',
  '0b101',
  '0o17',
  '012',
  '08',
  '1e3',
  '0x1F',
  '2001-12-14',
  'v1-rc.1',
];
const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const NEW_NAMES = ['mirror.example.com/app', 'registry.example.com:5000/team/app', 'busybox'];

type Style = 'plain' | 'single' | 'double' | 'null' | 'literal';

interface Field {
  key: string;
  value: string;
  style: Style;
}

interface EntrySpec {
  name: string;
  nameStyle: Style;
  fields: Field[];
  flow: boolean;
  /** `- name: x` or a `-` alone on its line with the keys below it. */
  dashAlone: boolean;
}

interface Shape {
  entries: EntrySpec[];
  images: 'absent' | 'null' | 'tilde' | 'empty-flow' | 'block' | 'flow' | 'flow-multiline';
  sharing: 'none' | 'merge' | 'tag-alias' | 'anchored-unused';
  imageTags?: { name: string; tag: string };
  before: string[];
  after: string[];
  seqIndent: 0 | 2;
  keyOffset: 2 | 4;
  flowRoot: boolean;
  comments: boolean[];
  crlf: boolean;
  bom: boolean;
  startMarker: boolean;
  endMarker: boolean;
  finalNewline: boolean;
  quotedKeys: boolean;
  blankLines: boolean;
}

const style = fc.constantFrom<Style>('plain', 'single', 'double');
/** Field values also come empty (`~`) and as block scalars (`|-`, in block entries; quoted in flow ones). */
const fieldStyle = fc.constantFrom<Style>('plain', 'plain', 'single', 'double', 'null', 'literal');
const field = fc.oneof(
  fc.record({ key: fc.constant('newTag'), value: fc.constantFrom(...TAGS), style: fieldStyle }),
  fc.record({ key: fc.constant('newName'), value: fc.constantFrom(...NEW_NAMES), style: fieldStyle }),
  fc.record({ key: fc.constant('digest'), value: fc.constant(DIGEST), style: fieldStyle }),
  fc.record({ key: fc.constant('tagSuffix'), value: fc.constantFrom('-debug', '-1'), style }),
);
const entry = fc.record({
  name: fc.constantFrom(...NAMES),
  nameStyle: style,
  fields: fc.uniqueArray(field, { selector: (f) => f.key, maxLength: 4 }),
  flow: fc.boolean(),
  dashAlone: fc.boolean(),
});
const OTHER_KEYS = ['apiVersion', 'kind', 'resources', 'namePrefix', 'labels'];
const shape: fc.Arbitrary<Shape> = fc.record({
  entries: fc.array(entry, { maxLength: 4 }),
  images: fc.constantFrom(
    'absent',
    'null',
    'tilde',
    'empty-flow',
    'block',
    'block',
    'block',
    'block',
    'flow',
    'flow-multiline',
  ),
  sharing: fc.constantFrom('none', 'none', 'merge', 'tag-alias', 'anchored-unused'),
  imageTags: fc.option(fc.record({ name: fc.constantFrom(...NAMES), tag: fc.constantFrom('v0', 'old') }), {
    nil: undefined,
    freq: 6,
  }),
  before: fc.subarray(OTHER_KEYS),
  after: fc.subarray(['namespace', 'configMapGenerator']),
  seqIndent: fc.constantFrom(0, 2),
  keyOffset: fc.constantFrom(2, 2, 4),
  flowRoot: fc.boolean(),
  comments: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  startMarker: fc.boolean(),
  endMarker: fc.boolean(),
  finalNewline: fc.boolean(),
  quotedKeys: fc.boolean(),
  blankLines: fc.boolean(),
});

/** Arguments name the file's own entries most of the time, and also new names sorting before, between and after them. */
function imageArg(existing: readonly string[]): fc.Arbitrary<string> {
  const name = fc.constantFrom(...existing, ...existing, ...existing, ...NAMES, 'new-one', 'zzzz-last', '0-first');
  const tag = fc.constantFrom(...TAGS, '*');
  return fc.oneof(
    fc.tuple(name, tag).map(([n, t]) => `${n}:${t}`),
    fc.tuple(name, fc.constantFrom(...NEW_NAMES, '*'), tag).map(([n, nn, t]) => `${n}=${nn}:${t}`),
    fc.tuple(name, fc.constantFrom(...NEW_NAMES)).map(([n, nn]) => `${n}=${nn}`),
    fc.tuple(name, fc.constantFrom(DIGEST, '*')).map(([n, d]) => `${n}@${d}`),
    fc.tuple(name, tag, fc.constantFrom(DIGEST, '*')).map(([n, t, d]) => `${n}:${t}@${d}`),
    fc
      .tuple(name, fc.constantFrom(...NEW_NAMES, '*'), fc.constantFrom(DIGEST, '*'))
      .map(([n, nn, d]) => `${n}=${nn}@${d}`),
  );
}
const cases = shape.chain((s) =>
  fc.tuple(
    fc.constant(s),
    fc.array(imageArg([...s.entries.map((e) => e.name), ...(s.imageTags ? [s.imageTags.name] : [])]), {
      minLength: 1,
      maxLength: 3,
    }),
  ),
);

/** A scalar in the given style; `indent` is where a block scalar's content goes (none: a flow context). */
function scalar(value: string, how: Style, indent?: string): string {
  if (how === 'null') return '~';
  if (how === 'literal') return indent === undefined ? JSON.stringify(value) : `|-\n${indent}${value}`;
  const readsBack = parse(value, { version: '1.1' }) === value && parse(value) === value;
  if (how === 'plain' && readsBack) return value;
  if (how === 'single') return `'${value}'`;
  return JSON.stringify(value);
}

interface Rendered {
  text: string;
  /** What the entries are, as a YAML 1.1 reader (kustomize) and a YAML 1.2 reader see them. */
  model: Record<'1.1' | '1.2', ModelEntry[]>;
  others: Record<string, unknown>;
  duplicates: boolean;
}

const OTHER_TEXT: Record<string, [block: string[], flow: string, value: unknown]> = {
  apiVersion: [
    ['apiVersion: kustomize.config.k8s.io/v1beta1'],
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kustomize.config.k8s.io/v1beta1',
  ],
  kind: [['kind: Kustomization'], 'kind: Kustomization', 'Kustomization'],
  resources: [
    ['resources:', '@- ../../base', '@- deployment.yaml'],
    'resources: [../../base, deployment.yaml]',
    ['../../base', 'deployment.yaml'],
  ],
  namePrefix: [["namePrefix: 'prod-'"], "namePrefix: 'prod-'", 'prod-'],
  labels: [['labels:', '@- pairs:', '@    app: web'], 'labels: [{pairs: {app: web}}]', [{ pairs: { app: 'web' } }]],
  namespace: [['namespace: production'], 'namespace: production', 'production'],
  configMapGenerator: [
    ['configMapGenerator:', '@- name: settings', '@  literals: [A=1]'],
    'configMapGenerator: [{name: settings, literals: [A=1]}]',
    [{ name: 'settings', literals: ['A=1'] }],
  ],
};

function render(s: Shape): Rendered {
  let commentIndex = 0;
  const comment = () => (s.comments[commentIndex++ % s.comments.length] ? ` # c${commentIndex}` : '');
  const dash = ' '.repeat(s.seqIndent);
  const pad = ' '.repeat(s.keyOffset - 1);
  const entries = s.images === 'block' || s.images === 'flow' || s.images === 'flow-multiline' ? s.entries : [];
  const flowList = s.flowRoot || s.images !== 'block';
  const sharing = entries.length >= 2 ? s.sharing : 'none';

  const hasTagAnchor = sharing === 'tag-alias' && entries[0]!.fields.some((f) => f.key === 'newTag');
  const cont = ' '.repeat(s.seqIndent + s.keyOffset);
  const isBlockEntry = (e: EntrySpec) => !flowList && !e.flow;
  const pairTexts = (e: EntrySpec, index: number): string[] => {
    const key = (k: string) => (s.quotedKeys && index % 2 === 0 ? `"${k}"` : k);
    const indent = isBlockEntry(e) ? `${cont}  ` : undefined;
    const pairs = [
      `${key('name')}: ${scalar(e.name, e.nameStyle)}`,
      ...e.fields.map((f) => `${key(f.key)}: ${scalar(f.value, f.style, indent)}`),
    ];
    if (hasTagAnchor && e.fields.some((f) => f.key === 'newTag')) {
      const at = pairs.findIndex((p) => /^"?newTag"?: /.test(p));
      if (index === 0) pairs[at] = pairs[at]!.replace(/: /, ': &tag ');
      else if (index === entries.length - 1) pairs[at] = 'newTag: *tag';
    }
    if (sharing === 'merge' && index === entries.length - 1) pairs.push('<<: *base');
    return pairs;
  };
  const anchorTag = (index: number) =>
    (sharing === 'merge' || sharing === 'anchored-unused') && index === 0 ? '&base ' : '';

  // What a reader sees, built from the spec (not by parsing the text under test).
  const readEntries = (version: '1.1' | '1.2'): ModelEntry[] => {
    const read = (text: string) => parse(text, { version }) as unknown;
    const base: Record<string, unknown> = {};
    const tagged = hasTagAnchor ? entries[0]!.fields.find((f) => f.key === 'newTag') : undefined;
    return entries.map((e, index) => {
      const value: Record<string, unknown> = {};
      const written: ModelEntry['written'] = {};
      value.name = read(scalar(e.name, e.nameStyle));
      for (const f of e.fields) {
        const aliased = tagged && f.key === 'newTag' && index === entries.length - 1 && index !== 0;
        const source = aliased ? tagged : f;
        value[f.key] = read(
          scalar(source.value, source.style, isBlockEntry(aliased ? entries[0]! : e) ? '  ' : undefined),
        );
        if (f.key !== 'tagSuffix' && source.style !== 'null')
          written[f.key as keyof ModelEntry['written']] = source.value;
      }
      if (index === 0) Object.assign(base, value);
      let result: unknown = value;
      if (sharing === 'merge' && index === entries.length - 1)
        result = version === '1.1' ? { ...base, ...value } : { ...value, '<<': base };
      return { value: result, name: e.name, written };
    });
  };

  let imagesText: string[];
  const flowEntry = (e: EntrySpec, index: number) => `${anchorTag(index)}{${pairTexts(e, index).join(', ')}}`;
  if (s.images === 'absent') imagesText = [];
  else if (s.images === 'null') imagesText = [`images:${comment()}`];
  else if (s.images === 'tilde') imagesText = [`images: ~${comment()}`];
  else if (s.images === 'empty-flow' || entries.length === 0) imagesText = [`images: []${comment()}`];
  else if (flowList && s.images === 'flow-multiline' && !s.flowRoot) {
    imagesText = [
      `images: [${comment()}`,
      ...entries.map((e, i) => `  ${flowEntry(e, i)}${i < entries.length - 1 ? ',' : ''}${comment()}`),
      ']',
    ];
  } else if (flowList) imagesText = [`images: [${entries.map(flowEntry).join(', ')}]${comment()}`];
  else {
    imagesText = [`images:${comment()}`];
    entries.forEach((e, i) => {
      if (s.blankLines && i > 0) imagesText.push('');
      if (s.comments[(i + 7) % s.comments.length]) imagesText.push(`${dash}# about ${e.name}`);
      if (e.flow) {
        imagesText.push(`${dash}-${pad}${flowEntry(e, i)}${comment()}`);
        return;
      }
      // A comment after a block scalar's content would be content: none there.
      const pairs = pairTexts(e, i).map((p) => (p.includes('\n') ? p : `${p}${comment()}`));
      if (anchorTag(i) || e.dashAlone)
        imagesText.push(
          `${dash}-${anchorTag(i) ? ` ${anchorTag(i).trim()}` : ''}${comment()}`,
          ...pairs.map((p) => `${cont}${p}`),
        );
      else imagesText.push(`${dash}-${pad}${pairs[0]}`, ...pairs.slice(1).map((p) => `${cont}${p}`));
    });
  }
  const imageTagsText = s.imageTags
    ? [`imageTags:`, `${dash}- name: ${s.imageTags.name}`, `${dash}  newTag: ${s.imageTags.tag}`]
    : [];

  const others: Record<string, unknown> = {};
  for (const key of [...s.before, ...s.after]) others[key] = OTHER_TEXT[key]![2];
  if (s.imageTags) others.imageTags = [{ name: s.imageTags.name, newTag: s.imageTags.tag }];

  let lines: string[];
  if (s.flowRoot) {
    const inner = [
      ...s.before.map((k) => OTHER_TEXT[k]![1]),
      ...(imagesText.length ? [imagesText.join(' ').replace(/ # c\d+/g, '')] : []),
      ...(s.imageTags ? [`imageTags: [{name: ${s.imageTags.name}, newTag: ${s.imageTags.tag}}]`] : []),
      ...s.after.map((k) => OTHER_TEXT[k]![1]),
    ];
    lines = [`{${inner.join(', ')}}`];
  } else {
    const block = (k: string) =>
      OTHER_TEXT[k]![0].map(
        (line) => (line.startsWith('@') ? dash + line.slice(1) : line) + (line.endsWith(':') ? '' : comment()),
      );
    lines = [
      ...(s.comments[3] ? ['# overlay for production'] : []),
      ...s.before.flatMap(block),
      ...imagesText,
      ...imageTagsText,
      ...s.after.flatMap(block),
    ];
  }
  if (s.startMarker) lines.unshift(s.comments[5] ? '--- # the kustomization' : '---');
  if (s.endMarker) lines.push('...');
  const eol = s.crlf ? '\r\n' : '\n';
  let text = (s.bom ? '\uFEFF' : '') + lines.join('\n') + (lines.length && s.finalNewline ? '\n' : '');
  if (s.crlf) text = text.replace(/\n/g, eol);
  if (text === '\uFEFF') text = '';
  const names = [...entries.map((e) => e.name), ...(s.imageTags ? [s.imageTags.name] : [])];
  const imageTagsModel = (): ModelEntry[] =>
    s.imageTags
      ? [
          {
            value: { name: s.imageTags.name, newTag: s.imageTags.tag },
            name: s.imageTags.name,
            written: { newTag: s.imageTags.tag },
          },
        ]
      : [];
  return {
    text,
    model: { '1.1': [...readEntries('1.1'), ...imageTagsModel()], '1.2': [...readEntries('1.2'), ...imageTagsModel()] },
    others,
    duplicates: new Set(names).size !== names.length,
  };
}

/** The refusals setImages documents, and the shapes that justify each. */
function justifiedRefusal(error: unknown, r: Rendered, s: Shape, settings: readonly ImageSetting[]): boolean {
  if (!(error instanceof BumpError) || error.message.includes('internal:')) return false;
  const targeted = new Set(settings.map((setting) => setting.name));
  if (/more than once/.test(error.message)) return r.duplicates;
  if (/deprecated `imageTags:`/.test(error.message)) return s.imageTags !== undefined && targeted.has(s.imageTags.name);
  if (/anchored as &|merge key|is an alias/.test(error.message)) return s.sharing !== 'none';
  return false;
}

function readBack(text: string, version: '1.1' | '1.2') {
  const docs = parseAllDocuments(text, { version, uniqueKeys: true, logLevel: 'silent' });
  const list = Array.isArray(docs) ? docs : [];
  expect(list.flatMap((d) => [...d.errors, ...d.warnings]).map((e) => e.message)).toEqual([]);
  expect(list).toHaveLength(1);
  return (list[0]!.toJS() ?? {}) as Record<string, unknown>;
}

/** Lines of the text outside the images entries named in `names` (and outside a list that had no entries). */
function linesOutside(text: string, names: ReadonlySet<string>, wholeList: boolean): string[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  const lineAt = (at: number) => {
    let index = 0;
    while (index + 1 < starts.length && starts[index + 1]! <= at) index++;
    return index;
  };
  const inside = new Set<number>();
  const mark = (from: number, to: number) => {
    for (let i = lineAt(from); i <= lineAt(Math.max(from, to - 1)); i++) inside.add(i);
  };
  const docs = parseAllDocuments(text);
  const root = Array.isArray(docs) ? docs[0] : docs;
  const contents = root?.contents;
  // A flow mapping as the root is one changed line; the lines around it still count.
  if (isMap(contents) && contents.flow) mark(contents.range[0], contents.range[1]);
  else if (isMap(contents)) {
    const pair = contents.items.find((p) => (p.key as { value?: unknown }).value === 'images');
    const value = pair?.value as Node | null | undefined;
    if (pair && (wholeList || !isSeq(value) || value.items.length === 0 || value.flow))
      mark((pair.key as Node).range![0], value?.range?.[1] ?? (pair.key as Node).range![1]);
    else if (isSeq(value)) {
      for (const item of value.items as Node[]) {
        const map = item as unknown as { get?: (k: string) => unknown };
        const name = typeof map.get === 'function' ? map.get('name') : undefined;
        if (typeof name === 'string' && names.has(name)) {
          let from = item.range![0];
          // A `- &anchor` line above the entry's first key belongs to it.
          const previous = lines[lineAt(from) - 1];
          if (!/^[ \t]*-/.test(lines[lineAt(from)]!) && previous !== undefined && /^[ \t]*- &\S+/.test(previous))
            from = starts[lineAt(from) - 1]!;
          mark(from, item.range![1]);
        }
      }
    }
  }
  // The byte order mark stays first in the file (checked on its own), whatever line that is.
  lines[0] = lines[0]!.replace(/^\uFEFF/, '');
  // A missing final line break may be added with the first new line after it.
  return lines
    .filter((line, i) => !inside.has(i) && !(i === lines.length - 1 && line === ''))
    .map((line) => line.replace(/\r$/, ''));
}

function check(s: Shape, args: string[]): void {
  const r = render(s);
  const settings = parseImageArgs(args);
  let result: string;
  try {
    result = setImages(r.text, settings).text;
  } catch (error) {
    if (justifiedRefusal(error, r, s, settings)) return;
    throw error;
  }
  for (const version of ['1.1', '1.2'] as const) {
    const now = readBack(result, version);
    const images = [...((now.images as unknown[] | null) ?? []), ...((now.imageTags as unknown[] | undefined) ?? [])];
    expect(sortedByName(images)).toEqual(kustomizeSetImage(r.model[version], settings));
    const { images: _images, ...rest } = now;
    expect(rest).toEqual(r.others);
  }
  const names = new Set(settings.map((setting) => setting.name));
  const wholeList = s.flowRoot || s.images !== 'block' || r.model['1.2'].length === (s.imageTags ? 1 : 0);
  expect(linesOutside(result, names, wholeList)).toEqual(linesOutside(r.text, names, wholeList));
  if (s.crlf && r.text.includes('\r\n')) expect(result.replace(/\r\n/g, '')).not.toContain('\n');
  if (s.bom && r.text) expect(result.startsWith('\uFEFF')).toBe(true);
}

describe('setImages on generated kustomizations', () => {
  it('refuses only for documented reasons, and otherwise gives kustomize’s images and keeps every other byte', () => {
    fc.assert(
      fc.property(cases, ([s, args]) => check(s, args)),
      { numRuns: 600 },
    );
  });
});

describe('renderScalar on any tag the image grammar allows', () => {
  const tag = fc.stringMatching(/^[\w][\w.-]{0,15}$/);
  it.each([
    ['v1.2.3', 'v1.2.3'],
    ['release-42_b', 'release-42_b'],
    ['yEs', 'yEs'],
    ['e3', '"e3"'],
    ['E-10', '"E-10"'],
    ['on', '"on"'],
    ['Yes', '"Yes"'],
    ['null', '"null"'],
    ['y', '"y"'],
    ['False', '"False"'],
  ])(
    'a tag that starts with a letter, %s, is written %s: plain unless YAML 1.1 reads it as something else',
    (value, written) => {
      expect(renderScalar(value)).toBe(written);
      for (const version of ['1.1', '1.2'] as const)
        expect(parse(`newTag: ${written}`, { version })).toEqual({ newTag: value });
    },
  );

  it('gives text that reads back as the same string in YAML 1.2 and 1.1, in a block and in a flow mapping', () => {
    fc.assert(
      fc.property(tag, (value) => {
        const rendered = renderScalar(value);
        for (const version of ['1.1', '1.2'] as const) {
          expect(parse(`newTag: ${rendered}`, { version })).toEqual({ newTag: value });
          expect(parse(`{newTag: ${rendered}, x: 1}`, { version })).toEqual({ newTag: value, x: 1 });
        }
      }),
      { numRuns: 300 },
    );
  });
});
