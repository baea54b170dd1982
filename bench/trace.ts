/**
 * Instruments for the analysis runs: git's trace2 event stream (one file per git process, turned on
 * through a HOME whose .gitconfig names a trace directory, since the CLI passes no GIT_TRACE2_*
 * variable through), the CLI's own spawn timeline (bench/probe.mjs), and the server's request log
 * with durations.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { GitLabServer } from '../test/support/gitlab-server.js';

/** Writes `<home>/.gitconfig` so that every git process started with this HOME traces to `traceDir`. */
export function writeTraceConfig(home: string, traceDir: string): void {
  writeFileSync(join(home, '.gitconfig'), `[trace2]\n\teventTarget = ${traceDir}\n\teventBrief = false\n`);
}

export interface GitProcess {
  sid: string;
  /** The sid of the git process that started this one, if any. */
  parent?: string;
  argv: string[];
  name: string;
  start: number;
  end: number;
  exitCode?: number;
  /** ms spent by children (from child_start to child_exit), for self-time estimates. */
  childMs: number;
}

interface TraceEvent {
  event: string;
  sid: string;
  time?: string;
  argv?: string[];
  name?: string;
  code?: number;
  t_abs?: number;
}

/** `2024-01-15T10:00:00.123456Z` as ms since the epoch, keeping the microseconds. */
function traceTime(text: string): number {
  const micros = /\.\d{3}(\d{1,3})Z$/.exec(text)?.[1] ?? '0';
  return Date.parse(text) + Number(micros.padEnd(3, '0')) / 1000;
}

/** Every git process that traced into `traceDir`, oldest first, with absolute times in ms. */
export function readTrace(traceDir: string): GitProcess[] {
  const processes = new Map<string, GitProcess>();
  for (const file of readdirSync(traceDir)) {
    for (const line of readFileSync(join(traceDir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let event: TraceEvent;
      try {
        event = JSON.parse(line) as TraceEvent;
      } catch {
        continue;
      }
      const time = event.time ? traceTime(event.time) : NaN;
      let entry = processes.get(event.sid);
      if (!entry) {
        const slash = event.sid.lastIndexOf('/');
        entry = {
          sid: event.sid,
          parent: slash > 0 ? event.sid.slice(0, slash) : undefined,
          argv: [],
          name: '',
          start: time,
          end: time,
          childMs: 0,
        };
        processes.set(event.sid, entry);
      }
      if (!Number.isNaN(time)) {
        entry.start = Math.min(entry.start, time);
        entry.end = Math.max(entry.end, time);
      }
      if (event.event === 'start' && event.argv) entry.argv = event.argv;
      if (event.event === 'cmd_name' && event.name) entry.name = event.name;
      if (event.event === 'exit') entry.exitCode = event.code;
    }
  }
  const all = [...processes.values()];
  for (const child of all) {
    const parent = child.parent && processes.get(child.parent);
    if (parent) parent.childMs += child.end - child.start;
  }
  return all.sort((a, b) => a.start - b.start);
}

/** The command as shown in a report: argv without the token header and the long URL. */
export function shownCommand(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-c' && /extraHeader/i.test(argv[i + 1] ?? '')) {
      i++;
      continue;
    }
    words.push(word.replace(/^.*\/(git[^/]*)$/, '$1').replace(/https?:\/\/[^ ]*/, 'URL'));
  }
  return words.join(' ');
}

export interface RequestTiming {
  method: string;
  path: string;
  start: number;
  end: number;
  /** git-upload-pack or git-receive-pack, for git requests. */
  service?: string;
  /** A callback of the test server's own hooks (post-receive), not a git request. */
  hook: boolean;
}

/** Records every request the server answers, with its duration (performance.now() clock). */
export function recordRequests(server: GitLabServer): { requests: RequestTiming[]; stop: () => void } {
  const http = (server as unknown as { server: Server }).server;
  const requests: RequestTiming[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const timing: RequestTiming = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0]!,
      service:
        /service=(git-[a-z-]+)/.exec(req.url ?? '')?.[1] ??
        /\/(git-[a-z-]+)$/.exec((req.url ?? '').split('?')[0]!)?.[1],
      start: performance.now(),
      end: NaN,
      hook: (req.url ?? '').startsWith('/-/test-hooks/'),
    };
    requests.push(timing);
    res.once('close', () => (timing.end = performance.now()));
  };
  http.prependListener('request', listener);
  return { requests, stop: () => http.off('request', listener) };
}

export function describeRequest(request: RequestTiming): string {
  if (request.hook) return 'hook callback';
  const path = request.path.replace(/^.*\.git\//, '');
  return `${request.method} ${path.startsWith('/api/') || request.path.startsWith('/api/') ? request.path : path}`;
}

export interface Probe {
  /** Epoch ms at which the process started. */
  origin: number;
  preloaded: number;
  exit: number;
  maxRssKb: number;
  userMs: number;
  systemMs: number;
  spawns: { command: string; args: string[]; start: number; end?: number; closed?: number; outputBytes: number }[];
}

export function readProbe(file: string): Probe {
  return JSON.parse(readFileSync(file, 'utf8')) as Probe;
}
