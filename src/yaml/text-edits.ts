/** Splicing new text into a source string by offsets, so every byte outside the edits stays as it was. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies edits given as offsets into `source`. Insertions at the same offset keep the order they are
 * given in (the first one's text comes first); an insertion at the start of a replaced range goes
 * before it. Overlapping ranges are a bug in the caller.
 */
export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const ordered = edits
    .map((edit, index) => ({ edit, index }))
    .sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.index - b.index);
  let result = '';
  let done = 0;
  for (const { edit } of ordered) {
    if (edit.start < done) throw new Error(`overlapping edits at offset ${edit.start}`);
    result += source.slice(done, edit.start) + edit.text;
    done = edit.end;
  }
  return result + source.slice(done);
}

export function lineStartOf(source: string, offset: number): number {
  return source.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the line break that ends the line containing `offset` (or the end of the text). */
export function nextLineStart(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  return newline === -1 ? source.length : newline + 1;
}

/** The column of an offset, in characters; a byte order mark at the start of the text takes no column. */
export function columnOf(source: string, offset: number): number {
  const lineStart = lineStartOf(source, offset);
  const bom = lineStart === 0 && source.startsWith('\uFEFF') && offset > 0 ? 1 : 0;
  return offset - lineStart - bom;
}

/** Where a new line can be inserted after `offset`: right there when it already starts a line, else the next line. */
export function lineBoundaryAfter(source: string, offset: number): number {
  return offset > 0 && source[offset - 1] === '\n' ? offset : nextLineStart(source, offset);
}

export function lineBreakOf(source: string): string {
  return /\r\n/.test(source) ? '\r\n' : '\n';
}

/** 1-based line and column of an offset, for messages. */
export function positionOf(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - lineStartOf(source, offset) + 1 };
}
