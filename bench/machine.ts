import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of the CPU times in /proc (100 on every common Linux). */
const CLOCK_TICKS = 100;

/** Busy and total jiffies of the whole machine, from /proc/stat (Linux only; zeros elsewhere). */
export function cpuTimes(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** CPU seconds of this process's waited-for children (all descendants reaped so far), from /proc/self/stat. */
export function childrenCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
