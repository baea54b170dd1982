import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import { redact } from '../../src/failures/redact.js';
import { parseDockerAuthConfig } from '../../src/settings/docker-auth-config.js';
import { loginFor } from '../../src/registry/credentials.js';
import { readRegistryEnvironment } from '../../src/settings/environment-inputs.js';
import { registryNameOf } from '../../src/image/registry-name.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

function refusal(raw: string): UsageError {
  try {
    parseDockerAuthConfig(raw);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('DOCKER_AUTH_CONFIG', () => {
  it('reads auth (base64 user:password) and username/password entries, keyed by normalised host', () => {
    const config = parseDockerAuthConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hubuser:hub-password-1') },
          'registry.example.com:5000': { username: 'deploy', password: 'deploy-password-2' },
          'https://other.example.com/v2/': { auth: b64('user:pa:ss:word-3') },
          'helper.example.com': {},
        },
        credHelpers: { 'gcr.io': 'gcloud' },
        credsStore: 'desktop',
      }),
    );
    expect(config.auths['docker.io']).toMatchObject({ username: 'hubuser', password: 'hub-password-1' });
    expect(config.auths['registry.example.com:5000']).toMatchObject({
      username: 'deploy',
      password: 'deploy-password-2',
    });
    // Only the first ":" separates user and password.
    expect(config.auths['other.example.com']).toMatchObject({ username: 'user', password: 'pa:ss:word-3' });
    expect(config.auths['helper.example.com']).toBeUndefined();
    expect(config.helperHosts).toEqual({ 'gcr.io': 'gcloud' });
    expect(config.credsStore).toBe('desktop');
  });

  it('registers every password and base64 auth with redaction as it is read', () => {
    const auth = b64('maskme:registry-secret-4711');
    parseDockerAuthConfig(
      JSON.stringify({
        auths: { 'r.example.com': { auth }, 's.example.com': { username: 'u', password: 'second-secret-0815' } },
      }),
    );
    expect(redact(`a ${auth} b registry-secret-4711 c second-secret-0815`)).toBe('a [MASKED] b [MASKED] c [MASKED]');
  });

  it('registers identity and registry tokens too, which this job cannot use', () => {
    parseDockerAuthConfig(
      JSON.stringify({
        auths: { 'r.example.com': { identitytoken: 'refresh-token-31337', registrytoken: 'registry-token-42042' } },
      }),
    );
    expect(redact('refresh-token-31337 registry-token-42042')).toBe('[MASKED] [MASKED]');
  });

  it.each([
    ['{"auths": {"r.example.com": {"auth": "x"}}', 'DOCKER_AUTH_CONFIG is not valid JSON (line 1, column 43)'],
    ['{\n  "auths": {\n    "r": 1,\n  }\n}', 'DOCKER_AUTH_CONFIG is not valid JSON (line 4, column 3)'],
    ['', 'DOCKER_AUTH_CONFIG is not valid JSON: it is empty'],
    // V8 quotes the text in this message, so only the fact is said.
    ['{"auths": secret-value}', 'DOCKER_AUTH_CONFIG is not valid JSON'],
    ['["auths"]', 'DOCKER_AUTH_CONFIG is not a JSON object'],
    ['{"auths": []}', 'DOCKER_AUTH_CONFIG "auths" is not an object'],
    ['{"auths": {"r.example.com": "secret"}}', 'DOCKER_AUTH_CONFIG auths["r.example.com"] is not an object'],
    ['{"auths": {"r.example.com": {"auth": 12}}}', 'DOCKER_AUTH_CONFIG auths["r.example.com"].auth is not a string'],
    [
      `{"auths": {"r.example.com": {"auth": "${b64('no-colon-secret-99')}"}}}`,
      'DOCKER_AUTH_CONFIG auths["r.example.com"].auth is not the base64 of user:password',
    ],
    [
      '{"auths": {"r.example.com": {"auth": "%%%not-base64%%%"}}}',
      'DOCKER_AUTH_CONFIG auths["r.example.com"].auth is not the base64 of user:password',
    ],
    [
      '{"auths": {"r.example.com": {"password": "only-password-123"}}}',
      'DOCKER_AUTH_CONFIG auths["r.example.com"].username is missing or not a string',
    ],
    [
      '{"auths": {"r.example.com": {"username": "u"}}}',
      'DOCKER_AUTH_CONFIG auths["r.example.com"].password is missing or not a string',
    ],
    ['{"credHelpers": {"gcr.io": true}}', 'DOCKER_AUTH_CONFIG credHelpers["gcr.io"] is not a string'],
    ['{"credsStore": 1}', 'DOCKER_AUTH_CONFIG "credsStore" is not a string'],
  ])('refuses %j saying where, never what', (raw, message) => {
    const error = refusal(raw);
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toMatch(/config\.json/);
    for (const secret of ['secret', 'no-colon-secret-99', 'only-password-123', 'not-base64'])
      expect(`${error.message} ${error.hint}`).not.toContain(secret);
  });
});

