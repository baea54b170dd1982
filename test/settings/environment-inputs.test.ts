import { describe, expect, it } from 'vitest';
import {
  gitBaseEnvironment,
  likelyTokens,
  readOutputSettings,
  readPushEnvironment,
} from '../../src/settings/environment-inputs.js';

describe('inputs read from the environment', () => {
  it('the git base environment keeps PATH, proxies, CA bundles and locale, and nothing else', () => {
    const base = gitBaseEnvironment({
      PATH: '/bin',
      HTTPS_PROXY: 'http://p:3128',
      LC_ALL: 'C',
      GIT_SSL_CAINFO: '/ca.pem',
      GITLAB_PUSHER_TOKEN: 'secret',
      HOME: '/root',
      GIT_TRACE_CURL: '1',
    });
    expect(base).toEqual({ PATH: '/bin', HTTPS_PROXY: 'http://p:3128', LC_ALL: 'C', GIT_SSL_CAINFO: '/ca.pem' });
  });

  it('output switches: CI, NO_COLOR, and debug from IMAGE_BUMP_DEBUG or CI_DEBUG_TRACE=true', () => {
    expect(readOutputSettings({})).toEqual({ inCi: false, noColor: false, debug: false });
    expect(readOutputSettings({ CI: 'true', NO_COLOR: '1', CI_DEBUG_TRACE: 'true' })).toEqual({
      inCi: true,
      noColor: true,
      debug: true,
    });
    expect(readOutputSettings({ CI_DEBUG_TRACE: 'false' }).debug).toBe(false);
  });

  it('a push reads the token by the name the settings hold, the CA file, and the variable that holds a name given as a value', () => {
    const env = {
      MY_TOKEN: 'glpat-xxxxxxxxxxxxxxxxxxxx',
      CI_JOB_TOKEN: 'job',
      CI_SERVER_TLS_CA_FILE: '/ca.pem',
      PATH: '/bin',
    };
    expect(readPushEnvironment({ tokenVariable: 'MY_TOKEN' }, env)).toEqual({
      token: { variable: 'MY_TOKEN', value: 'glpat-xxxxxxxxxxxxxxxxxxxx', ciJobToken: 'job', holderOfName: undefined },
      caFile: '/ca.pem',
      gitBase: { PATH: '/bin' },
    });
    expect(
      readPushEnvironment(
        { tokenVariable: 'glpatvalue' },
        { HOLDER: 'glpatvalue', IMAGE_BUMP_TOKEN_VARIABLE: 'glpatvalue' },
      ).token.holderOfName,
    ).toBe('HOLDER');
  });

  it('the likely tokens are the values of the default, the IMAGE_BUMP_ and the --token-variable names', () => {
    const env = { GITLAB_PUSHER_TOKEN: ' a ', OTHER: 'b', THIRD: 'c', IMAGE_BUMP_TOKEN_VARIABLE: 'OTHER' };
    expect(likelyTokens(['push', '--token-variable', 'THIRD'], env)).toEqual(['a', 'b', 'c']);
    expect(likelyTokens(['push', '--token-variable=THIRD'], {})).toEqual([]);
  });
});
