/**
 * Which registry and repository an image name means, as Docker reads it (distribution/reference's
 * splitDockerDomain): a first component is a registry only when it holds "." or ":", is `localhost`,
 * or has uppercase letters; anything else is on Docker Hub, where a one-component name is an official
 * image under `library/`.
 */
export const DOCKER_HUB = 'docker.io';

/** The host that serves Docker Hub's registry API (docker.io itself only redirects to the website). */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export interface RegistryName {
  /** The registry as host[:port], Docker Hub as docker.io. */
  registry: string;
  /** The repository path on that registry, e.g. library/nginx. */
  repository: string;
}

export function registryNameOf(imageName: string): RegistryName {
  const slash = imageName.indexOf('/');
  const first = slash < 0 ? '' : imageName.slice(0, slash);
  const isRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  const registry = isRegistry ? canonicalRegistry(first) : DOCKER_HUB;
  let repository = isRegistry ? imageName.slice(slash + 1) : imageName;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository };
}

/** host[:port] lowercased, with Docker Hub's aliases as docker.io. */
export function canonicalRegistry(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}

/**
 * A DOCKER_AUTH_CONFIG `auths` key as the registry it stands for: Docker's ConvertToHostname takes a
 * host, host:port or URL (`https://index.docker.io/v1/`) and keeps what is between the scheme and the path.
 */
export function registryOfAuthKey(key: string): string {
  const withoutScheme = key.trim().replace(/^https?:\/\//i, '');
  return canonicalRegistry(withoutScheme.split('/')[0]!);
}

/** The host the registry API is spoken to at: Docker Hub's API lives on registry-1.docker.io. */
export function apiHostOf(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/**
 * Docker speaks plain HTTP to a registry on localhost or in 127.0.0.0/8 (its default insecure
 * registries) when it does not answer TLS; everything else is HTTPS only.
 */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0]!;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
