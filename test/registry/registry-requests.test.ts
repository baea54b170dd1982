/**
 * What the check costs in registry requests (issue 16: at most one registry round trip per image plus
 * the token exchange), counted by a proxy in front of the real registry in token mode and by the
 * GitLab-like server that issues its tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY } from '../support/gitops-repo.js';
import { startGitLabServer, type GitLabServer } from '../support/gitlab-server.js';
import { pushImage } from '../support/registry-images.js';
import { startRegistryProxy, type RegistryProxy } from '../support/registry-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { newProject } from '../support/test-server.js';

let gitlab: GitLabServer;
let registry: RunningRegistry;
let proxy: RegistryProxy;
beforeAll(async () => {
  gitlab = await startGitLabServer();
  registry = await startRegistry({ auth: { kind: 'token', issuer: await gitlab.registryTokenIssuer() } });
  proxy = await startRegistryProxy(registry);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await gitlab?.close();
});

async function verifiedBump(ciRegistry: string, password?: string) {
  const { project, token, env } = await newProject(gitlab, 'requests', {
    token: { scopes: ['write_repository', 'read_registry'] },
  });
  await pushImage(registry, `${project}/app`, '1.4.2');
  const manifestsBefore = proxy.requests.length;
  const tokensBefore = gitlab.requests.filter((r) => r.path.startsWith('/jwt/auth')).length;
  const result = await runCli(
    [
      'push',
      '--server-url',
      gitlab.url,
      '--project',
      project,
      '--target-env',
      'prod',
      '--image',
      `${REGISTRY}/app1=${proxy.host}/${project}/app:1.4.2`,
      '--verify-image',
      'require',
    ],
    {
      env: {
        ...env,
        CI_REGISTRY: ciRegistry,
        CI_REGISTRY_USER: 'project_bot',
        CI_REGISTRY_PASSWORD: password ?? token,
      },
    },
  );
  return {
    result,
    registryRequests: proxy.requests.slice(manifestsBefore),
    tokenRequests: gitlab.requests.filter((r) => r.path.startsWith('/jwt/auth')).length - tokensBefore,
  };
}

describe('registry requests per verified image', () => {
  it("GitLab's own registry ($CI_REGISTRY): the token from the server's /jwt/auth first, then one HEAD", async () => {
    const run = await verifiedBump(proxy.host);
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(run.tokenRequests).toBe(1);
    expect(run.registryRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
      expect.stringMatching(/^HEAD \/v2\/team\/requests-\d+\/app\/manifests\/1\.4\.2$/),
    ]);
  });

  it('another registry: asked first without a token, its challenge names the token service', async () => {
    const run = await verifiedBump('registry.gitlab.invalid');
    // Anonymous: this project's registry is private, so the token service refuses and the check fails.
    expect(run.result.exitCode).toBe(1);
    expect(run.registryRequests.map((r) => r.method)).toEqual(['HEAD']);
    expect(run.tokenRequests).toBe(1);
  });

  it('a refused guess is no answer: the challenge is followed, and its refusal is the error', async () => {
    const run = await verifiedBump(proxy.host, 'not-a-valid-token-4d1c');
    expect(run.result.exitCode).toBe(1);
    expect(run.result.stderr).toMatch(
      /^error: the token service \S+\/jwt\/auth of registry \S+ gave no token to pull image /m,
    );
    expect(run.tokenRequests).toBe(2);
    expect(run.registryRequests.map((r) => r.method)).toEqual(['HEAD']);
  });
});
