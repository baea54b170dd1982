/**
 * Static checks of the component template, the project's pipeline and the runner image's files, plus
 * gitlab-ci-local's reading of the project's `.gitlab-ci.yml` (no network, no job runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { environmentName, OPTIONS } from '../src/settings/options.js';
import { git } from './support/git.js';
import {
  componentInclude,
  createProjectRepo,
  createWorkspace,
  runPipeline,
  SELF_INCLUDE,
  type Workspace,
} from './support/gitlab-ci-local.js';
import { renderComponentInclude } from './support/gitlab-interpolation.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

interface Input {
  description?: string;
  type?: 'string' | 'number' | 'boolean' | 'array';
  default?: unknown;
  options?: unknown[];
  regex?: string;
}
type Job = Record<string, unknown> & { variables: Record<string, unknown>; script: string[] };

const templateText = read('templates/image-bump.yml');
const documents = parseAllDocuments(templateText);
const [header, body] = Array.isArray(documents) ? documents.map((document) => document.toJS()) : [];
const spec = header.spec as { component?: string[]; inputs: Record<string, Input> };
const inputs = spec.inputs;
const jobs = body as Record<string, Job>;
const [jobKey, job] = Object.entries(jobs)[0]!;

/** Every `$[[ inputs.NAME ]]` in a text. */
const inputReferences = (text: string) =>
  [...text.matchAll(/\$\[\[\s*inputs\.([\w-]+)\s*(?:\|[^\]]*)?\]\]/g)].map((match) => match[1]!);
