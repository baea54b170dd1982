import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import { readSettings } from '../../src/settings/settings.js';
import type { PushSettings } from '../../src/settings/types.js';
import { troubleFor } from '../../src/troubleshooting.js';

function serverUrl(url: string): string {
  const settings = readSettings(
    ['push', '--server-url', url, '--project', 'group/gitops', '--target-env', 'prod', '--image', 'app:1.0.0'],
    {},
  ) as PushSettings;
  return settings.serverUrl;
}

function refusal(url: string): UsageError {
  try {
    serverUrl(url);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(url)}`);
}

describe('--server-url', () => {
  it.each([
    ['https://gitlab.example.com', 'https://gitlab.example.com'],
    ['https://gitlab.example.com/', 'https://gitlab.example.com'],
    ['https://GitLab.Example.com:443/gitlab/', 'https://gitlab.example.com/gitlab'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
  ])('accepts %s as %s', (given, canonical) => {
    expect(serverUrl(given)).toBe(canonical);
  });

  it.each([
    // Node reads host 127.0.0.1:28765 (a backslash is a slash to it), curl reads 127.0.0.2:28800.
    [
      'http://127.0.0.1:28765\\@127.0.0.2:28800',
      '--server-url must be a plain http(s) URL, without credentials or "@"',
    ],
    [
      'https://oauth2:glpat-secret@gitlab.example.com',
      '--server-url must be a plain http(s) URL, without credentials or "@"',
    ],
    [
      'https://gitlab.example.com\\evil.example',
      '--server-url "https://gitlab.example.com\\\\evil.example" holds a backslash, "%", a query or a fragment',
    ],
    [
      'https://gitlab.example.com\t',
      '--server-url "https://gitlab.example.com\\t" holds whitespace or control characters',
    ],
    [
      'https://gitlab.example.com\n',
      '--server-url "https://gitlab.example.com\\n" holds whitespace or control characters',
    ],
    [
      'https://gitlab.example.com /x',
      '--server-url "https://gitlab.example.com /x" holds whitespace or control characters',
    ],
    [
      'https://gitlab.example.com?x=1',
      '--server-url "https://gitlab.example.com?x=1" holds a backslash, "%", a query or a fragment',
    ],
    [
      'https://gitlab.example.com#x',
      '--server-url "https://gitlab.example.com#x" holds a backslash, "%", a query or a fragment',
    ],
    [
      'https://gitlab.example.com/%2e%2e/x',
      '--server-url "https://gitlab.example.com/%2e%2e/x" holds a backslash, "%", a query or a fragment',
    ],
    [
      'https://gitlab.example.com/a/../b',
      '--server-url "https://gitlab.example.com/a/../b" is not an http(s) URL of the form https://gitlab.example.com',
    ],
    [
      'http:/gitlab.example.com',
      '--server-url "http:/gitlab.example.com" is not an http(s) URL of the form https://gitlab.example.com',
    ],
    [
      'ftp://gitlab.example.com',
      '--server-url "ftp://gitlab.example.com" is not an http(s) URL of the form https://gitlab.example.com',
    ],
    [
      'gitlab.example.com',
      '--server-url "gitlab.example.com" is not an http(s) URL of the form https://gitlab.example.com',
    ],
  ])('refuses %j before anything is attempted', (given, message) => {
    const error = refusal(given);
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toMatch(/^Give the GitLab URL alone/);
    expect(troubleFor(error.message)?.id).toBe('server-url-invalid');
  });

  it('accepts only URLs that Node and a plain RFC 3986 reading split into the same origin and path', () => {
    const piece = fc.stringMatching(/^[a-z0-9.:@\\/%?# \t-]{0,12}$/);
    fc.assert(
      fc.property(piece, piece, (host, rest) => {
        const given = `https://${host}${rest}`;
        let accepted: string;
        try {
          accepted = serverUrl(given);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          return;
        }
        // scheme "://" authority (no userinfo) path, split the simple way, is what Node made of it
        const authority = /^https:\/\/([^/]*)(.*)$/.exec(given)!;
        const url = new URL(accepted);
        expect(url.host).toBe(new URL(`https://${authority[1]!.toLowerCase()}`).host);
        expect(url.pathname.replace(/\/$/, '')).toBe(authority[2]!.replace(/\/+$/, ''));
      }),
      { numRuns: 500 },
    );
  });
});
