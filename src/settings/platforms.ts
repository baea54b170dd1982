import { UsageError } from '../failures/errors.js';
import type { Platform } from './types.js';

/** `--require-platform linux/amd64,linux/arm64/v8`: the platforms as an image index names them (OCI platform fields). */

const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

export function parsePlatform(raw: string, source: string): Platform {
  const match = PLATFORM.exec(raw);
  if (!match) {
    throw new UsageError(`${source} ${JSON.stringify(raw)} is not a platform of the form os/architecture[/variant]`, {
      hint: 'Write platforms as an image index names them, in lowercase, comma-separated: linux/amd64,linux/arm64 (or linux/arm/v7 with a variant).',
    });
  }
  const [, os, architecture, variant] = match;
  return variant === undefined
    ? { os: os!, architecture: architecture! }
    : { os: os!, architecture: architecture!, variant };
}

export function formatPlatform({ os, architecture, variant }: Platform): string {
  return [os, architecture, ...(variant ? [variant] : [])].join('/');
}
