// Preloaded into the CLI process (`node --import ./bench/probe.mjs dist/image-bump.mjs …`) for the
// analysis runs only: records when the process was ready to run the bundle, every child process it
// spawned (argv, start, exit, how many bytes it wrote) on the process's own clock (ms since it started), and its peak RSS.
// Writes JSON to $BENCH_PROBE_FILE on exit. Never used in the timed runs.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const childProcess = require('node:child_process');
const file = process.env.BENCH_PROBE_FILE;
const preloaded = performance.now();
const spawns = [];
const original = childProcess.spawn;

childProcess.spawn = function spawn(command, args, ...rest) {
  const entry = {
    command,
    args: Array.isArray(args) ? args.slice() : [],
    start: performance.now(),
    end: undefined,
    closed: undefined,
    outputBytes: 0,
  };
  spawns.push(entry);
  const child = original.call(this, command, args, ...rest);
  // Counting bytes does not change what the caller reads: every 'data' listener gets every chunk.
  child.stdout?.on('data', (chunk) => (entry.outputBytes += chunk.length));
  child.stderr?.on('data', (chunk) => (entry.outputBytes += chunk.length));
  child.once('exit', () => (entry.end = performance.now()));
  child.once('close', () => (entry.closed = performance.now()));
  return child;
};
syncBuiltinESMExports();

process.once('exit', () => {
  if (!file) return;
  const usage = process.resourceUsage();
  writeFileSync(
    file,
    JSON.stringify({
      origin: performance.timeOrigin,
      preloaded,
      exit: performance.now(),
      maxRssKb: usage.maxRSS,
      userMs: usage.userCPUTime / 1000,
      systemMs: usage.systemCPUTime / 1000,
      spawns,
    }),
  );
});
