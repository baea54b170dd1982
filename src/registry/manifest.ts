import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { checkImageReference } from '../image/image-reference.js';
import type { Platform } from '../settings/types.js';
import { errorDetail, readJson } from './registry-answer.js';
import type { RegistrySession } from './registry-session.js';

/**
 * What a registry says about one manifest (`HEAD /v2/<name>/manifests/<tag or digest>`, and a `GET` when the
 * HEAD gave no digest or failed), and the platforms of an index or image.
 */

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/** distribution refuses manifests above 4 MiB; an error body is far smaller. */
const MANIFEST_BYTES = 4 * 1024 * 1024;

export type ManifestAnswer =
  | { kind: 'found'; digest?: string }
  /** 404: the registry's error code and message (MANIFEST_UNKNOWN, NAME_UNKNOWN, …). */
  | { kind: 'missing'; status: number; detail: string }
  /** 401 or 403 after the challenge was answered: the login may not pull it (or there was none). */
  | { kind: 'denied'; status: number; detail: string }
  /** 5xx or anything else unexpected. */
  | { kind: 'failed'; status: number; detail: string };

export async function headManifest(
  session: RegistrySession,
  repository: string,
  reference: string,
): Promise<ManifestAnswer> {
  const path = `manifests/${reference}`;
  const head = await session.request('HEAD', repository, path, MANIFEST_MEDIA_TYPES, MANIFEST_BYTES);
  const headDigest = head.status === 200 ? header(head.headers['docker-content-digest']) : undefined;
  if (headDigest !== undefined) return found(headDigest);
  // The GET decides: a registry that sends no Docker-Content-Digest (the digest is the sha256 of the
  // bytes), a proxy that refuses HEAD (405) but serves GET (Docker falls back to it), and a failure,
  // whose words are only in a GET answer (a HEAD answer has no body).
  const get = await session.request('GET', repository, path, MANIFEST_MEDIA_TYPES, MANIFEST_BYTES);
  if (get.status === 200) return found(header(get.headers['docker-content-digest']) ?? sha256(get.body));
  // The registry has it (HEAD 200), but told no digest: enough to verify, not to pin.
  if (head.status === 200) return found(undefined);
  const detail = errorDetail(readJson(get.body));
  if (get.status === 404) return { kind: 'missing', status: 404, detail };
  if (get.status === 401 || get.status === 403) return { kind: 'denied', status: get.status, detail };
  return { kind: 'failed', status: get.status, detail };
}

function found(digest: string | undefined): ManifestAnswer {
  // The digest may be written into the files: only a well-formed one is taken.
  if (digest !== undefined && !isDigest(digest))
    return { kind: 'failed', status: 200, detail: 'the registry reported a Docker-Content-Digest that is no digest' };
  return { kind: 'found', digest };
}

function isDigest(text: string): boolean {
  return checkImageReference(`image@${text}`) === null;
}

/** node:crypto is loaded on first use: at start-up it costs milliseconds before the clone can start. */
function sha256(body: Buffer): string {
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof Crypto;
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * The platforms an image is built for: an index lists them (attestation entries, `unknown/unknown`,
 * left out); a single image's config names its one platform.
 */
export async function platformsOf(
  session: RegistrySession,
  repository: string,
  digest: string,
): Promise<Platform[] | { failed: string }> {
  const manifest = await session.request(
    'GET',
    repository,
    `manifests/${digest}`,
    MANIFEST_MEDIA_TYPES,
    MANIFEST_BYTES,
  );
  if (manifest.status !== 200) return { failed: `HTTP ${manifest.status} for the manifest` };
  const body = readJson(manifest.body) as { manifests?: unknown; config?: { digest?: unknown } } | undefined;
  if (Array.isArray(body?.manifests)) {
    return body.manifests.flatMap((entry: unknown) => {
      const platform = platformFields((entry as { platform?: unknown } | null)?.platform);
      return platform && platform.os !== 'unknown' ? [platform] : [];
    });
  }
  const configDigest = body?.config?.digest;
  if (typeof configDigest !== 'string') return { failed: 'the manifest is neither an index nor an image manifest' };
  // It goes into the path of a request that carries the credentials: only a well-formed digest.
  if (!isDigest(configDigest)) return { failed: 'the manifest names an image config digest that is no digest' };
  const config = await session.request(
    'GET',
    repository,
    `blobs/${configDigest}`,
    ['application/json', '*/*'],
    MANIFEST_BYTES,
  );
  if (config.status !== 200) return { failed: `HTTP ${config.status} for the image config` };
  const platform = platformFields(readJson(config.body));
  return platform ? [platform] : { failed: 'the image config names no platform' };
}

function platformFields(value: unknown): Platform | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { os, architecture, variant } = value as Record<string, unknown>;
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return typeof variant === 'string' && variant !== '' ? { os, architecture, variant } : { os, architecture };
}

/**
 * An index entry satisfies a required platform with the same os and architecture, and the same variant
 * when one is required (arm64's variant is v8 when the entry names none).
 */
export function platformSatisfies(available: Platform, required: Platform): boolean {
  if (available.os !== required.os || available.architecture !== required.architecture) return false;
  if (!required.variant) return true;
  const variant = available.variant ?? (available.architecture === 'arm64' ? 'v8' : undefined);
  return variant === required.variant;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
