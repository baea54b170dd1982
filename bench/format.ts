/** How the bench's report writes numbers and tables. */

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const ms = (value: number) => `${Math.round(value)} ms`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
export const count = (n: number) => n.toLocaleString('en-US');
export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
export const check = (ok: boolean) => (ok ? 'met' : '**missed**');

export function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
