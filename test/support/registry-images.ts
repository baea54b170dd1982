/**
 * Images pushed through the registry's HTTP API (no docker CLI): config and layer blobs (monolithic
 * uploads), then an image manifest or an index of per-platform manifests under a tag; manifests deleted
 * by digest (as a cleanup policy does) and tags re-pointed (a mutable tag).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { RunningRegistry } from './registry.js';

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** The Accept header a client sends to get any manifest or index (all four types). */
export const ACCEPT_ANY_MANIFEST = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerList,
  MediaTypes.dockerManifest,
].join(', ');

export type ManifestFormat = 'oci' | 'docker';

export interface PushImageOptions {
  /** OCI image manifest (default) or Docker schema2 manifest. */
  format?: ManifestFormat;
  /** `os/arch[/variant]`, `linux/amd64` by default. */
  platform?: string;
  /** Makes the image's bytes (and so its digest) different from another push of the same name and platform. */
  seed?: string;
}

export interface PushedManifest {
  /** The digest the registry reported in `Docker-Content-Digest`. */
  digest: string;
  mediaType: string;
  size: number;
}

export interface PushedIndex extends PushedManifest {
  /** Digest of each platform's manifest, by `os/arch[/variant]`. */
  platforms: Record<string, string>;
}

/** Pushes a one-layer image to `name` and tags it `tag` (or pushes it by digest only when tag is undefined). */
export async function pushImage(
  registry: RunningRegistry,
  name: string,
  tag: string | undefined,
  options: PushImageOptions = {},
): Promise<PushedManifest> {
  const format = options.format ?? 'oci';
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  const seed = options.seed ?? '';
  const layerContent = Buffer.from(`layer of ${name} for ${options.platform ?? 'linux/amd64'} ${seed}\n`);
  const layer = gzipSync(layerContent);
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Labels: { seed } },
      rootfs: { type: 'layers', diff_ids: [sha256(layerContent)] },
    }),
  );
  await uploadBlob(registry, name, config);
  await uploadBlob(registry, name, layer);
  const oci = format === 'oci';
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? MediaTypes.ociManifest : MediaTypes.dockerManifest,
    config: {
      mediaType: oci ? MediaTypes.ociConfig : MediaTypes.dockerConfig,
      size: config.length,
      digest: sha256(config),
    },
    layers: [
      { mediaType: oci ? MediaTypes.ociLayer : MediaTypes.dockerLayer, size: layer.length, digest: sha256(layer) },
    ],
  };
  return putManifest(registry, name, tag, manifest.mediaType, Buffer.from(JSON.stringify(manifest)));
}

/** Pushes one image per platform (by digest), then an OCI index or Docker manifest list of them under `tag`. */
export async function pushIndex(
  registry: RunningRegistry,
  name: string,
  tag: string,
  options: { platforms: string[]; format?: ManifestFormat; seed?: string },
): Promise<PushedIndex> {
  const format = options.format ?? 'oci';
  const platforms: Record<string, string> = {};
  const manifests = [];
  for (const platform of options.platforms) {
    const pushed = await pushImage(registry, name, undefined, { format, platform, seed: options.seed });
    platforms[platform] = pushed.digest;
    const { os, architecture, variant } = parsePlatform(platform);
    manifests.push({
      mediaType: pushed.mediaType,
      size: pushed.size,
      digest: pushed.digest,
      platform: { architecture, os, ...(variant ? { variant } : {}) },
    });
  }
  const mediaType = format === 'oci' ? MediaTypes.ociIndex : MediaTypes.dockerList;
  const index = { schemaVersion: 2, mediaType, manifests };
  const pushed = await putManifest(registry, name, tag, mediaType, Buffer.from(JSON.stringify(index)));
  return { ...pushed, platforms };
}

/** Deletes the manifest `digest` from `name` (and so every tag pointing at it), as a cleanup policy would. */
export async function deleteManifest(registry: RunningRegistry, name: string, digest: string): Promise<void> {
  const response = await registryRequest(registry, 'DELETE', `/v2/${name}/manifests/${digest}`, {
    authorization: registry.adminAuthorization(name),
  });
  if (response.status !== 202) throw unexpected('DELETE manifest', response);
}

/** Points `tag` at the manifest `digest` already in `name` (a mutable tag moving to other bytes). */
export async function retag(
  registry: RunningRegistry,
  name: string,
  tag: string,
  digest: string,
): Promise<PushedManifest> {
  const response = await registryRequest(registry, 'GET', `/v2/${name}/manifests/${digest}`, {
    authorization: registry.adminAuthorization(name),
    headers: { Accept: ACCEPT_ANY_MANIFEST },
  });
  if (response.status !== 200) throw unexpected('GET manifest', response);
  return putManifest(registry, name, tag, String(response.headers['content-type']), response.body);
}

async function uploadBlob(registry: RunningRegistry, name: string, content: Buffer): Promise<void> {
  const authorization = registry.adminAuthorization(name);
  const started = await registryRequest(registry, 'POST', `/v2/${name}/blobs/uploads/`, { authorization });
  if (started.status !== 202) throw unexpected('POST blob upload', started);
  const location = new URL(String(started.headers.location), registry.url);
  location.searchParams.set('digest', sha256(content));
  const finished = await registryRequest(registry, 'PUT', `${location.pathname}${location.search}`, {
    authorization,
    headers: { 'Content-Type': 'application/octet-stream' },
    body: content,
  });
  if (finished.status !== 201) throw unexpected('PUT blob', finished);
}

async function putManifest(
  registry: RunningRegistry,
  name: string,
  tag: string | undefined,
  mediaType: string,
  body: Buffer,
): Promise<PushedManifest> {
  const reference = tag ?? sha256(body);
  const response = await registryRequest(registry, 'PUT', `/v2/${name}/manifests/${reference}`, {
    authorization: registry.adminAuthorization(name),
    headers: { 'Content-Type': mediaType },
    body,
  });
  if (response.status !== 201) throw unexpected('PUT manifest', response);
  return { digest: String(response.headers['docker-content-digest']), mediaType, size: body.length };
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request to the registry (its CA trusted when it serves TLS). */
export function registryRequest(
  registry: Pick<RunningRegistry, 'url' | 'caFile'>,
  method: string,
  path: string,
  options: { authorization?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<RegistryResponse> {
  const url = new URL(path, registry.url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization) headers.Authorization = options.authorization;
  if (options.body) headers['Content-Length'] = String(options.body.length);
  return new Promise((resolve, reject) => {
    const request =
      url.protocol === 'https:'
        ? httpsRequest(url, { method, headers, ...(registry.caFile ? { ca: readFileSync(registry.caFile) } : {}) })
        : httpRequest(url, { method, headers });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.end(options.body);
  });
}

function parsePlatform(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = platform.split('/');
  if (!os || !architecture) throw new Error(`platform ${platform}: expected os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

function sha256(content: Buffer | string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

function unexpected(what: string, response: RegistryResponse): Error {
  return new Error(`${what}: HTTP ${response.status} ${response.body.toString('utf8').slice(0, 500)}`);
}
