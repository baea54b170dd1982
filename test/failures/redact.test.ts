import { describe, expect, it } from 'vitest';
import { BumpError } from '../../src/failures/errors.js';
import { createOutput } from '../../src/failures/output.js';
import { readOutputSettings } from '../../src/settings/environment-inputs.js';
import {
  guardProcessOutput,
  MIN_SECRET_LENGTH,
  redact,
  redactError,
  registerSecret,
} from '../../src/failures/redact.js';

const TOKEN = 'glpat-Rd7xQk2mW9zT4vB8nL3c';
const ODD_TOKEN = 'tok/with+odd=chars&more?';
const base64 = (text: string) => Buffer.from(text).toString('base64');

registerSecret(TOKEN);
registerSecret(ODD_TOKEN);

/** Nothing of the token survives: not the token, not its start (with or without an ellipsis). */
function expectNoTrace(text: string, token = TOKEN): void {
  expect(text).not.toContain(token);
  expect(text).not.toContain(token.slice(0, 4));
  expect(text).not.toContain(token.slice(-4));
  for (const form of [
    base64(token),
    base64(`oauth2:${token}`),
    base64(`gitlab-ci-token:${token}`),
    base64(`:${token}`),
  ])
    expect(text).not.toContain(form);
}

describe('redact', () => {
  it('masks the token wherever it appears, every time', () => {
    const text = `token=${TOKEN}; again ${TOKEN}\nand "${TOKEN}"`;
    expect(redact(text)).toBe('token=[MASKED]; again [MASKED]\nand "[MASKED]"');
  });

  it.each([
    ['base64 of the token', base64(TOKEN)],
    ['base64 of oauth2:token', base64(`oauth2:${TOKEN}`)],
    ['base64 of gitlab-ci-token:token', base64(`gitlab-ci-token:${TOKEN}`)],
    ['base64 of :token', base64(`:${TOKEN}`)],
  ])('masks %s', (_name, form) => {
    const masked = redact(`value ${form} end`);
    expect(masked).toBe('value [MASKED] end');
    expectNoTrace(masked);
  });

  it('masks the URL-encoded form of a token with reserved characters', () => {
    expect(redact(`https://example.com/?t=${encodeURIComponent(ODD_TOKEN)}`)).toBe('https://example.com/?t=[MASKED]');
    expect(redact(`raw ${ODD_TOKEN}`)).toBe('raw [MASKED]');
  });

  it.each([
    ['Authorization: Basic dXNlcjpzZWNyZXQ=', 'Authorization: Basic [MASKED]'],
    ['authorization: bearer some.jwt.value', 'authorization: bearer [MASKED]'],
    ['Authorization:   token abcdef123456', 'Authorization:   token [MASKED]'],
    ['> PRIVATE-TOKEN: unregistered-secret-1', '> PRIVATE-TOKEN: [MASKED]'],
    [
      'GIT_CONFIG_VALUE_0=Authorization: Basic b2F1dGgyOnNvbWV0aGluZw==',
      'GIT_CONFIG_VALUE_0=Authorization: Basic [MASKED]',
    ],
  ])('masks the credentials of an HTTP header, registered or not: %s', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it.each([
    [
      "fatal: unable to access 'https://oauth2:unregistered-1@gitlab.example.com/group/gitops.git/'",
      "fatal: unable to access 'https://[MASKED]@gitlab.example.com/group/gitops.git/'",
    ],
    ['http://gitlab-ci-token:abc123@127.0.0.1:8080/x.git', 'http://[MASKED]@127.0.0.1:8080/x.git'],
    [`https://oauth2:${TOKEN}@gitlab.example.com`, 'https://[MASKED]@gitlab.example.com'],
    [`HTTPS://${TOKEN}@gitlab.example.com/a.git`, 'HTTPS://[MASKED]@gitlab.example.com/a.git'],
  ])('masks credentials in a URL: %s', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('never masks a value too short to be a token: it would mask ordinary words everywhere', () => {
    registerSecret('main');
    registerSecret('on');
    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(redact('pushed on main')).toBe('pushed on main');
  });

  it('masks the header inside the quotes of an inspected object, and keeps the quotes', () => {
    expect(
      redact("envPairs: [ 'GIT_CONFIG_VALUE_0=Authorization: Basic b2F1dGgyOnVucmVnaXN0ZXJlZA==', 'HOME=/dev/null' ]"),
    ).toBe("envPairs: [ 'GIT_CONFIG_VALUE_0=Authorization: Basic [MASKED]', 'HOME=/dev/null' ]");
  });

  it('leaves text without secrets alone', () => {
    const text =
      'error: project group/gitops was not found on https://gitlab.example.com: its path is wrong\nhint: check --project';
    expect(redact(text)).toBe(text);
  });
});

describe('redactError', () => {
  it('masks the message and the whole stack', () => {
    const error = new Error(`git failed: Authorization: Basic ${base64(`oauth2:${TOKEN}`)} for https://u:${TOKEN}@h/x`);
    const shown = redactError(error);
    expect(shown).toContain('Error: git failed: Authorization: Basic [MASKED]');
    expect(shown).toContain('    at ');
    expectNoTrace(shown);
  });

  it('masks an error whose stack was replaced and values that are not errors', () => {
    const error = new Error('plain');
    error.stack = `Error: plain\n    at run (file:///app/${TOKEN}/x.js:1:1)`;
    expect(redactError(error)).toBe('Error: plain\n    at run (file:///app/[MASKED]/x.js:1:1)');
    expect(redactError(`thrown string ${TOKEN}`)).toBe('thrown string [MASKED]');
    expect(redactError({ toString: () => base64(TOKEN) })).toBe('[MASKED]');
  });
});

describe('every line the CLI prints goes through redaction', () => {
  function capture(env: NodeJS.ProcessEnv = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const output = createOutput(readOutputSettings(env), {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      now: () => 0,
    });
    return { output, out, err };
  }

  it('info, warnings, summaries and the lines inside a section', async () => {
    const { output, out, err } = capture({ CI: 'true' });
    output.info(`cloning with ${TOKEN}`);
    output.warn(`header Authorization: Basic ${base64(`oauth2:${TOKEN}`)}`);
    await output.section('clone', 'Clone group/gitops', async () => output.info(base64(TOKEN)));
    output.summary(`done ${TOKEN}`);
    const all = out.join('') + err.join('');
    expect(all).toContain('[MASKED]');
    expectNoTrace(all);
  });

  it('errors, their hints and (when debugging) their stacks', () => {
    const { output, err } = capture({ IMAGE_BUMP_DEBUG: '1' });
    expect(output.error(new BumpError(`bad ${TOKEN}`, { hint: `rotate ${base64(`gitlab-ci-token:${TOKEN}`)}` }))).toBe(
      1,
    );
    expect(output.error(new Error(`boom https://oauth2:${TOKEN}@gitlab.example.com`))).toBe(1);
    const all = err.join('');
    expect(all).toContain('error: bad [MASKED]\nhint: rotate [MASKED]\n');
    expect(all).toContain('    at ');
    expectNoTrace(all);
  });
});

describe('guardProcessOutput', () => {
  it("makes whatever else writes to a stream (Node's NODE_DEBUG logs, a library's debug lines) pass through redaction", () => {
    const written: string[] = [];
    const stream = {
      write: (chunk: string | Uint8Array, ...rest: unknown[]) => (written.push(String(chunk)), rest.length >= 0),
    } as unknown as NodeJS.WriteStream;
    guardProcessOutput([stream]);
    guardProcessOutput([stream]); // once only: a second guard would not change anything either
    stream.write(
      `CHILD_PROCESS 1: spawn { envPairs: [ 'GIT_CONFIG_VALUE_0=Authorization: Basic ${base64(`oauth2:${TOKEN}`)}' ] }\n`,
    );
    stream.write(Buffer.from(`simple-git ${TOKEN}\n`), 'utf8', () => undefined);
    expect(written).toEqual([
      "CHILD_PROCESS 1: spawn { envPairs: [ 'GIT_CONFIG_VALUE_0=Authorization: Basic [MASKED]' ] }\n",
      'simple-git [MASKED]\n',
    ]);
  });
});
