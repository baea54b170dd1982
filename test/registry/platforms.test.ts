import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import { formatPlatform, parsePlatform } from '../../src/settings/platforms.js';
import { platformSatisfies } from '../../src/registry/manifest.js';

describe('--require-platform syntax', () => {
  it.each(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'windows/amd64', 'linux/mips64le', 'linux/386'])(
    'reads %s and writes it back the same',
    (raw) => {
      expect(formatPlatform(parsePlatform(raw, '--require-platform'))).toBe(raw);
    },
  );

  it.each(['amd64', 'linux', 'Linux/amd64', 'linux/amd64/', 'linux/amd64/v8/x', 'linux amd64', '/amd64', ''])(
    'refuses %j with exit 2, naming the value and the form',
    (raw) => {
      let error: unknown;
      try {
        parsePlatform(raw, '--require-platform');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toBe(
        `--require-platform ${JSON.stringify(raw)} is not a platform of the form os/architecture[/variant]`,
      );
      expect((error as UsageError).hint).toContain('linux/amd64,linux/arm64');
    },
  );
});

describe('platformSatisfies', () => {
  const p = (raw: string) => parsePlatform(raw, 'test');
  it('matches os and architecture; a variant only when one is required', () => {
    expect(platformSatisfies(p('linux/arm/v7'), p('linux/arm'))).toBe(true);
    expect(platformSatisfies(p('linux/arm/v6'), p('linux/arm/v7'))).toBe(false);
    expect(platformSatisfies(p('linux/amd64'), p('linux/arm64'))).toBe(false);
    expect(platformSatisfies(p('windows/amd64'), p('linux/amd64'))).toBe(false);
  });

  it("takes arm64 without a variant as arm64/v8, as the index's readers do", () => {
    expect(platformSatisfies(p('linux/arm64'), p('linux/arm64/v8'))).toBe(true);
    expect(platformSatisfies(p('linux/arm64'), p('linux/arm64/v9'))).toBe(false);
  });
});
