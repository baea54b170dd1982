import { BumpError } from '../failures/errors.js';
import type { Output } from '../failures/output.js';
import { describeImage, knownOnlyFromFiles, splitImage, type ImageSetting } from '../image/image-arg.js';
import { registryNameOf } from '../image/registry-name.js';
import type { PushSettings, RegistryEnvironment, RegistrySettings } from '../settings/types.js';
import { formatPlatform } from '../settings/platforms.js';
import { headManifest, platformsOf, platformSatisfies } from './manifest.js';
import {
  accessDeniedError,
  digestMismatchError,
  imageMissingError,
  platformMissingError,
  platformsUnknownError,
  registryFailedError,
  registryUnreachableError,
  tagMovedError,
  tokenRefusedError,
  untaggedImageError,
} from './registry-errors.js';
import { TransportError } from './registry-http.js';
import { TokenServiceError } from './bearer-token.js';
import { RegistrySession } from './registry-session.js';
import type { Challenge } from './challenge.js';

/**
 * The new images, asked of their registries before the edit: started beside the clone, for every
 * reference the arguments name in full; references that keep a part from the file (`*`) are asked once
 * the edit plan knows them. With --pin-digest each tag becomes tag@digest; on a retry the tags are asked
 * again, and one that names another digest now stops the bump. In warn mode a failure is a warning.
 */

/** One image as verified, for the outcome. */
export interface VerifiedImage {
  image: string;
  /** The digest the registry reported (the index's, for a multi-arch image). */
  digest?: string;
  status: 'verified' | 'not-verified';
}

