import { describe, expect, it } from 'vitest';
import { readBenchOptions } from '../bench/options.js';

describe('npm run bench options', () => {
  it('times at 0 and 25 ms of latency unless told, and takes --latency more than once', () => {
    expect(readBenchOptions([], 'cli.mjs').latenciesMs).toEqual([0, 25]);
    expect(readBenchOptions(['--latency', '50'], 'cli.mjs').latenciesMs).toEqual([50]);
    expect(readBenchOptions(['--latency', '0', '--latency', '10', '--latency', '0'], 'cli.mjs').latenciesMs).toEqual([
      0, 10,
    ]);
  });

  it('refuses a latency that is not a whole number of ms up to 1000, and unknown options', () => {
    expect(() => readBenchOptions(['--latency', '25ms'], 'cli.mjs')).toThrow(/--latency must be a whole number/);
    expect(() => readBenchOptions(['--latency', '-1'], 'cli.mjs')).toThrow();
    expect(() => readBenchOptions(['--latency', '5000'], 'cli.mjs')).toThrow(/up to 1000/);
    expect(() => readBenchOptions(['--latncy', '5'], 'cli.mjs')).toThrow(/Unknown option/);
  });
});
