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
 * A text with its CST. yaml's lexer and parser do not depend on the YAML version (only its composer
 * does, and it never changes the tokens), so a text is read once and composed in each version.
 * Reading costs more than composing, most of all on a process's first edit.
 */
export interface YamlSource {
  readonly text: string;
  readonly tokens: readonly CST.Token[];
}

/** Reads a text into its CST; `onNewLine` (a LineCounter's addNewLine) learns where lines start. */
export function readYamlSource(text: string, onNewLine?: (offset: number) => void): YamlSource {
  return { text, tokens: Array.from(new Parser(onNewLine).parse(text)) };
}

/**
 * The documents `parseAllDocuments(source.text, options)` gives with `prettyErrors: false` (the same
 * documents, errors and warnings), composed from the tokens read once. An empty stream gives `[]`.
 */
export function composeDocuments(source: YamlSource, options: ComposeOptions): Document.Parsed[] {
  return Array.from(new Composer({ ...options, prettyErrors: false }).compose(source.tokens));
}
