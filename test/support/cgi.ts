/**
 * Runs a CGI program (here `git http-backend`) for one HTTP request: the request body streams into its
 * stdin, its `Status:` and other headers become the response head, the rest streams back as the body.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CgiOptions {
  command: string;
  args?: string[];
  env: Record<string, string>;
  /** Called with the child as soon as it is spawned (so the caller can kill it on shutdown). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface CgiResult {
  status: number;
  exitCode: number | null;
  stderr: string;
}

interface ParsedHead {
  status: number;
  headers: [string, string][];
  rest: Buffer;
}

function parseHead(buffer: Buffer): ParsedHead | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  let end: number;
  let separator: number;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    end = crlf;
    separator = 4;
  } else if (lf !== -1) {
    end = lf;
    separator = 2;
  } else {
    return undefined;
  }
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of buffer.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers, rest: buffer.subarray(end + separator) };
}

/** Waits until the response can take more data, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function runCgi(req: IncomingMessage, res: ServerResponse, options: CgiOptions): Promise<CgiResult> {
  const child = spawn(options.command, options.args ?? [], {
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = () => {
    if (alive()) child.kill('SIGKILL');
  };

  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // The child may exit (or be killed) before it has read the whole body.
  child.stdin.on('error', () => {});
  req.pipe(child.stdin);
  // Client went away before the answer was complete: the backend has no one to talk to.
  res.on('close', () => {
    if (!res.writableFinished) kill();
  });

  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', (error) => {
      stderr += String(error);
      resolve(null);
    });
  });

  const streamed = (async () => {
    let head: Buffer = Buffer.alloc(0);
    let started = false;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      if (res.destroyed) {
        kill();
        break;
      }
      let data = chunk;
      if (!started) {
        head = Buffer.concat([head, chunk]);
        const parsed = parseHead(head);
        if (!parsed) continue;
        started = true;
        res.statusCode = parsed.status;
        for (const [name, value] of parsed.headers) res.appendHeader(name, value);
        data = parsed.rest;
      }
      if (data.length > 0 && !res.write(data)) await drained(res);
    }
    return started;
  })();

  return Promise.all([streamed, exited]).then(([started, exitCode]) => {
    if (!started && !res.headersSent && !res.destroyed) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('Bad Gateway\n');
    } else if (!res.destroyed) {
      res.end();
    }
    return { status: res.statusCode, exitCode, stderr };
  });
}
