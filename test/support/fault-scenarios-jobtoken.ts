/**
 * Fault scenarios for job-token mode (--token-variable CI_JOB_TOKEN): a push into the pipeline's own
 * project and into another project that allowlists it, and each of GitLab's refusals, answered as
 * GitLab answers them. Spread into SCENARIOS.
 */
import { expect } from 'vitest';
import { createGitOpsProject } from './gitops-repo.js';
import type { JobTokenSettings } from './gitlab-tokens.js';
import type { Expectation, Prepared, Scenario, ScenarioContext } from './fault-scenarios.js';
import type { CliResult } from './run-cli.js';
import { BUMP, escape } from './scenario-basics.js';

const ENABLE_OWN =
  /^Enable it: a Maintainer of \S+ enables Settings > CI\/CD > Job token permissions > "Allow Git push requests to the repository" \(GitLab 17\.2\+\)/;
const USE_ACCESS_TOKEN =
  /Or push with a Project Access Token instead: create a Project Access Token on \S+ \(Settings > Access tokens: scope write_repository, role Developer.*--token-variable\.$/;

/** The project whose pipeline runs the bump, when it is not the GitOps project itself. */
const appProject = (ctx: ScenarioContext) => `${ctx.project}-app`;

type Setup = Partial<Omit<JobTokenSettings, 'allowlist'>> & { allowlist?: Record<string, { push: boolean }> };

/**
 * The GitOps project with `settings`, this job's token (of `pipelineProject`'s pipeline, its user
 * with `role` in the GitOps project) in CI_JOB_TOKEN, and the bump named to push with it.
 */
async function jobTokenRun(
  ctx: ScenarioContext,
  { pipelineProject, role = 30, settings }: { pipelineProject: string; role?: number; settings: Setup },
  extraArgs: string[] = [],
): Promise<Prepared> {
  await createGitOpsProject(ctx.server, ctx.project);
  ctx.server.configureJobToken(ctx.project, settings);
  ctx.server.addToken({ value: ctx.token, kind: 'job', scopes: [], role, pipelineProject });
  return {
    args: [...BUMP, '--token-variable', 'CI_JOB_TOKEN', ...extraArgs],
    env: { CI_JOB_TOKEN: ctx.token, CI_PROJECT_PATH: pipelineProject },
  };
}

/** Every push option and the credential check: the push went in as the job token. */
function pushedAsJobToken(ctx: ScenarioContext, result: CliResult, note: RegExp): void {
  expect(ctx.server.pushLog(ctx.project).map((push) => push.tokenKind)).toEqual(['job']);
  const notes = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => note.test(line));
  expect(notes, 'the no-pipeline note, once').toHaveLength(1);
}

function refused(error: string | RegExp, hint: RegExp, trouble: string): Expectation {
  return { exitCode: 1, error, hint, trouble };
}

const pushRefused = (ctx: ScenarioContext, why: string): RegExp =>
  new RegExp(
    `^GitLab refused to let this job's CI_JOB_TOKEN push to ${escape(ctx.project)} \\(HTTP 403: "You are not allowed to push code to this project\\."\\): ${why}`,
  );

const CROSS_PROJECT_CONDITIONS = (ctx: ScenarioContext) =>
  `one of GitLab's conditions for a push from ${escape(appProject(ctx))} is missing: .*"Allow Git push requests to the repository" or "Allow cross-project Git push requests from allowlisted projects" is off, .*lacks push permission, .*role below Developer.*older than 19\\.0 .*allow_push_to_allowlisted_projects`;

const ENABLE_CROSS = (ctx: ScenarioContext) =>
  new RegExp(
    `^Enable it: in ${escape(ctx.project)}, Settings > CI/CD > Job token permissions: enable "Allow Git push requests to the repository" and "Allow cross-project Git push requests from allowlisted projects", and give the allowlist entry of ${escape(appProject(ctx))} push permission.*${USE_ACCESS_TOKEN.source}`,
  );

/** Every cross-project condition met: the settings a refusal scenario takes one away from. */
const crossProjectAllowed = (ctx: ScenarioContext): Setup => ({
  pushAllowed: true,
  crossProjectPushAllowed: true,
  allowlist: { [appProject(ctx)]: { push: true } },
});