describe('the login for a registry', () => {
  const env = (variables: Record<string, string>, required = true) => readRegistryEnvironment(variables, required);

  it('is DOCKER_AUTH_CONFIG first, then CI_REGISTRY_USER/PASSWORD for $CI_REGISTRY only, then none', () => {
    const both = env({
      DOCKER_AUTH_CONFIG: JSON.stringify({
        auths: { 'gitlab.example.com:5050': { username: 'deploy', password: 'deploy-token-abc' } },
      }),
      CI_REGISTRY: 'gitlab.example.com:5050',
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: 'job-token-value-xyz',
    });
    expect(loginFor('gitlab.example.com:5050', both).login).toMatchObject({ username: 'deploy' });
    const ciOnly = env({
      CI_REGISTRY: 'gitlab.example.com:5050',
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: 'job-token-value-xyz',
    });
    expect(loginFor('gitlab.example.com:5050', ciOnly).login).toMatchObject({
      username: 'gitlab-ci-token',
      password: 'job-token-value-xyz',
      source: 'CI_REGISTRY_USER and CI_REGISTRY_PASSWORD',
    });
    // The job's registry login never goes to another registry.
    expect(loginFor('registry.example.com', ciOnly)).toEqual({});
    expect(loginFor('gitlab.example.com', ciOnly)).toEqual({});
    expect(redact('job-token-value-xyz')).toBe('[MASKED]');
  });

  it('names a credential helper it cannot run, and goes on to the next source', () => {
    const helpers = env({
      DOCKER_AUTH_CONFIG: JSON.stringify({
        credHelpers: { 'gitlab.example.com:5050': 'ecr-login' },
        credsStore: 'desktop',
      }),
      CI_REGISTRY: 'gitlab.example.com:5050',
      CI_REGISTRY_USER: 'gitlab-ci-token',
      CI_REGISTRY_PASSWORD: 'job-token-value-xyz',
    });
    const choice = loginFor('gitlab.example.com:5050', helpers);
    expect(choice.login?.username).toBe('gitlab-ci-token');
    expect(choice.note).toBe(
      'DOCKER_AUTH_CONFIG keeps the login for gitlab.example.com:5050 in docker-credential-ecr-login (credHelpers), a program this job cannot run',
    );
    expect(loginFor('docker.io', helpers).note).toContain('docker-credential-desktop (credsStore)');
    expect(loginFor('docker.io', helpers).login).toBeUndefined();
  });

  it('is none for a registry named like an Object property (Constructor/app reads as registry "constructor")', () => {
    const config = env({
      DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'r.example.com': { username: 'u', password: 'p-41' } } }),
    });
    expect(registryNameOf('Constructor/app').registry).toBe('constructor');
    for (const registry of ['constructor', 'toString', 'hasOwnProperty', '__proto__'])
      expect(loginFor(registry, config)).toEqual({});
    // "__proto__" as a key is a registry name like any other.
    const proto = env({ DOCKER_AUTH_CONFIG: '{"auths":{"__proto__":{"username":"u","password":"p-42"}}}' });
    expect(loginFor('__proto__', proto).login).toMatchObject({ password: 'p-42' });
  });

  it('reads the JSON from the file a File-type variable names', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'docker-auth-')), 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ auths: { 'r.example.com': { username: 'u', password: 'file-password-777' } } }),
    );
    expect(loginFor('r.example.com', env({ DOCKER_AUTH_CONFIG: file })).login).toMatchObject({
      password: 'file-password-777',
    });
    expect(() => env({ DOCKER_AUTH_CONFIG: `${file}.missing` })).toThrow('DOCKER_AUTH_CONFIG is not valid JSON');
  });

  it('refuses a malformed DOCKER_AUTH_CONFIG when required, and keeps only the problem in warn mode', () => {
    expect(() => env({ DOCKER_AUTH_CONFIG: '{' }, true)).toThrow(UsageError);
    const warned = env({ DOCKER_AUTH_CONFIG: '{' }, false);
    expect(warned.authConfig).toBeUndefined();
    expect(warned.authConfigProblem).toBe('DOCKER_AUTH_CONFIG is not valid JSON (line 1, column 2)');
  });
});
