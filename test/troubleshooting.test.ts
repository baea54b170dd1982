import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainGitFailure, type FailureContext } from '../src/git/failure.js';
import { TROUBLES, troubleFor, troubleshootingTable } from '../src/troubleshooting.js';

const README = new URL('../README.md', import.meta.url);
const PAGE = new URL('../docs/troubleshooting.md', import.meta.url);
const START = '<!-- troubleshooting:start -->';
const END = '<!-- troubleshooting:end -->';

describe('the troubleshooting taxonomy', () => {
  it('has unique ids, and every example has a fix and exit code 1 or 2', () => {
    expect(new Set(TROUBLES.map((t) => t.id)).size).toBe(TROUBLES.length);
    for (const trouble of TROUBLES) {
      const error = trouble.example();
      expect(error.hint, trouble.id).toMatch(/\S/);
      expect([1, 2], trouble.id).toContain(error.exitCode);
    }
  });

  it.each(TROUBLES.map((t) => [t.id, t] as const))(
    'recognises the error line of %s, and no other entry does',
    (_id, trouble) => {
      const line = `error: ${trouble.example().message.split('\n')[0]}`;
      expect(TROUBLES.filter((other) => other.pattern.test(line.slice('error: '.length))).map((t) => t.id)).toEqual([
        trouble.id,
      ]);
      expect(troubleFor(line)?.id).toBe(trouble.id);
    },
  );

  it('is the table of docs/troubleshooting.md, word for word (UPDATE_DOCS=1 npx vitest run test/troubleshooting.test.ts rewrites it)', () => {
    const page = readFileSync(PAGE, 'utf8');
    const start = page.indexOf(START);
    const end = page.indexOf(END);
    expect(start, `docs/troubleshooting.md has ${START}`).toBeGreaterThan(-1);
    expect(end, `docs/troubleshooting.md has ${END} after ${START}`).toBeGreaterThan(start);
    const current = page.slice(start + START.length, end);
    const fresh = `\n${troubleshootingTable()}\n`;
    if (process.env.UPDATE_DOCS === '1' && current !== fresh) {
      writeFileSync(PAGE, page.slice(0, start + START.length) + fresh + page.slice(end));
      return;
    }
    expect(
      current,
      'the troubleshooting table in docs/troubleshooting.md is stale: run UPDATE_DOCS=1 npx vitest run test/troubleshooting.test.ts',
    ).toBe(fresh);
  });

  it('is linked from the README, which no longer holds a copy', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain('](docs/troubleshooting.md)');
    expect(readme).not.toContain(START);
  });
});

describe('explainGitFailure', () => {
  const context = (stage: FailureContext['stage']): FailureContext => ({
    serverUrl: 'https://gitlab.example.com',
    project: 'group/gitops',
    branch: 'main',
    tokenVariable: 'GITLAB_PUSHER_TOKEN',
    stage,
    timeoutSeconds: 30,
  });
  const explain = (output: string, stage: FailureContext['stage'] = 'clone') =>
    explainGitFailure(output, context(stage));

  it('says which stage of which repository failed', () => {
    expect(
      explain(
        "fatal: unable to access 'https://gitlab.example.com/group/gitops.git/': The requested URL returned error: 502",
        'push',
      ).message,
    ).toBe(
      'GitLab answered with a server error (HTTP 502) while pushing main to https://gitlab.example.com/group/gitops.git',
    );
    expect(explain('error: RPC failed; HTTP 503 curl 22 The requested URL returned error: 503', 'fetch').message).toBe(
      'GitLab answered with a server error (HTTP 503) while fetching main from https://gitlab.example.com/group/gitops.git',
    );
    expect(
      explain('error: RPC failed; curl 28 Operation too slow. Less than 1 bytes/sec transferred the last 30 seconds')
        .message,
    ).toBe(
      'https://gitlab.example.com stopped answering while cloning https://gitlab.example.com/group/gitops.git: no progress within 30 s, --timeout',
    );
    expect(
      explain(
        "fatal: unable to access 'https://gitlab.example.com/group/gitops.git/': Could not resolve host: gitlab.example.com",
      ).message,
    ).toBe(
      'cannot connect to gitlab.example.com:443 while cloning https://gitlab.example.com/group/gitops.git: Could not resolve host: gitlab.example.com',
    );
  });

  it('quotes the refusal GitLab sent, whichever wording its version uses', () => {
    const error = explain(
      'remote: You are not allowed to upload code for this project.\nfatal: unable to access ...: The requested URL returned error: 403',
      'push',
    );
    expect(error.message).toBe(
      'the token in GITLAB_PUSHER_TOKEN may not push to group/gitops (HTTP 403: "You are not allowed to upload code for this project."): it lacks the write_repository scope or its role is below Developer',
    );
    expect(explain('fatal: unable to access ...: The requested URL returned error: 403', 'push').message).toMatch(
      /^the token in GITLAB_PUSHER_TOKEN may not push to group\/gitops \(HTTP 403/,
    );
    expect(explain('fatal: unable to access ...: The requested URL returned error: 403', 'clone').message).toMatch(
      /^the token in GITLAB_PUSHER_TOKEN may not read group\/gitops \(HTTP 403/,
    );
  });

  it('falls back to the last line git wrote, redacted, and to the git-failed entry of the table', () => {
    const error = explain('Enumerating objects: 5\nfatal: the remote end hung up unexpectedly\n', 'push');
    expect(error.message).toBe(
      'git push failed while pushing main to https://gitlab.example.com/group/gitops.git: fatal: the remote end hung up unexpectedly',
    );
    expect(troubleFor(error.message)?.id).toBe('git-failed');
    expect(explain('fatal: bad header Authorization: Basic b2F1dGgyOnNlY3JldA==').message).toContain(
      'Authorization: Basic [MASKED]',
    );
  });
});