/** Every string inside a YAML value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => [key, ...strings(inner)]);
  return [];
}

describe('templates/image-bump.yml', () => {
  it('is two YAML documents: the spec header and one job', () => {
    expect(Array.isArray(documents) && documents.length).toBe(2);
    for (const document of documents) expect(document.errors).toEqual([]);
    expect(Object.keys(header)).toEqual(['spec']);
    expect(Object.keys(jobs)).toHaveLength(1);
  });

  it('has the inputs of the issue, each described', () => {
    expect(Object.keys(inputs)).toEqual(
      expect.arrayContaining([
        'target_env',
        'app_name',
        'image',
        'images',
        'overlays_dir',
        'path',
        'project',
        'branch',
        'token_variable',
        'commit_message',
        'author_name',
        'author_email',
        'dry_run',
        'on_downgrade',
        'stage',
        'job_name',
        'runner_image',
        'server_url',
        'max_attempts',
        'timeout',
      ]),
    );
    expect(inputs.target_env).not.toHaveProperty('default');
    expect(inputs.images!.type).toBe('array');
    expect(inputs.dry_run).toMatchObject({ type: 'boolean', default: false });
    expect(inputs.on_downgrade).toMatchObject({ default: 'fail', options: ['fail', 'skip', 'allow'] });
    expect(inputs).toMatchObject({
      overlays_dir: { default: 'manifests/overlays' },
      project: { default: '$CI_PROJECT_PATH' },
      token_variable: { default: 'GITLAB_PUSHER_TOKEN' },
      stage: { default: 'deploy' },
      server_url: { default: '$CI_SERVER_URL' },
    });
    // What GitLab requires of the definitions is checked in gitlab-rules.test.ts; this project also
    // wants every input described.
    for (const [name, input] of Object.entries(inputs)) expect(input.description, `${name}: description`).toMatch(/\S/);
  });

  it('rejects what its regexes are for', () => {
    const matches = (name: string, value: string) => new RegExp(inputs[name]!.regex!).test(value);
    for (const value of ['prod', 'eu-west.1', 'staging_2', '$TARGET_ENV', '${UPSTREAM_ENV}'])
      expect(matches('target_env', value), value).toBe(true);
    for (const value of ['prod;touch marker', '$(touch marker)', '`id`', 'prod staging', 'dev,prod', '../prod', ''])
      expect(matches('target_env', value), value).toBe(false);
    expect(matches('token_variable', '$GITLAB_PUSHER_TOKEN')).toBe(false);
    expect(matches('token_variable', 'glpat-0123456789abcdefghij')).toBe(false);
    expect(matches('server_url', 'https://oauth2:secret@gitlab.example.com')).toBe(false);
    expect(matches('server_url', 'https://gitlab.example.com/gitlab')).toBe(true);
    // Where git and Node could read the host differently, or a path escapes: the CLI refuses these too.
    for (const value of [
      'http://127.0.0.1:28765\\@127.0.0.2:28800',
      'https://gitlab.example.com\\evil',
      'https://gitlab%2eexample.com',
    ])
      expect(matches('server_url', value), value).toBe(false);
    expect(matches('runner_image', 'registry.example.com:5000/mirror/gitops-image-bump')).toBe(true);
    expect(matches('runner_image', 'registry.example.com/mirror/gitops-image-bump:1.2.3')).toBe(false);
    expect(matches('runner_image_tag', '$CI_COMMIT_SHA')).toBe(true);
    expect(matches('job_name', '.hidden')).toBe(false);
  });

  it('keeps inputs out of scripts: they reach the command only through variables', () => {
    for (const key of ['script', 'before_script', 'after_script'] as const) {
      for (const line of strings(job[key])) expect(line).not.toMatch(/\$\[\[/);
    }
    expect(job.script).toEqual(['gitops-image-bump push']);
    expect(job).not.toHaveProperty('before_script');
    expect(job).not.toHaveProperty('after_script');
  });

  it('uses every input it declares, and declares every input it uses', () => {
    const used = new Set(inputReferences(JSON.stringify(jobs)));
    expect([...used].sort()).toEqual(Object.keys(inputs).sort());
  });

  it('sets IMAGE_BUMP_* variables only for options of `gitops-image-bump push`', () => {
    const byEnvironment = new Map(Object.entries(OPTIONS).map(([name, option]) => [environmentName(name), option]));
    const names = Object.keys(job.variables).filter((name) => name.startsWith('IMAGE_BUMP_'));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const option = byEnvironment.get(name);
      expect(option, `${name} is not an option of src/settings/options.ts`).toBeDefined();
      expect(option!.commands as readonly string[], name).toContain('push');
    }
    expect(job.variables).toMatchObject({
      IMAGE_BUMP_TARGET_ENV: '$[[ inputs.target_env ]]',
      IMAGE_BUMP_APP_NAME: '$[[ inputs.app_name ]]',
      IMAGE_BUMP_APP_IMAGE: '$[[ inputs.image ]]',
      IMAGE_BUMP_TOKEN_VARIABLE: '$[[ inputs.token_variable ]]',
    });
  });

  it('makes every variable a string: typed inputs are interpolated inside a longer string', () => {
    // A whole-value `$[[ inputs.x ]]` keeps the input's type, and GitLab accepts only strings (or
    // integers) as variable values.
    for (const [name, value] of Object.entries(job.variables)) {
      expect(typeof value, name).toBe('string');
      const text = value as string;
      for (const input of inputReferences(text)) {
        if ((inputs[input]!.type ?? 'string') !== 'string')
          expect(text, `${name} must not be only $[[ inputs.${input} ]]`).not.toMatch(/^\$\[\[[^\]]*\]\]$/);
      }
    }
    expect(job.variables.GITOPS_IMAGE_BUMP_AS_TEXT).toBe('');
  });

  it('is one job with its name and stage from inputs, no global keywords and no repository checkout', () => {
    expect(jobKey).toBe('$[[ inputs.job_name ]]-$[[ inputs.target_env ]]');
    expect(job.stage).toBe('$[[ inputs.stage ]]');
    expect(job.environment).toEqual({ name: '$[[ inputs.target_env ]]', action: '$[[ inputs.environment_action ]]' });
    expect(inputs.environment_action).toMatchObject({
      default: 'prepare',
      options: ['prepare', 'start', 'verify', 'access'],
    });
    expect(inputs.run_on).toMatchObject({ default: 'protected', options: ['protected', 'protected-tags', 'always'] });
    expect(job.variables.GIT_STRATEGY).toBe('none');
    for (const keyword of [
      'default',
      'stages',
      'workflow',
      'variables',
      'include',
      'image',
      'services',
      'cache',
      'before_script',
      'after_script',
    ]) {
      expect(jobs, keyword).not.toHaveProperty(keyword);
    }
  });

  it('runs in the project image at the included commit, with inputs to override the repository and the tag', () => {
    // component-include.test.ts renders this for every include form, as GitLab does.
    expect(spec.component).toEqual(['sha']);
    expect(job.image).toEqual({ name: '$[[ inputs.runner_image ]]:$[[ inputs.runner_image_tag ]]' });
    expect(inputs.runner_image_tag!.default).toBe('$GITOPS_IMAGE_BUMP_SHA');
    expect(job.variables.GITOPS_IMAGE_BUMP_SHA).toBe('$[[ component.sha ]]');
    expect(inputs.runner_image!.default).toBe('$CI_REGISTRY/gitops-image-bump/gitops-image-bump');
  });
});

describe('the project pipeline and the runner image', () => {
  const pipeline = parse(read('.gitlab-ci.yml')) as Record<string, any>;

  it('tests, checks dist/ and the README, builds the image, self-tests the component and releases tags', () => {
    expect(pipeline.include).toEqual([
      expect.objectContaining({
        component: SELF_INCLUDE,
        inputs: expect.objectContaining({ dry_run: true, runner_image: '$CI_REGISTRY_IMAGE' }),
      }),
    ]);
    // The self-test runs the default image tag, the one every consumer gets.
    expect(pipeline.include[0].inputs).not.toHaveProperty('runner_image_tag');
    expect(pipeline.test.script).toContain('npm test');
    expect(pipeline.generated.script).toEqual(expect.arrayContaining(['npm run build', 'npm run docs -- --check']));
    expect(pipeline.generated.script.join('\n')).toContain('git diff --exit-code');
    expect(pipeline['runner-image'].script.join('\n')).toMatch(/--tag "\$CI_REGISTRY_IMAGE:\$CI_COMMIT_SHA"/);
    expect(pipeline['runner-image'].script.join('\n')).toContain('"$CI_REGISTRY_IMAGE:$CI_COMMIT_TAG"');
    expect(pipeline['.node'].image).toMatch(/^node:24-bookworm@sha256:[0-9a-f]{64}$/);
    expect(pipeline.release.release.tag_name).toBe('$CI_COMMIT_TAG');
    expect(pipeline.release.rules[0].if).toMatch(/CI_COMMIT_TAG/);
  });

  describe('the runner-image job, its script run with a docker that records what it is asked', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'runner-image-'));
      // `docker manifest inspect` answers as if the tag were published when PUBLISHED names it.
      writeFileSync(
        join(dir, 'docker'),
        '#!/bin/sh\necho "$*" >> "$DOCKER_LOG"\nif [ "$1" = manifest ]; then [ "$3" = "$PUBLISHED" ]; exit $?; fi\nexit 0\n',
        { mode: 0o755 },
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function runScript(variables: Record<string, string>, published = '') {
      const log = join(dir, `log-${Math.random().toString(36).slice(2)}`);
      writeFileSync(log, '');
      const script = (pipeline['runner-image'].script as string[]).join('\n');
      const result = spawnSync('sh', ['-e', '-c', script], {
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          DOCKER_LOG: log,
          PUBLISHED: published,
          CI_REGISTRY: 'registry.example.com',
          CI_REGISTRY_IMAGE: 'registry.example.com/g/p',
          CI_REGISTRY_USER: 'u',
          CI_REGISTRY_PASSWORD: 'p',
          CI_COMMIT_SHA: 'abc123',
          CI_PROJECT_URL: 'https://gitlab.example.com/g/p',
          ...variables,
        },
        encoding: 'utf8',
      });
      return { status: result.status, stdout: result.stdout, calls: readFileSync(log, 'utf8').trim().split('\n') };
    }

    it('on a branch, builds and pushes the commit SHA tag only', () => {
      const { status, calls } = runScript({ CI_COMMIT_TAG: '' });
      expect(status).toBe(0);
      expect(calls.filter((call) => call.startsWith('push'))).toEqual(['push registry.example.com/g/p:abc123']);
    });

    it('on a new version tag, pushes the SHA tag and the version tag', () => {
      const { status, calls } = runScript({ CI_COMMIT_TAG: '1.2.3' });
      expect(status).toBe(0);
      expect(calls).toContain('manifest inspect registry.example.com/g/p:1.2.3');
      expect(calls.filter((call) => call.startsWith('push'))).toEqual([
        'push registry.example.com/g/p:abc123',
        'push registry.example.com/g/p:1.2.3',
      ]);
    });

    it('on a re-run of a published version tag, builds and pushes nothing and says why', () => {
      const { status, stdout, calls } = runScript({ CI_COMMIT_TAG: '1.2.3' }, 'registry.example.com/g/p:1.2.3');
      expect(status).toBe(0);
      expect(stdout).toContain('registry.example.com/g/p:1.2.3 is already published');
      expect(calls.filter((call) => /^(build|push|tag)\b/.test(call))).toEqual([]);
    });
  });

  it('builds a small non-root image with git and the bundle, and nothing else from the repository', () => {
    const dockerfile = read('Dockerfile');
    // Node 24, the current LTS, pinned by digest with the tag beside it.
    expect(dockerfile).toMatch(/^FROM node:24-alpine@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(1);
    expect(dockerfile).toMatch(/apk add --no-cache git/);
    expect(dockerfile).toMatch(/COPY dist\/image-bump\.mjs /);
    expect(dockerfile).toMatch(/ln -s \S+image-bump\.mjs \/usr\/local\/bin\/gitops-image-bump/);
    expect(dockerfile).toMatch(/rm -rf [^\n]*\/usr\/local\/bin\/npm/);
    const user = [...dockerfile.matchAll(/^USER (\S+)/gm)].at(-1)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(
      read('.dockerignore')
        .split('\n')
        .filter((line) => line && !line.startsWith('#')),
    ).toEqual(['*', '!dist/image-bump.mjs', '!LICENSE']);
  });

  describe('read by gitlab-ci-local', () => {
    let workspace: Workspace;
    let repo: string;

    beforeAll(async () => {
      workspace = await createWorkspace();
      repo = await createProjectRepo(workspace, 'component-project', {
        remote: 'https://gitlab.example.com/gitops-image-bump/gitops-image-bump.git',
        ciConfig: read('.gitlab-ci.yml'),
        files: { 'CHANGELOG.md': read('CHANGELOG.md') },
      });
    });
    afterAll(async () => {
      await workspace?.cleanup();
    });

    it('accepts .gitlab-ci.yml on a branch: the self-test waits for its variables', async () => {
      const result = await runPipeline(workspace, repo, { args: ['--list'] });
      expect(result.exitCode, result.output).toBe(0);
      expect(result.output).toMatch(/^test\s/m);
      expect(result.output).toMatch(/^generated\s/m);
      expect(result.output).toMatch(/^runner-image\s/m);
      expect(result.output).not.toMatch(/^self-test-dev\s/m);
      expect(result.output).not.toMatch(/^release\s/m);
    });

    it('lists the self-test with its variables and the release on a version tag', async () => {
      const result = await runPipeline(workspace, repo, {
        args: ['--list'],
        variables: { SELF_TEST_PROJECT: 'sandbox/gitops', SELF_TEST_TOKEN: 'not-a-real-token', CI_COMMIT_TAG: '1.2.3' },
      });
      expect(result.exitCode, result.output).toBe(0);
      expect(result.output).toMatch(/^self-test-dev\s+self-test\s/m);
      expect(result.output).toMatch(/^release\s+release\s/m);
    });

    it('runs the job of templates/image-bump.yml, rendered as GitLab renders it', async () => {
      // Inputs of every type; arrays of one item, because with more GitLab writes `["a", "b"]` and
      // gitlab-ci-local `["a","b"]` (component-include.test.ts checks GitLab's form).
      const given = {
        target_env: 'dev',
        app_name: 'team/app',
        image: 'team/app:v2',
        images: ['team/worker=team/worker:v2'],
        dry_run: true,
        max_attempts: 5,
        mode: 'merge-request',
      };
      const consumer = await createProjectRepo(workspace, 'preview', {
        remote: 'https://gitlab.example.com/team/app.git',
        ciConfig: ['include:', componentInclude(given), ''].join('\n'),
      });
      const result = await runPipeline(workspace, consumer, { args: ['--preview'] });
      expect(result.exitCode, result.output).toBe(0);

      const sha = await git(['rev-parse', 'HEAD'], { cwd: consumer });
      const expected = renderComponentInclude(templateText, given, {
        name: 'image-bump',
        sha,
        version: null,
        reference: sha,
      });
      const preview = parse(result.stdout) as Record<string, unknown>;
      expect(Object.keys(expected)).toEqual(['image-bump-dev']);
      expect(preview['image-bump-dev']).toEqual(expected['image-bump-dev']);
    });
  });
});
