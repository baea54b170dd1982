/**
 * Parses only the documents of a multi-document YAML text that mention one of some strings. Each
 * document returned reads as in `parseAllDocuments` of the whole text: the same content, and free
 * of errors only if it is free of them there. The text is cut at `---` lines, where yaml's lexer
 * starts a document, but for the cases where yaml reads across one (each handled below); the tests
 * of this module hold every cut to the whole parse.
 */
import { parseAllDocuments, type Document } from 'yaml';

/** A `---` line followed by a space, tab, line break or the end: a document start in every context but an open quote. */
const DOCUMENT_START = /\n(?=---(?:[ \t\r\n]|$))/g;
const STARTS_WITH_DOCUMENT_START = /^---(?:[ \t\r\n]|$)/;
/** A `...` line ends a document and lets directives or a bare document follow: such a text is read whole. */
const DOCUMENT_END = /^\.\.\.(?:[ \t\r\n]|$)/m;

/** The documents of `text` whose text contains one of `needles`, each parsed together with the document after it. */
export function documentsMentioning(text: string, needles: readonly string[]): Document.Parsed[] {
  const pieces = documentPieces(text);
  const mentions = pieces.map((piece) => needles.some((needle) => piece.includes(needle)));
  const documents: Document.Parsed[] = [];
  for (let first = 0; first < pieces.length; first++) {
    if (!mentions[first]) continue;
    let last = first;
    while (mentions[last + 1]) last++;
    const run = pieces.slice(first, last + 1).join('');
    // yaml reports the errors of a document's first tokens on the document before it (so a stray `]`
    // spoils the previous one): the next document, itself ended as in the whole text, decides them.
    const next = (pieces[last + 1] ?? '') + (last + 2 < pieces.length ? '---' : '');
    documents.push(...parseAllDocuments(run + next).filter((document) => document.range[0] < run.length));
    first = last;
  }
  return documents;
}

/** `text` cut before its document starts, each piece beginning where a document of the whole text begins. */
function documentPieces(text: string): string[] {
  if (DOCUMENT_END.test(text)) return [text];
  const openQuote = unclosedQuoteStart(text);
  const starts = [0];
  for (const match of text.matchAll(DOCUMENT_START)) {
    if (match.index >= openQuote) break;
    starts.push(match.index + 1);
  }
  // Before the first `---` line: directives, or a document that this line only continues when it
  // holds no node yet (a lone `]`, say). Either way that text stays with the line's document.
  if (!STARTS_WITH_DOCUMENT_START.test(text)) starts.splice(1, 1);
  return starts.map((start, index) => text.slice(start, starts[index + 1]));
}

/**
 * Where a quoted scalar may begin that nothing closes (Infinity when none can): yaml's lexer then
 * reads it to the end of the text, through every `---` line after it. Any earlier `"` is closed by
 * the last unescaped one, any earlier `'` by the last odd run of them (`''` is a quote inside the
 * scalar), so those two are the only candidates.
 */
function unclosedQuoteStart(text: string): number {
  const candidates = [lastUnescapedDoubleQuote(text), lastOddSingleQuoteRun(text)];
  return Math.min(Infinity, ...candidates.filter((at) => at >= 0 && mayBeginQuotedScalar(text, at)));
}

function lastUnescapedDoubleQuote(text: string): number {
  let at = text.lastIndexOf('"');
  while (at > 0 && backslashesBefore(text, at) % 2 === 1) at = text.lastIndexOf('"', at - 1);
  return at;
}

function lastOddSingleQuoteRun(text: string): number {
  let end = text.lastIndexOf("'");
  while (end >= 0) {
    let start = end;
    while (start > 0 && text[start - 1] === "'") start--;
    if ((end - start) % 2 === 0) return start;
    end = start > 0 ? text.lastIndexOf("'", start - 1) : -1;
  }
  return -1;
}

function backslashesBefore(text: string, at: number): number {
  let count = 0;
  while (text[at - 1 - count] === '\\') count++;
  return count;
}

/**
 * Whether yaml's lexer can begin a quoted scalar at `at`: after a blank, a line break, a flow
 * indicator, a colon, another quoted scalar or a tag (whose characters may run up to the quote).
 */
function mayBeginQuotedScalar(text: string, at: number): boolean {
  if (at === 0 || ' \t\r\n[]{},:"\'\uFEFF'.includes(text.charAt(at - 1))) return true;
  let index = at - 1;
  while (index >= 0 && !' \t\r\n!'.includes(text.charAt(index))) index--;
  return text[index] === '!';
}
