/**
 * The one place secrets are taken out of text that leaves the process: the token itself, its base64
 * forms inside `user:token` Basic credentials, and any Authorization header value.
 */
const MASK = '[MASKED]';
const secrets = new Set<string>();

/**
 * Shorter values are not masked: they would mask ordinary words everywhere (a token "main" would hide
 * every branch name), and GitLab cannot mask them in a job log either. Such a token is refused at input
 * (see token.ts), so it is never used.
 */
export const MIN_SECRET_LENGTH = 8;

export function registerSecret(token: string): void {
  if (token.length < MIN_SECRET_LENGTH) return;
  secrets.add(token);
  for (const user of ['oauth2', 'gitlab-ci-token', '']) {
    secrets.add(Buffer.from(`${user}:${token}`).toString('base64'));
  }
  secrets.add(Buffer.from(token).toString('base64'));
  secrets.add(encodeURIComponent(token));
}

export function redact(text: string): string {
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join(MASK);
  }
  return result
    .replace(/(Authorization:\s*(?:Basic|Bearer|token)\s+)[^\s'"]+/gi, `$1${MASK}`)
    .replace(/(PRIVATE-TOKEN:\s*)[^\s'"]+/gi, `$1${MASK}`)
    .replace(/(https?:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${MASK}@`);
}

/** The whole of an error, message and stack, made safe to print. */
export function redactError(error: unknown): string {
  if (error instanceof Error) return redact(error.stack ?? error.message);
  return redact(String(error));
}

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * Makes every write to stdout and stderr pass through redaction, whoever writes: Node's own NODE_DEBUG
 * logs (read at start-up, so they cannot be switched off later) print each child's environment
 * (`NODE_DEBUG=child_process`) and each request's options (`NODE_DEBUG=http`), in one write per line.
 */
export function guardProcessOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return write(redact(chunk), ...rest);
      if (chunk instanceof Uint8Array)
        return write(
          redact(Buffer.from(chunk).toString('utf8')),
          'utf8',
          ...rest.filter((arg) => typeof arg === 'function'),
        );
      return write(chunk, ...rest);
    };
  }
}
