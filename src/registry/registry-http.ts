import type { IncomingHttpHeaders } from 'node:http';
import { guardProcessOutput } from '../failures/redact.js';
import { withoutQuery } from '../failures/url-shown.js';
import { requestFunction } from '../git/http-request.js';

/**
 * One HTTP exchange with a registry or its token service, and nothing more: no redirect is followed
 * (registry-session.ts decides whether one may be, and with which credentials), the whole exchange has
 * a deadline, and an answer longer than `maxBytes` is not read on. Authorization is set after the
 * request is made, so the options NODE_DEBUG=http prints when it connects never hold it.
 */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type TransportProblem =
  'timeout' | 'tls' | 'plain-http' | 'unknown-host' | 'refused' | 'too-large' | 'network' | 'redirect';

/** A registry that could not be asked: no answer, or one too large to be a registry's. */
export class TransportError extends Error {
  constructor(
    readonly problem: TransportProblem,
    readonly url: string,
    readonly detail: string,
  ) {
    super(`${problem}: ${detail}`);
  }
}

/**
 * A registry that has not even taken the connection by then is unreachable (a firewall dropping packets):
 * with the default --verify-image warn, such a runner would otherwise wait the whole --timeout per job.
 */
const CONNECT_DEADLINE_MS = 10_000;

export interface HttpRequest {
  method: 'GET' | 'HEAD';
  url: URL;
  headers: Record<string, string>;
  authorization?: string;
  deadlineMs: number;
  maxBytes: number;
  /** The CA certificates to trust, when more than Node's own. */
  ca?: string[];
}

export async function exchange({
  method,
  url,
  headers,
  authorization,
  deadlineMs,
  maxBytes,
  ca,
}: HttpRequest): Promise<HttpAnswer> {
  guardProcessOutput();
  const shown = withoutQuery(url);
  const send = await requestFunction(url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (problem: TransportProblem, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      reject(new TransportError(problem, shown, detail));
    };
    const request = send(url, { method, headers, ca }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return fail('too-large', `the answer is longer than ${maxBytes} bytes`);
        chunks.push(chunk);
      });
      response.on('error', (error) => fail('network', error.message));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
    });
    if (authorization) request.setHeader('Authorization', authorization);
    const deadline = setTimeout(() => fail('timeout', `no complete answer within ${deadlineMs / 1000} s`), deadlineMs);
    const connectMs = Math.min(deadlineMs, CONNECT_DEADLINE_MS);
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connecting = setTimeout(() => fail('timeout', `no connection within ${connectMs / 1000} s`), connectMs);
      socket.once('connect', () => clearTimeout(connecting));
      request.once('close', () => clearTimeout(connecting));
    });
    request.on('error', (error: NodeJS.ErrnoException) => fail(...classify(error)));
    request.end();
  });
}

function classify(error: NodeJS.ErrnoException): [TransportProblem, string] {
  const code = error.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return ['unknown-host', `the host name does not resolve (${code})`];
  if (code === 'ECONNREFUSED') return ['refused', 'the connection was refused (ECONNREFUSED)'];
  // OpenSSL's answer to a server that speaks plain HTTP on the TLS port.
  if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    /wrong version number|packet length too long/i.test(error.message)
  )
    return ['plain-http', 'the server does not speak TLS'];
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code) || /certificate/i.test(error.message))
    return ['tls', `TLS failed: ${code || error.message}`];
  return ['network', code || error.message];
}
