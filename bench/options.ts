import { parseArgs } from 'node:util';

/** What `npm run bench -- …` accepts; anything else (a typo included) stops the run before it builds anything. */
export interface BenchOptions {
  runs: number;
  files: number;
  scale: number;
  writers: number;
  sameApp: number;
  cli: string;
  cliArgs: string[];
  timing: boolean;
  concurrency: boolean;
  analysis: boolean;
  largeJobRuns: number;
  deadlineMinutes: number;
  /** Delays (ms) the server adds to every answer; the timing runs are repeated at each. */
  latenciesMs: number[];
}

type NumberOption = 'runs' | 'files' | 'scale' | 'writers' | 'same-app' | 'large-job-runs' | 'deadline';

export function readBenchOptions(args: readonly string[], defaultCli: string): BenchOptions {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    allowNegative: true,
    options: {
      quick: { type: 'boolean' },
      runs: { type: 'string' },
      files: { type: 'string' },
      scale: { type: 'string' },
      writers: { type: 'string' },
      'same-app': { type: 'string' },
      'large-job-runs': { type: 'string' },
      deadline: { type: 'string' },
      latency: { type: 'string', multiple: true },
      cli: { type: 'string' },
      'cli-args': { type: 'string' },
      timing: { type: 'boolean' },
      concurrency: { type: 'boolean' },
      analysis: { type: 'boolean' },
    },
  });
  const number = (name: NumberOption, fallback: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new Error(`bench: --${name} must be a whole number, not ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const quick = values.quick === true;
  const latencies = (values.latency ?? ['0', '25']).map((raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) > 1000)
      throw new Error(`bench: --latency must be a whole number of ms up to 1000, not ${JSON.stringify(raw)}`);
    return Number(raw);
  });
  return {
    runs: number('runs', quick ? 3 : 7),
    files: number('files', quick ? 2_000 : 20_000),
    scale: number('scale', 10),
    writers: number('writers', 32),
    sameApp: number('same-app', 8),
    cli: values.cli ?? defaultCli,
    cliArgs: (values['cli-args'] ?? '').split(' ').filter(Boolean),
    timing: values.timing !== false,
    concurrency: values.concurrency !== false,
    analysis: values.analysis !== false,
    largeJobRuns: number('large-job-runs', 3),
    deadlineMinutes: number('deadline', 90),
    latenciesMs: [...new Set(latencies)],
  };
}
