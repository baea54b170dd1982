import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import { readSettings } from '../../src/settings/settings.js';
import type { PushSettings } from '../../src/settings/types.js';
import { troubleFor } from '../../src/troubleshooting.js';

const BASE = [
  'push',
  '--server-url',
  'https://gitlab.example.com',
  '--project',
  'group/gitops',
  '--target-env',
  'prod',
];
const IMAGE = ['--image', 'app=registry.example.com/team/app:1.4.2'];

const registry = (args: string[], env: Record<string, string> = {}) =>
  (readSettings([...BASE, ...args], env) as PushSettings).registry;

function refusal(args: string[], env: Record<string, string> = {}): UsageError {
  try {
    readSettings([...BASE, ...args], env);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('--verify-image, --pin-digest, --require-platform', () => {
  it('defaults to warn, without pinning or platforms', () => {
    expect(registry(IMAGE)).toEqual({ verifyImage: 'warn', pinDigest: false, requirePlatforms: [] });
  });

  it('reads the flags and their IMAGE_BUMP_* variables (the component renders an array input as JSON)', () => {
    expect(registry([...IMAGE, '--verify-image', 'off']).verifyImage).toBe('off');
    expect(
      registry(IMAGE, {
        IMAGE_BUMP_VERIFY_IMAGE: 'warn',
        IMAGE_BUMP_PIN_DIGEST: 'true',
        IMAGE_BUMP_REQUIRE_PLATFORM: '["linux/amd64","linux/arm/v7"]',
      }),
    ).toEqual({
      verifyImage: 'require',
      pinDigest: true,
      requirePlatforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ],
    });
  });

  it('makes pinning and platforms require an answer: warn becomes require', () => {
    expect(registry([...IMAGE, '--pin-digest']).verifyImage).toBe('require');
    expect(registry([...IMAGE, '--verify-image', 'warn', '--require-platform', 'linux/amd64']).verifyImage).toBe(
      'require',
    );
  });

  it.each([
    [
      [...IMAGE, '--verify-image', 'strict'],
      '--verify-image must be off, warn or require, not "strict"',
      'verify-image-invalid',
    ],
    [
      [...IMAGE, '--verify-image', 'off', '--pin-digest'],
      '--pin-digest cannot work with --verify-image off',
      'verify-image-off-conflict',
    ],
    [
      [...IMAGE, '--verify-image', 'off', '--pin-digest', '--require-platform', 'linux/amd64'],
      '--pin-digest and --require-platform cannot work with --verify-image off',
      'verify-image-off-conflict',
    ],
    [
      ['--image', 'app=*:1.4.2', '--pin-digest'],
      '--pin-digest needs each new tag in the argument, but the one for "app" keeps a "*" from the file',
      'pin-digest-needs-tag',
    ],
    [
      ['--image', 'app=registry.example.com/team/app:*', '--pin-digest'],
      '--pin-digest needs each new tag in the argument, but the one for "app" keeps a "*" from the file',
      'pin-digest-needs-tag',
    ],
    [
      ['--image', 'app=registry.example.com/team/app', '--pin-digest'],
      '--pin-digest needs each new tag in the argument, but the one for "app" gives no tag',
      'pin-digest-needs-tag',
    ],
    [
      [...IMAGE, '--require-platform', 'linux/amd64,arm64'],
      '--require-platform "arm64" is not a platform of the form os/architecture[/variant]',
      'platform-invalid',
    ],
  ])('refuses %j with exit 2 before anything is cloned', (args, message, trouble) => {
    const error = refusal(args);
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toMatch(/\S/);
    expect(troubleFor(error.message)?.id).toBe(trouble);
  });

  it('names the variable when the refusal comes from the component', () => {
    expect(refusal(IMAGE, { IMAGE_BUMP_VERIFY_IMAGE: 'off', IMAGE_BUMP_PIN_DIGEST: 'true' }).message).toBe(
      'IMAGE_BUMP_PIN_DIGEST cannot work with IMAGE_BUMP_VERIFY_IMAGE off',
    );
  });
});
