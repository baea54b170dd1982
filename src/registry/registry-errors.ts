import { BumpError } from '../failures/errors.js';
import type { Platform } from '../settings/types.js';
import { formatPlatform } from '../settings/platforms.js';
import type { TransportProblem } from './registry-http.js';

/** Every failure of the image verification, as the BumpError the troubleshooting table shows. */

const answer = (status: number, detail: string) => `HTTP ${status}${detail ? `: ${detail}` : ''}`;

const WARN_INSTEAD =
  'To push anyway while this is fixed, --verify-image warn reports it and goes on (not with --pin-digest or --require-platform).';

export function imageMissingError(image: string, registry: string, status: number, detail: string): BumpError {
  return new BumpError(`image ${image} is not in registry ${registry} (${answer(status, detail)})`, {
    hint:
      'Nothing was pushed. Check that the build pushed this very tag (its push step succeeded, the tag is spelled as pushed), ' +
      "that no cleanup policy removed it since, and, for a multi-arch image, that the index was pushed after every platform's image.",
  });
}

export function accessDeniedError(
  image: string,
  registry: string,
  status: number,
  detail: string,
  login: string | undefined,
): BumpError {
  return new BumpError(
    `registry ${registry} refused to show image ${image} ${login ? `to the login from ${login}` : 'without a login'} (${answer(status, detail)})`,
    {
      hint:
        'Give the job a login that may pull it: an "auths" entry for the registry in DOCKER_AUTH_CONFIG (e.g. a deploy token with read_registry), ' +
        `or, for this GitLab's own registry, CI_REGISTRY_USER and CI_REGISTRY_PASSWORD (the job token may need the image's project to allow this project). ${WARN_INSTEAD}`,
    },
  );
}

export function tokenRefusedError(
  image: string,
  registry: string,
  realm: string,
  status: number,
  detail: string,
): BumpError {
  return new BumpError(
    `the token service ${realm} of registry ${registry} gave no token to pull image ${image} (${answer(status, detail)})`,
    {
      hint: `Check the registry login (DOCKER_AUTH_CONFIG, or CI_REGISTRY_USER and CI_REGISTRY_PASSWORD for $CI_REGISTRY): the token service refused it or failed. ${WARN_INSTEAD}`,
    },
  );
}

export function registryFailedError(image: string, registry: string, status: number, detail: string): BumpError {
  return new BumpError(`registry ${registry} failed while checking image ${image} (${answer(status, detail)})`, {
    hint: `The registry (or a proxy in front of it) failed; nothing was pushed. Run the job again later. ${WARN_INSTEAD}`,
  });
}

const TRANSPORT_HINTS: Record<TransportProblem, string> = {
  timeout:
    'The registry (or a firewall dropping packets) did not answer in time: it must take the connection within 10 s and answer within --timeout seconds.',
  'unknown-host': 'Check the registry host in the image name; the job must resolve it in DNS.',
  refused: 'Nothing listens on that host and port: check the registry host and port in the image name.',
  network: 'The connection to the registry broke off.',
  redirect:
    'The registry (or a proxy in front of it) sent the request somewhere this job does not follow: only HTTPS, or plain HTTP between loopback hosts, and never from HTTPS down to HTTP. Check the registry host in the image name.',
  'too-large': 'The answer was far larger than any manifest: something other than a registry answered.',
  'plain-http':
    'The registry does not speak HTTPS; only registries on localhost and 127.0.0.0/8 are spoken to over plain HTTP, as Docker does.',
  tls: "Trust the registry's CA: put it in the file CI_SERVER_TLS_CA_FILE names (a self-managed GitLab's CA), or in /etc/docker/certs.d/<host[:port]>/ca.crt in the job's image.",
};

export function registryUnreachableError(
  image: string,
  registry: string,
  problem: TransportProblem,
  detail: string,
): BumpError {
  const message =
    problem === 'tls'
      ? `TLS to registry ${registry} failed for image ${image}: ${detail}`
      : `cannot reach registry ${registry} for image ${image}: ${detail}`;
  return new BumpError(message, {
    hint: `${TRANSPORT_HINTS[problem]} The registry is asked directly, not through HTTP(S)_PROXY. ${WARN_INSTEAD}`,
  });
}

export function digestMismatchError(image: string, given: string, resolved: string): BumpError {
  return new BumpError(`--pin-digest: the tag of ${image} resolves to ${resolved}, not to the digest given, ${given}`, {
    hint: 'The tag now names other bytes than the digest in the argument. Nothing was pushed. Give the tag alone to pin what it names now, or the digest alone to keep the one given.',
  });
}

export function tagMovedError(image: string, verified: string, now: string): BumpError {
  return new BumpError(
    `tag ${image} moved during the release: it named ${verified} when checked, and names ${now} now`,
    {
      hint: 'Someone pushed the tag again while the bump retried; nothing was pushed, so that no other image is deployed than the one verified. Run the job again to bump to what the tag names now, or give the digest.',
    },
  );
}

export function platformMissingError(
  image: string,
  missing: readonly Platform[],
  available: readonly Platform[],
): BumpError {
  return new BumpError(
    `image ${image} lacks platform ${missing.map(formatPlatform).join(', ')} (it has ${available.map(formatPlatform).join(', ') || 'none listed'})`,
    {
      hint: 'Nothing was pushed. Build and push the image for every platform --require-platform names, then push the index (docker buildx build --platform …, or docker manifest create/push).',
    },
  );
}

export function platformsUnknownError(image: string, why: string): BumpError {
  return new BumpError(`cannot read the platforms of image ${image}: ${why}`, {
    hint: 'The registry answered the manifest, but not what --require-platform needs. Check the image with docker buildx imagetools inspect.',
  });
}

export function untaggedImageError(image: string): BumpError {
  return new BumpError(`cannot verify image ${image}: it names no tag or digest (the tag comes from the resources)`, {
    hint: `Give the tag (or digest) with the new name, e.g. app=registry.example.com/team/app:1.4.2, so that the registry can be asked what will be deployed. ${WARN_INSTEAD}`,
  });
}
