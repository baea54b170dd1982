import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../src/registry/challenge.js';

describe('parseChallenges', () => {
  it("reads GitLab's Bearer challenge, with commas and colons inside quoted values", () => {
    expect(
      parseChallenges(
        'Bearer realm="https://gitlab.example.com/jwt/auth",service="container_registry",scope="repository:team/app:pull,push",error="insufficient_scope"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://gitlab.example.com/jwt/auth',
          service: 'container_registry',
          scope: 'repository:team/app:pull,push',
          error: 'insufficient_scope',
        },
      },
    ]);
  });

  it('reads several challenges in one header, spaces around "=", escapes and unquoted tokens', () => {
    expect(
      parseChallenges('Basic realm="Registry Realm", Bearer realm=https://auth.example.com/token ,Service = "a\\"b"'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'a"b' } },
    ]);
  });

  it('takes the scheme in any case, a scheme without parameters, and nothing from an empty header', () => {
    expect(parseChallenges('BASIC')).toEqual([{ scheme: 'basic', params: {} }]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('   ,  ')).toEqual([]);
  });

  it('ends at an unterminated quoted value without throwing', () => {
    expect(parseChallenges('Bearer realm="https://auth.example.com/tok')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/tok' } },
    ]);
  });
});
