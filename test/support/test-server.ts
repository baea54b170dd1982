/** One GitLab-like server per test file, and GitOps projects with a write token on it. */
import { afterAll, beforeAll } from 'vitest';
import { startGitLabServer, type GitLabServer, type TokenSpec } from './gitlab-server.js';
import { createGitOpsProject } from './gitops-repo.js';
import { runCli, type CliResult } from './run-cli.js';

/**
 * Starts the server before the file's tests and closes it after them. The returned object stands for
 * the server from then on, so tests use it as they would the server itself.
 */
export function useGitLabServer(): GitLabServer {
  let instance: GitLabServer | undefined;
  beforeAll(async () => {
    instance = await startGitLabServer();
  });
  afterAll(async () => {
    await instance?.close();
  });
  return new Proxy({} as GitLabServer, {
    get(_target, key) {
      if (!instance) throw new Error('the test server is not started yet');
      const value: unknown = Reflect.get(instance, key, instance);
      return typeof value === 'function' ? value.bind(instance) : value;
    },
  });
}

let counter = 0;

export interface TestProject {
  project: string;
  token: string;
  /** The environment that carries the token to the CLI. */
  env: Record<string, string>;
}

/** A fresh GitOps project (team/<prefix>-<n>) and a Developer project access token with write_repository. */
export async function newProject(
  server: GitLabServer,
  prefix: string,
  options: { files?: Record<string, string | null>; token?: Partial<TokenSpec> } = {},
): Promise<TestProject> {
  const project = `team/${prefix}-${++counter}`;
  await createGitOpsProject(server, project, { files: options.files });
  const token = `pat-${prefix}-${counter}-5e1f3a90`;
  server.addToken({
    value: token,
    kind: 'project',
    scopes: ['write_repository'],
    projects: [project],
    role: 30,
    ...options.token,
  });
  return { project, token, env: { GITLAB_PUSHER_TOKEN: token } };
}

/** `gitops-image-bump push` against the server's project. */
export function pushTo(
  server: GitLabServer,
  project: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<CliResult> {
  return runCli(['push', '--server-url', server.url, '--project', project, ...args], { env });
}
