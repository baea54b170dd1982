/**
 * Where the component's job runs, as gitlab-ci-local evaluates its rules: by default only in pipelines
 * that can push (protected branches and tags, where a protected token variable exists), or only on
 * protected tags, never in merge-request pipelines; with `run_on: always`
 * everywhere, for pipelines that set their own rules.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { git } from './support/git.js';
import {
  componentInclude,
  createProjectRepo,
  createWorkspace,
  runPipeline,
  type Workspace,
} from './support/gitlab-ci-local.js';
import { renderComponentInclude } from './support/gitlab-interpolation.js';

const templateText = readFileSync(new URL('../templates/image-bump.yml', import.meta.url), 'utf8');

const PIPELINES: Record<string, Record<string, string>> = {
  'an unprotected branch': { CI_COMMIT_REF_PROTECTED: 'false' },
  'a merge-request pipeline': { CI_PIPELINE_SOURCE: 'merge_request_event', CI_COMMIT_REF_PROTECTED: 'false' },
  'a merge-request pipeline of a protected source branch': {
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_COMMIT_REF_PROTECTED: 'true',
  },
  'a protected branch': { CI_COMMIT_REF_PROTECTED: 'true' },
  'an unprotected tag': { CI_COMMIT_TAG: '1.2.3', CI_COMMIT_REF_PROTECTED: 'false' },
  'a protected tag': { CI_COMMIT_TAG: '1.2.3', CI_COMMIT_REF_PROTECTED: 'true' },
};

let workspace: Workspace;
let byDefault: string;
let always: string;
let tagsOnly: string;

beforeAll(async () => {
  workspace = await createWorkspace();
  const base = {
    target_env: 'prod',
    app_name: 'registry.example.com/team/app',
    image: 'registry.example.com/team/app:v2',
  };
  byDefault = await createProjectRepo(workspace, 'default-rules', {
    remote: 'https://gitlab.example.com/team/app.git',
    ciConfig: `include:\n${componentInclude(base)}\n`,
  });
  tagsOnly = await createProjectRepo(workspace, 'tags-only', {
    remote: 'https://gitlab.example.com/team/app.git',
    ciConfig: `include:\n${componentInclude({ ...base, run_on: 'protected-tags' })}\n`,
  });
  always = await createProjectRepo(workspace, 'always', {
    remote: 'https://gitlab.example.com/team/gitops.git',
    ciConfig: `include:\n${componentInclude({ ...base, run_on: 'always', environment_action: 'start' })}\n`,
  });
});
afterAll(async () => {
  await workspace?.cleanup();
});

async function listsJob(repo: string, variables: Record<string, string>): Promise<boolean> {
  const result = await runPipeline(workspace, repo, { args: ['--list'], variables });
  expect(result.exitCode, result.output).toBe(0);
  return /^image-bump-prod\s/m.test(result.output);
}

describe('by default (run_on: protected)', () => {
  it.each([
    ['an unprotected branch', false],
    ['a merge-request pipeline', false],
    ['a merge-request pipeline of a protected source branch', false],
    ['a protected branch', true],
    ['an unprotected tag', false],
    ['a protected tag', true],
  ] as const)('in %s, the job is listed: %s', async (pipeline, listed) => {
    expect(await listsJob(byDefault, PIPELINES[pipeline]!)).toBe(listed);
  });
});

describe('with run_on: protected-tags', () => {
  it.each([
    ['an unprotected branch', false],
    ['a merge-request pipeline', false],
    ['a merge-request pipeline of a protected source branch', false],
    ['a protected branch', false],
    ['an unprotected tag', false],
    ['a protected tag', true],
  ] as const)('in %s, the job is listed: %s', async (pipeline, listed) => {
    expect(await listsJob(tagsOnly, PIPELINES[pipeline]!)).toBe(listed);
  });
});

describe('with run_on: always', () => {
  it.each(Object.keys(PIPELINES))('in %s, the job is listed', async (pipeline) => {
    expect(await listsJob(always, PIPELINES[pipeline]!)).toBe(true);
  });
});

describe('the environment action', () => {
  it('is prepare by default and the input otherwise, as gitlab-ci-local and the model of GitLab render it', async () => {
    for (const [repo, given, action] of [
      [byDefault, {}, 'prepare'],
      [always, { run_on: 'always', environment_action: 'start' }, 'start'],
    ] as const) {
      const result = await runPipeline(workspace, repo, { args: ['--preview'] });
      expect(result.exitCode, result.output).toBe(0);
      const preview = parse(result.stdout) as Record<string, { environment: unknown; rules: unknown }>;
      expect(preview['image-bump-prod']!.environment).toEqual({ name: 'prod', action });
      const sha = await git(['rev-parse', 'HEAD'], { cwd: repo });
      const rendered = renderComponentInclude(
        templateText,
        { target_env: 'prod', ...given },
        { name: 'image-bump', sha, version: null, reference: sha },
      ) as Record<string, { rules: unknown }>;
      expect(preview['image-bump-prod']!.rules).toEqual(rendered['image-bump-prod']!.rules);
    }
  });
});
