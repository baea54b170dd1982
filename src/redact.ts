/**
 * The one place secrets are taken out of text that leaves the process: the token itself, its base64
 * forms inside `user:token` Basic credentials, and any Authorization header value.
 */
const MASK = '[MASKED]';
const secrets = new Set<string>();

export function registerSecret(token: string): void {
  if (!token) return;
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
    if (secret.length >= 4) result = result.split(secret).join(MASK);
  }
  return result
    .replace(/(Authorization:\s*(?:Basic|Bearer|token)\s+)\S+/gi, `$1${MASK}`)
    .replace(/(PRIVATE-TOKEN:\s*)\S+/gi, `$1${MASK}`)
    .replace(/(https?:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${MASK}@`);
}

/** The whole of an error, message and stack, made safe to print. */
export function redactError(error: unknown): string {
  if (error instanceof Error) return redact(error.stack ?? error.message);
  return redact(String(error));
}
