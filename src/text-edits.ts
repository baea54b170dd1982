/** Splicing new text into a source string by offsets, so every byte outside the edits stays as it was. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const ordered = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = source;
  let limit = Infinity;
  for (const edit of ordered) {
    if (edit.end > limit) throw new Error(`overlapping edits at offset ${edit.start}`);
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
    limit = edit.start;
  }
  return result;
}

export function lineStartOf(source: string, offset: number): number {
  return source.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the line break that ends the line containing `offset` (or the end of the text). */
export function nextLineStart(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  return newline === -1 ? source.length : newline + 1;
}

export function columnOf(source: string, offset: number): number {
  return offset - lineStartOf(source, offset);
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
