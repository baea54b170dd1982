import { describe, expect, it } from 'vitest';
import { branchTip, REGISTRY } from './support/gitops-repo.js';
import { lastLine, runCli } from './support/run-cli.js';
import { newProject, useGitLabServer } from './support/test-server.js';

const server = useGitLabServer();

function bump(project: string, ...extra: string[]): string[] {
  return [
    'push',
    '--server-url',
    server.url,
    '--project',
    project,
    '--target-env',
    'prod',
    '--image',
    `${REGISTRY}/app1:v1.1.0`,
    ...extra,
  ];
}

/** The requests of one run: the server is shared by this file's tests, which run one after another. */
async function requestsDuring<T>(run: () => Promise<T>) {
  const before = server.requests.length;
  const result = await run();
  return { result, requests: server.requests.slice(before) };
}

describe('--token-variable CI_JOB_TOKEN', () => {
  it("is decided by the variable's name: a value shaped like an access token still goes as the job token", async () => {
    const { project } = await newProject(server, 'job-token');
    server.configureJobToken(project, { pushAllowed: true });
    // Token prefixes are configurable by administrators: the shape proves nothing.
    const value = `glpat-${project.replace(/\W/g, '')}0a1b2c3d4e5f`;
    server.addToken({ value, kind: 'job', scopes: [], pipelineProject: project });
    const tip = await branchTip(server, project, 'main');

    const { result, requests } = await requestsDuring(() =>
      runCli(bump(project, '--token-variable', 'CI_JOB_TOKEN'), {
        env: { CI_JOB_TOKEN: value, CI_PROJECT_PATH: project },
      }),
    );

    expect(result.exitCode, result.stderr).toBe(0);
    expect(await branchTip(server, project, 'main')).not.toBe(tip);
    expect(server.pushLog(project).map((push) => push.tokenKind)).toEqual(['job']);
    // Every git request authenticated as the job token (user gitlab-ci-token), and the expiry lookup,
    // which GitLab cannot answer for a job token, was never asked.
    expect(requests.filter((request) => request.service !== 'api').map((request) => request.tokenKind)).toEqual(
      requests.filter((request) => request.service !== 'api').map(() => 'job'),
    );
    expect(requests.filter((request) => request.service === 'api')).toEqual([]);
    expect(result.stderr).not.toMatch(/^warning:/m);
    expect(`${result.stdout}${result.stderr}`).toContain(
      `pushed with CI_JOB_TOKEN: GitLab starts no pipeline in ${project} for a push made with a job token`,
    );
    expect(lastLine(result.stdout)).toMatch(/^bumped /);
    expect(`${result.stdout}${result.stderr}`).not.toContain(value);
  });

  it('leaves a token in another variable to the access-token username, whatever its shape', async () => {
    const value = `glcbt-64_${Date.now()}0a1b2c3d4e5f`;
    const { project } = await newProject(server, 'job-shaped', { token: { value } });

    const { result, requests } = await requestsDuring(() =>
      runCli(bump(project), { env: { GITLAB_PUSHER_TOKEN: value, CI_PROJECT_PATH: project } }),
    );

    expect(result.exitCode, result.stderr).toBe(0);
    expect(server.pushLog(project).map((push) => push.tokenKind)).toEqual(['project']);
    expect(`${result.stdout}${result.stderr}`).not.toContain('CI_JOB_TOKEN');
    expect(requests.some((request) => request.service === 'api')).toBe(true);
  });

  it('takes the job token when CI_JOB_TOKEN is both the named variable and the job token', async () => {
    const { project } = await newProject(server, 'job-own');
    const value = `job-${project.replace(/\W/g, '')}-77c2e1d94b0a5f36`;
    server.addToken({ value, kind: 'job', scopes: [], pipelineProject: project });

    const result = await runCli(bump(project, '--token-variable', 'CI_JOB_TOKEN'), {
      env: { CI_JOB_TOKEN: value, CI_PROJECT_PATH: project },
    });

    // Not refused as "the variable holds this job's CI_JOB_TOKEN": GitLab's own answer decides.
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: GitLab refused to let this job's CI_JOB_TOKEN push to \S+ \(HTTP 403: "You are not allowed to push code to this project\."\): "Allow Git push requests to the repository" is off/,
    );
  });
});
