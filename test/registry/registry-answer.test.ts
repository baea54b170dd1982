import { describe, expect, it } from 'vitest';
import { errorDetail, readJson } from '../../src/registry/registry-answer.js';

describe("the registry's words in an error message", () => {
  it('joins the codes and messages of the errors list', () => {
    expect(
      errorDetail({
        errors: [
          { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v2' } },
          { code: 'NAME_UNKNOWN', message: '' },
        ],
      }),
    ).toBe('MANIFEST_UNKNOWN: manifest unknown; NAME_UNKNOWN');
  });

  it("reads a token service's details or message", () => {
    expect(errorDetail({ details: 'incorrect username or password' })).toBe('incorrect username or password');
    expect(errorDetail({ message: 'access forbidden' })).toBe('access forbidden');
  });

  it('keeps it on one short line: line breaks and control characters become spaces, at most 300 characters', () => {
    expect(errorDetail({ errors: [{ code: 'DENIED', message: 'line one\nerror: forged\r\n\u001b[31mred' }] })).toBe(
      'DENIED: line one error: forged [31mred',
    );
    expect(errorDetail({ message: 'x'.repeat(1000) })).toHaveLength(300);
  });

  it('says nothing for a body that is not JSON or has no words', () => {
    expect(readJson(Buffer.from('<html>'))).toBeUndefined();
    expect(errorDetail(undefined)).toBe('');
    expect(errorDetail({ errors: 'no list' })).toBe('');
    expect(errorDetail([1, 2])).toBe('');
  });
});
