import { singleLine } from '../failures/single-line.js';

/** What a registry or its token service said, read from an answer's body for messages. */

export function readJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The registry's own words from an error body, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}`
 * (token services: `details`), on one line and short: it is quoted in an error message.
 */
export function errorDetail(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const record = body as Record<string, unknown>;
  let text: unknown;
  if (Array.isArray(record.errors)) {
    text = record.errors
      .flatMap((error: unknown) => {
        if (!error || typeof error !== 'object') return [];
        const { code, message } = error as Record<string, unknown>;
        return [[code, message].filter((part) => typeof part === 'string' && part !== '').join(': ')];
      })
      .filter(Boolean)
      .slice(0, 3)
      .join('; ');
  } else text = record.details ?? record.message ?? record.error;
  return typeof text === 'string' ? singleLine(text, 300) : '';
}
