/** What every group of fault scenarios starts from: the token variable, the standard bump and a writable project. */
import { createGitOpsProject, REGISTRY, type GitOpsProjectOptions } from './gitops-repo.js';
import type { TokenSpec } from './gitlab-server.js';
import type { Prepared, ScenarioContext } from './fault-scenarios.js';

export const TOKEN_VARIABLE = 'GITLAB_PUSHER_TOKEN';
export const APP1 = `${REGISTRY}/app1`;
export const BUMP = ['--target-env', 'prod', '--image', `${APP1}:v1.1.0`];

/** The scenario's token as a write_repository Project Access Token (role Developer) of its project. */
export function writeToken(ctx: ScenarioContext, spec: Partial<TokenSpec> = {}): void {
  ctx.server.addToken({
    value: ctx.token,
    kind: 'project',
    scopes: ['write_repository'],
    projects: [ctx.project],
    role: 30,
    ...spec,
  });
}

/** A project the token may push to, and the standard bump. */
export async function writable(ctx: ScenarioContext, options?: GitOpsProjectOptions): Promise<Prepared> {
  await createGitOpsProject(ctx.server, ctx.project, options);
  writeToken(ctx);
  return { args: BUMP, env: { [TOKEN_VARIABLE]: ctx.token } };
}

export function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