export const JOB_TOKEN_SCENARIOS: readonly Scenario[] = [
  {
    name: 'job token: pushes to its own project when "Allow Git push requests" is on (no pipeline follows)',
    server: 'main',
    setup: (ctx) => jobTokenRun(ctx, { pipelineProject: ctx.project, settings: { pushAllowed: true } }),
    expect: () => ({ exitCode: 0, pushes: true, summary: /^bumped / }),
    check: (ctx, result) =>
      pushedAsJobToken(
        ctx,
        result,
        new RegExp(
          `pushed with CI_JOB_TOKEN: GitLab starts no pipeline in ${escape(ctx.project)} for a push made with a job token$`,
        ),
      ),
  },
  {
    name: 'job token: pushes to another project that allowlists the pipeline and allows cross-project pushes',
    server: 'main',
    setup: (ctx) => jobTokenRun(ctx, { pipelineProject: appProject(ctx), settings: crossProjectAllowed(ctx) }),
    expect: () => ({ exitCode: 0, pushes: true, summary: /^bumped / }),
    check: (ctx, result) =>
      pushedAsJobToken(
        ctx,
        result,
        new RegExp(
          `pushed with CI_JOB_TOKEN: GitLab starts no pipeline in ${escape(ctx.project)} \\(pushed from ${escape(appProject(ctx))}'s pipeline\\)`,
        ),
      ),
  },
  {
    name: 'job token: opens a merge request in another project through push options',
    server: 'main',
    setup: (ctx) =>
      jobTokenRun(ctx, { pipelineProject: appProject(ctx), settings: crossProjectAllowed(ctx) }, [
        '--mode',
        'merge-request',
      ]),
    expect: () => ({ exitCode: 0, summary: /^proposed .*merge request into main/ }),
    check: (ctx, result) => {
      expect(ctx.server.mergeRequests(ctx.project)).toHaveLength(1);
      pushedAsJobToken(ctx, result, /pushed with CI_JOB_TOKEN: GitLab starts no pipeline in /);
    },
  },
  {
    name: 'job token: own project with "Allow Git push requests to the repository" off',
    server: 'main',
    setup: (ctx) => jobTokenRun(ctx, { pipelineProject: ctx.project, settings: { pushAllowed: false } }),
    expect: (ctx) =>
      refused(
        pushRefused(
          ctx,
          `"Allow Git push requests to the repository" is off in ${escape(ctx.project)}, or the pipeline's user has a role below Developer there$`,
        ),
        new RegExp(`${ENABLE_OWN.source}.*${USE_ACCESS_TOKEN.source}`),
        'job-token-push-refused',
      ),
  },
  {
    name: "job token: own project, the pipeline's user is a Reporter",
    server: 'main',
    setup: (ctx) => jobTokenRun(ctx, { pipelineProject: ctx.project, role: 20, settings: { pushAllowed: true } }),
    expect: (ctx) =>
      refused(
        pushRefused(ctx, `.*role below Developer there$`),
        new RegExp(`${ENABLE_OWN.source}, and the pipeline's user needs role Developer there\\.`),
        'job-token-push-refused',
      ),
  },
  {
    name: "job token: another project that does not allowlist the pipeline's project (the clone is refused)",
    server: 'main',
    setup: (ctx) =>
      jobTokenRun(ctx, {
        pipelineProject: appProject(ctx),
        settings: { ...crossProjectAllowed(ctx), allowlist: {} },
      }),
    expect: (ctx) =>
      refused(
        new RegExp(
          `^GitLab refused this job's CI_JOB_TOKEN for ${escape(ctx.project)} \\(HTTP 403: "Authentication by CI/CD job token not allowed from ${escape(lastSegment(appProject(ctx)))} to ${escape(lastSegment(ctx.project))}\\."\\): ${escape(appProject(ctx))} is not on the job token allowlist of ${escape(ctx.project)}$`,
        ),
        new RegExp(
          `^Enable it: in ${escape(ctx.project)}, Settings > CI/CD > Job token permissions > Add group or project: ${escape(appProject(ctx))}, with permission to push.*${USE_ACCESS_TOKEN.source}`,
        ),
        'job-token-not-allowlisted',
      ),
  },
  {
    name: 'job token: another project without "Allow cross-project Git push requests from allowlisted projects"',
    server: 'main',
    setup: (ctx) =>
      jobTokenRun(ctx, {
        pipelineProject: appProject(ctx),
        settings: { ...crossProjectAllowed(ctx), crossProjectPushAllowed: false },
      }),
    expect: (ctx) =>
      refused(pushRefused(ctx, CROSS_PROJECT_CONDITIONS(ctx)), ENABLE_CROSS(ctx), 'job-token-push-refused'),
  },
  {
    name: 'job token: another project whose allowlist entry may only read',
    server: 'main',
    setup: (ctx) =>
      jobTokenRun(ctx, {
        pipelineProject: appProject(ctx),
        settings: { ...crossProjectAllowed(ctx), allowlist: { [appProject(ctx)]: { push: false } } },
      }),
    expect: (ctx) =>
      refused(pushRefused(ctx, CROSS_PROJECT_CONDITIONS(ctx)), ENABLE_CROSS(ctx), 'job-token-push-refused'),
  },
  {
    name: "job token: another project where the pipeline's user is a Reporter",
    server: 'main',
    setup: (ctx) =>
      jobTokenRun(ctx, { pipelineProject: appProject(ctx), role: 20, settings: crossProjectAllowed(ctx) }),
    expect: (ctx) =>
      refused(pushRefused(ctx, CROSS_PROJECT_CONDITIONS(ctx)), ENABLE_CROSS(ctx), 'job-token-push-refused'),
  },
  {
    name: "job token: another project where the pipeline's user is no member",
    server: 'main',
    setup: (ctx) => jobTokenRun(ctx, { pipelineProject: appProject(ctx), role: 0, settings: crossProjectAllowed(ctx) }),
    expect: (ctx) =>
      refused(
        new RegExp(
          `^GitLab refused this job's CI_JOB_TOKEN for ${escape(ctx.project)} \\(HTTP 403: "Insufficient permissions to pull from the repository of project ${escape(lastSegment(ctx.project))}\\."\\): the user who runs the pipeline is not a member of ${escape(ctx.project)}$`,
        ),
        new RegExp(`needs role Developer or higher in ${escape(ctx.project)} .*${USE_ACCESS_TOKEN.source}`),
        'job-token-not-member',
      ),
  },
  {
    name: 'job token: another project on a GitLab without cross-project job-token pushes (18.x, or the flag off)',
    server: 'main',
    setup: (ctx) =>
      jobTokenRun(ctx, {
        pipelineProject: appProject(ctx),
        settings: { ...crossProjectAllowed(ctx), support: 'own-project' },
      }),
    expect: (ctx) =>
      refused(pushRefused(ctx, CROSS_PROJECT_CONDITIONS(ctx)), ENABLE_CROSS(ctx), 'job-token-push-refused'),
  },
  {
    name: 'job token: GitLab does not know it (HTTP 401)',
    server: 'main',
    setup: async (ctx) => {
      const prepared = await jobTokenRun(ctx, { pipelineProject: ctx.project, settings: { pushAllowed: true } });
      ctx.server.addToken({ value: ctx.token, kind: 'job', scopes: [], revoked: true, pipelineProject: ctx.project });
      return prepared;
    },
    expect: (ctx) =>
      refused(
        `GitLab rejected this job's CI_JOB_TOKEN (HTTP 401): it is not a job token of a running job on ${ctx.server.url}`,
        new RegExp(
          `^A job token is valid only while its job runs, .*no CI/CD variable of your own is named CI_JOB_TOKEN\\. ${USE_ACCESS_TOKEN.source}`,
        ),
        'job-token-rejected',
      ),
  },
  {
    name: 'job token: a GitLab before 17.2, which takes no push with a job token',
    server: 'main',
    setup: (ctx) =>
      jobTokenRun(ctx, { pipelineProject: ctx.project, settings: { pushAllowed: true, support: 'none' } }),
    expect: (ctx) =>
      refused(
        new RegExp(
          `^GitLab refused to let this job's CI_JOB_TOKEN push to ${escape(ctx.project)} \\(HTTP 403: "You are not allowed to upload code\\."\\): this GitLab does not accept pushes with a job token \\(it needs GitLab 17\\.2 or later\\)$`,
        ),
        new RegExp(`^Enable it: upgrade GitLab .*${USE_ACCESS_TOKEN.source}`),
        'job-token-push-unsupported',
      ),
  },
];

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
