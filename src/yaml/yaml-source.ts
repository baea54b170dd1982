import {
  Composer,
  Parser,
  type CST,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';

export type YamlVersion = '1.1' | '1.2';

export type ComposeOptions = ParseOptions & DocumentOptions & SchemaOptions & { version: YamlVersion };

/**
 * How the editors and their postconditions read documents: a duplicate key is an error, and `toJS`
 * never logs.
 */
const READ_OPTIONS = { uniqueKeys: true, logLevel: 'silent' } as const;

/**
 * A text with its CST. yaml's lexer and parser do not depend on the YAML version (only its composer
 * does, and it never changes the tokens), so a text is read once and composed in each version; each
 * version's documents are composed once too, and shared by everything that reads them.
 */
export interface YamlSource {
  readonly text: string;
  readonly tokens: readonly CST.Token[];
  readonly composed: Map<YamlVersion, Document.Parsed[]>;
}

/** Reads a text into its CST; `onNewLine` (a LineCounter's addNewLine) learns where lines start. */
export function readYamlSource(text: string, onNewLine?: (offset: number) => void): YamlSource {
  return { text, tokens: Array.from(new Parser(onNewLine).parse(text)), composed: new Map() };
}

/**
 * The text's documents in a YAML version, with duplicate keys as errors: `parseAllDocuments(text,
 * { version, uniqueKeys: true, logLevel: 'silent', prettyErrors: false })`. Composed on the first
 * call; read them, never change them.
 */
export function documentsIn(source: YamlSource, version: YamlVersion): Document.Parsed[] {
  let documents = source.composed.get(version);
  if (!documents) {
    documents = composeDocuments(source, { ...READ_OPTIONS, version });
    source.composed.set(version, documents);
  }
  return documents;
}

/**
 * The documents `parseAllDocuments(source.text, options)` gives with `prettyErrors: false` (the same
 * documents, errors and warnings), composed from the tokens read once. An empty stream gives `[]`.
 */
export function composeDocuments(source: YamlSource, options: ComposeOptions): Document.Parsed[] {
  return Array.from(new Composer({ ...options, prettyErrors: false }).compose(source.tokens));
}