interface Reference {
  /** As written in the files, for messages. */
  shown: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export class ImageVerification {
  private readonly sessions = new Map<string, RegistrySession>();
  private readonly results: VerifiedImage[] = [];
  /** The references asked about (and the pinned forms of them), so that none is asked twice. */
  private readonly asked = new Set<string>();
  /** Every reference verified, by its name, tag and digest as written. */
  private readonly verifying = new Map<string, Promise<string | undefined>>();
  /** Tags resolved to a digest, asked again on a retry. */
  private readonly resolvedTags = new Map<string, { reference: Reference; digest: string }>();
  private readonly settings: RegistrySettings;
  private upFront?: Promise<ImageSetting[]>;
  /**
   * What was found, and warn mode's failures, shown when the answers are awaited (not inside whatever log
   * section is open when they arrive).
   */
  private lines: { warning: boolean; text: string }[] = [];
  /** The names of the image settings whose reference only the plan knows. */
  private readonly deferred = new Set<string>();

  /** `start()` starts asking, `images()` waits for the answers; `onFailure` is called once the check up front has failed. */
  constructor(
    private readonly push: Pick<PushSettings, 'images' | 'registry' | 'timeoutSeconds' | 'serverUrl'>,
    private readonly env: RegistryEnvironment,
    private readonly output: Output,
    private readonly onFailure: () => void = () => undefined,
  ) {
    this.settings = push.registry;
    if (env.authConfigProblem) output.warn(`${env.authConfigProblem}; the registries are asked without it`);
  }

  /**
   * Asks about every image named in full (once). Started when the clone's git is already running: the
   * first HTTPS connection of the process loads Node's root certificates (about 20 ms of CPU), which
   * would otherwise delay the clone's start.
   */
  start(): Promise<ImageSetting[]> {
    if (!this.upFront) {
      this.upFront = Promise.all(this.push.images.map((image) => this.verifySetting(image)));
      this.upFront.catch(() => this.onFailure()); // images() is where the error is thrown
    }
    return this.upFront;
  }

  /** Whether the registries are being asked (the clone's git was started). */
  get started(): boolean {
    return this.upFront !== undefined;
  }

  /** The image settings to edit with (each pinned to its digest with --pin-digest), once every registry answered. */
  async images(): Promise<ImageSetting[]> {
    const images = await this.start();
    this.showFound();
    return images;
  }

  private showFound(): void {
    for (const { warning, text } of this.lines) {
      if (warning) this.output.warn(text);
      else this.output.info(text);
    }
    this.lines = [];
  }

  /** Asks about the new images of the plan that were not known before it (those that kept a part from the file). */
  async verifyPlanned(changes: readonly { name: string; newImage: string }[]): Promise<void> {
    const references = new Map(
      changes
        .filter((change) => this.deferred.has(change.name))
        .map((change) => referenceOf(change.newImage))
        .filter((reference) => !this.asked.has(keyOf(reference)))
        .map((reference) => [keyOf(reference), reference]),
    );
    await Promise.all([...references.values()].map((reference) => this.verify(reference)));
    this.showFound();
  }

  /** On a retry: every tag must still name the digest verified before. */
  async recheckTags(): Promise<void> {
    await Promise.all(
      [...this.resolvedTags.values()].map(({ reference, digest }) =>
        this.policy(reference, async () => {
          const now = await this.ask(reference, { ...reference, digest: undefined });
          if (!now.digest) throw noDigestError(reference);
          if (now.digest !== digest) throw tagMovedError(reference.shown, digest, now.digest);
        }),
      ),
    );
    this.showFound();
  }

  verified(): VerifiedImage[] {
    return [...this.results];
  }

  private async verifySetting(setting: ImageSetting): Promise<ImageSetting> {
    if (knownOnlyFromFiles(setting)) {
      this.deferred.add(setting.name);
      return setting;
    }
    const reference = referenceOf(describeImage(setting.name, setting));
    const digest = await this.verify(reference);
    if (!this.settings.pinDigest || !digest || setting.digest) return setting;
    this.asked.add(keyOf({ ...reference, digest }));
    return { ...setting, digest };
  }

  /** The digest the registry reports for the reference, or undefined when it could not be verified (warn mode). */
  private verify(reference: Reference): Promise<string | undefined> {
    // The same reference named twice (two settings with one new image) is asked once.
    const key = `${reference.registry}/${reference.repository}:${reference.tag ?? ''}@${reference.digest ?? ''}`;
    let answer = this.verifying.get(key);
    if (!answer) {
      answer = this.verifyOnce(reference);
      this.verifying.set(key, answer);
    }
    return answer;
  }

  private async verifyOnce(reference: Reference): Promise<string | undefined> {
    let digest: string | undefined;
    const ok = await this.policy(reference, async () => {
      if (!reference.tag && !reference.digest) throw untaggedImageError(reference.shown);
      const byTag = reference.tag !== undefined && (this.settings.pinDigest || !reference.digest);
      const found = await this.ask(reference, byTag ? { ...reference, digest: undefined } : reference);
      // Pinning (or comparing with the digest given) needs the digest the tag names now.
      if (byTag && this.settings.pinDigest && !found.digest) throw noDigestError(reference);
      digest = found.digest ?? reference.digest;
      if (byTag && reference.digest && digest && digest !== reference.digest)
        throw digestMismatchError(reference.shown, reference.digest, digest);
      if (byTag && found.digest) this.resolvedTags.set(keyOf(reference), { reference, digest: found.digest });
      if (this.settings.requirePlatforms.length > 0) await this.checkPlatforms(reference, digest ?? reference.tag!);
      this.lines.push({
        warning: false,
        text: `${reference.shown}: in registry ${reference.registry}${digest ? ` as ${digest}` : ''}`,
      });
    });
    this.asked.add(keyOf(reference));
    this.results.push({ image: reference.shown, digest, status: ok ? 'verified' : 'not-verified' });
    return ok ? digest : undefined;
  }

  /** require: a failure stops the bump; warn: it is printed and the bump goes on. */
  private async policy(reference: Reference, check: () => Promise<void>): Promise<boolean> {
    try {
      await check();
      return true;
    } catch (error) {
      const failure = this.explain(reference, error);
      if (this.settings.verifyImage === 'require') throw failure;
      this.lines.push({ warning: true, text: `${failure.message} (--verify-image warn: going on)` });
      return false;
    }
  }

  private async ask(reference: Reference, asked: Reference): Promise<{ digest?: string }> {
    const session = this.sessionFor(reference.registry);
    const answer = await headManifest(session, reference.repository, (asked.digest ?? asked.tag)!);
    switch (answer.kind) {
      case 'found':
        return { digest: answer.digest };
      case 'missing':
        throw imageMissingError(reference.shown, reference.registry, answer.status, answer.detail);
      case 'denied':
        throw accessDeniedError(reference.shown, reference.registry, answer.status, answer.detail, session.loginSource);
      case 'failed':
        throw registryFailedError(reference.shown, reference.registry, answer.status, answer.detail);
    }
  }

  private async checkPlatforms(reference: Reference, manifest: string): Promise<void> {
    const platforms = await platformsOf(this.sessionFor(reference.registry), reference.repository, manifest);
    if ('failed' in platforms) throw platformsUnknownError(reference.shown, platforms.failed);
    const missing = this.settings.requirePlatforms.filter(
      (wanted) => !platforms.some((have) => platformSatisfies(have, wanted)),
    );
    if (missing.length > 0) throw platformMissingError(reference.shown, missing, platforms);
    this.output.debug(`${reference.shown}: platforms ${platforms.map(formatPlatform).join(', ')}`);
  }

  private explain(reference: Reference, error: unknown): BumpError {
    if (error instanceof BumpError) return error;
    if (error instanceof TransportError)
      return registryUnreachableError(reference.shown, reference.registry, error.problem, error.detail);
    if (error instanceof TokenServiceError)
      return tokenRefusedError(reference.shown, reference.registry, error.realm, error.status, error.detail);
    throw error;
  }

  private sessionFor(registry: string): RegistrySession {
    let session = this.sessions.get(registry);
    if (!session) {
      session = new RegistrySession(registry, this.env, {
        deadlineMs: this.push.timeoutSeconds * 1000,
        debug: (line) => this.output.debug(line),
        expectedChallenge:
          registry === this.env.ciRegistry?.host ? gitLabRegistryChallenge(this.push.serverUrl) : undefined,
      });
      this.sessions.set(registry, session);
    }
    return session;
  }
}

/**
 * GitLab's own registry ($CI_REGISTRY) sends every client to the instance's `/jwt/auth` for a token of
 * service `container_registry`: asked first, the token saves the registry's round trip that would say so.
 */
function gitLabRegistryChallenge(serverUrl: string): Challenge {
  return {
    scheme: 'bearer',
    params: { realm: `${serverUrl.replace(/\/+$/, '')}/jwt/auth`, service: 'container_registry' },
  };
}

function referenceOf(image: string): Reference {
  const { name, tag, digest } = splitImage(image);
  return { shown: image, ...registryNameOf(name), tag: tag || undefined, digest: digest || undefined };
}

function noDigestError(reference: Reference): BumpError {
  return registryFailedError(reference.shown, reference.registry, 200, 'the registry reported no digest');
}

/** The registry's identity of a reference: by digest when it has one (the bytes deployed), else by tag. */
function keyOf({ registry, repository, tag, digest }: Reference): string {
  return `${registry}/${repository}${digest ? `@${digest}` : `:${tag}`}`;
}
