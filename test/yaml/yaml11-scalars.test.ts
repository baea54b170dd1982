import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { needsQuotesForYaml11 } from '../../src/yaml/yaml11-scalars.js';

describe('needsQuotesForYaml11', () => {
  it.each([
    '',
    '~',
    'null',
    'Null',
    'NULL',
    'y',
    'Y',
    'yes',
    'Yes',
    'YES',
    'n',
    'N',
    'no',
    'NO',
    'true',
    'False',
    'on',
    'On',
    'ON',
    'off',
    'OFF',
    '1',
    '012',
    '1_000',
    '0b101',
    '0B101',
    '0o17',
    '0x1F',
    '0X1f',
    '-7',
    '+7',
    '0x1p-2',
    '1.10',
    '2.0',
    '1e3',
    '1E3',
    'e3',
    '.e5',
    '1_000.5',
    '.5',
    '5.',
    '1:20',
    '190:20:30',
    '.inf',
    '-.Inf',
    '+.INF',
    '.nan',
    '.NaN',
    '2024-01-02',
    '2001-12-14t21:59:43.10-05:00',
    '2001-12-14 21:59:43.10 -5',
    '<<',
    '=',
  ])('%j is not read as a string by a YAML 1.1 reader', (value) => {
    expect(needsQuotesForYaml11(value)).toBe(true);
  });

  it.each([
    'v1',
    '1.2.3',
    '1.2.3-rc.1',
    'latest',
    'app:1',
    'sha256:abc',
    'yes-please',
    'onion',
    'nope',
    'v1.0',
    '0b102',
    '1e',
    'e',
    '1_000a',
    'main-2024-01-02',
  ])('%j is a string to every reader', (value) => {
    expect(needsQuotesForYaml11(value)).toBe(false);
    // And, unquoted, to a YAML 1.1 and a 1.2 reader here.
    expect(parse(`v: ${value}`, { version: '1.1' }).v).toBe(value);
    expect(parse(`v: ${value}`).v).toBe(value);
  });

  it('agrees with a YAML 1.1 reader on every value it flags that the reader can tell apart', () => {
    for (const value of [
      'on',
      'yes',
      'y',
      'off',
      '1_000',
      '0b101',
      '1e3',
      '012',
      '~',
      'null',
      '.inf',
      '2024-01-02',
      '1:20',
    ]) {
      expect(parse(`v: ${value}`, { version: '1.1' }).v, value).not.toBe(value);
    }
  });
});
