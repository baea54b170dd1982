/**
 * templates/image-bump.yml as GitLab renders it for each form of include it allows, and the runner image
 * the job then pulls. gitlab-ci-local resolves `$[[ component.version ]]` to the commit SHA for a SHA
 * include, where GitLab gives null, so these checks use a model of GitLab's own interpolation
 * (test/support/gitlab-interpolation.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  componentContext,
  expandVariables,
  interpolate,
  renderComponentInclude,
  type ComponentContext,
} from './support/gitlab-interpolation.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const template = read('templates/image-bump.yml');
const pipeline = parse(read('.gitlab-ci.yml')) as Record<string, { script?: string[] }>;

/** The component project (its path is where the default `runner_image` points) on a GitLab instance. */
const REGISTRY = 'registry.example.com';
const PROJECT_IMAGE = `${REGISTRY}/gitops-image-bump/gitops-image-bump`;
const sha = (digit: string) => digit.repeat(40);
const repository = {
  releases: [
    { version: '1.1.0', sha: sha('1') },
    { version: '1.2.3', sha: sha('2') },
  ],
  branches: { main: sha('3'), 'fix/login': sha('4') },
};
/** A commit on no branch tip any more, whose pipeline ran when it was pushed. */
const OLDER_COMMIT = sha('5');

/** Each include form GitLab allows, with what it resolves to. */
const includeForms = ['1.2.3', '1.2', '1', '~latest', sha('2'), OLDER_COMMIT, 'main', 'fix/login'].map((reference) => ({
  reference,
  context: componentContext('image-bump', reference, repository),
}));

/**
 * The image references the project's `runner-image` job pushes in a pipeline with these variables. A
 * script step under `if [ -n "$VAR" ]` counts only when VAR is set.
 */
function pushedImages(variables: Record<string, string>): string[] {
  return (pipeline['runner-image']!.script ?? []).flatMap((step) => {
    const guard = /^if \[ -n "\$(\w+)" \]/.exec(step);
    if (guard && !variables[guard[1]!]) return [];
    return [...step.matchAll(/docker push "([^"]+)"/g)].map((match) => expandVariables(match[1]!, variables));
  });
}

/** Every image the component project's pipelines push: one per commit pushed to a branch, one more per release tag. */
const allPushedImages = new Set([
  ...[
    ...Object.values(repository.branches),
    OLDER_COMMIT,
    ...repository.releases.map((release) => release.sha),
  ].flatMap((commit) =>
    pushedImages({ CI_REGISTRY: REGISTRY, CI_REGISTRY_IMAGE: PROJECT_IMAGE, CI_COMMIT_SHA: commit }),
  ),
  ...repository.releases.flatMap((release) =>
    pushedImages({
      CI_REGISTRY: REGISTRY,
      CI_REGISTRY_IMAGE: PROJECT_IMAGE,
      CI_COMMIT_SHA: release.sha,
      CI_COMMIT_TAG: release.version,
    }),
  ),
]);

type Job = { image: { name: string }; variables: Record<string, unknown> };

/** The one job of an include, and the image its runner pulls (variables expanded as the runner does). */
function includeJob(
  inputs: Record<string, unknown>,
  component: ComponentContext,
  jobTemplate = template,
): { job: Job; image: string } {
  const jobs = renderComponentInclude(jobTemplate, { target_env: 'production', ...inputs }, component);
  const [job] = Object.values(jobs) as Job[];
  const variables = { CI_REGISTRY: REGISTRY, ...(job!.variables as Record<string, string>) };
  return { job: job!, image: expandVariables(job!.image.name, variables) };
}

/** What is wrong with an image reference the runner is given: it must name a repository and a tag. */
function imageReferenceProblems(reference: string): string[] {
  // The tag is after the last `:` that follows the last `/` (an earlier `:` is the registry's port).
  const tagColon = reference.indexOf(':', reference.lastIndexOf('/') + 1);
  if (tagColon === -1) return [`${reference}: no tag (the runner would pull :latest)`];
  const [repository, tag] = [reference.slice(0, tagColon), reference.slice(tagColon + 1)];
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  const repositoryPattern = new RegExp(`^(?:[A-Za-z0-9.-]+(?::\\d+)?/)?${component}(?:/${component})*$`);
  if (!repositoryPattern.test(repository)) return [`${reference}: invalid repository "${repository}"`];
  if (!/^[\w][\w.-]{0,127}$/.test(tag)) return [`${reference}: ${tag === '' ? 'empty tag' : `invalid tag "${tag}"`}`];
  return [];
}

describe('the model of GitLab interpolation', () => {
  const context = {
    inputs: { env: 'prod', count: 3, on: false, list: ['a', 'b'] },
    component: { version: null, sha: 'f'.repeat(40) },
  };

  it('keeps the type of a block that is the whole value, and writes it as text inside a longer string', () => {
    expect(
      interpolate(
        { a: '$[[ inputs.count ]]', b: '$[[inputs.on]]', c: '$[[ inputs.list ]]', d: '$[[ component.version ]]' },
        context,
      ),
    ).toEqual({ a: 3, b: false, c: ['a', 'b'], d: null });
    expect(
      interpolate(
        ['n=$[[ inputs.count ]]', '$[[ inputs.on ]]!', 'x$[[ inputs.list ]]', 'v:$[[ component.version ]]'],
        context,
      ),
    ).toEqual(['n=3', 'false!', 'x["a", "b"]', 'v:']);
  });

  it('interpolates keys, and refuses unknown keys, bad access paths and functions', () => {
    expect(interpolate({ 'job-$[[ inputs.env ]]': { image: 'i:$[[ component.sha ]]' } }, context)).toEqual({
      'job-prod': { image: `i:${'f'.repeat(40)}` },
    });
    expect(() => interpolate('$[[ inputs.nope ]]', context)).toThrow('unknown interpolation key: `nope`');
    expect(() => interpolate('$[[ inputs ]]', context)).toThrow('invalid interpolation access pattern');
    expect(() => interpolate('$[[ inputs.env | truncate(0,1) ]]', context)).toThrow('not modelled');
  });

  it('expands variables in an image name as the runner does', () => {
    expect(expandVariables('$REGISTRY/app:${TAG}', { REGISTRY: 'r.example.com', TAG: '$SHA', SHA: 'abc' })).toBe(
      'r.example.com/app:abc',
    );
    expect(expandVariables('app:$UNSET', {})).toBe('app:');
  });
});

describe('component context', () => {
  it('follows GitLab: a version for release references, null for a commit SHA or a branch, a SHA for all', () => {
    expect(includeForms.map(({ reference, context }) => [reference, context.version, context.sha])).toEqual([
      ['1.2.3', '1.2.3', sha('2')],
      ['1.2', '1.2.3', sha('2')],
      ['1', '1.2.3', sha('2')],
      ['~latest', '1.2.3', sha('2')],
      [sha('2'), null, sha('2')],
      [OLDER_COMMIT, null, OLDER_COMMIT],
      ['main', null, sha('3')],
      ['fix/login', null, sha('4')],
    ]);
  });
});

describe('the runner image of the job', () => {
  it('is what the project pushes for the included commit: the commit SHA tag, and the version tag on releases', () => {
    expect([...allPushedImages].sort()).toEqual(
      [
        `${PROJECT_IMAGE}:1.1.0`,
        `${PROJECT_IMAGE}:1.2.3`,
        ...['1', '2', '3', '4', '5'].map((digit) => `${PROJECT_IMAGE}:${sha(digit)}`),
      ].sort(),
    );
  });

  it.each(includeForms)('resolves to a pushed tag for @$reference', ({ context }) => {
    const { image } = includeJob({}, context);
    expect(imageReferenceProblems(image)).toEqual([]);
    expect(image).toBe(`${PROJECT_IMAGE}:${context.sha}`);
    expect(allPushedImages).toContain(image);
  });

  it('takes a mirror repository and a tag of its own from the inputs', () => {
    const { image } = includeJob(
      { runner_image: 'mirror.example.com:5000/ci/gitops-image-bump', runner_image_tag: '1.2.3' },
      includeForms[0]!.context,
    );
    expect(image).toBe('mirror.example.com:5000/ci/gitops-image-bump:1.2.3');
  });

  it('would be left without a tag by the component version: the check sees the dangling colon', () => {
    // The template as it was before: the tag from $[[ component.version ]], null for SHA and branch includes.
    const byVersion = template
      .replace('component: [sha]', 'component: [version]')
      .replace(
        "GITOPS_IMAGE_BUMP_SHA: '$[[ component.sha ]]'",
        "GITOPS_IMAGE_BUMP_SHA: '$[[ component.version ]]${GITOPS_IMAGE_BUMP_AS_TEXT}'",
      );
    expect(byVersion).not.toBe(template);
    const problems = includeForms.flatMap(({ reference, context }) =>
      imageReferenceProblems(includeJob({}, context, byVersion).image).map((problem) => `@${reference}: ${problem}`),
    );
    expect(problems).toEqual(
      [sha('2'), OLDER_COMMIT, 'main', 'fix/login'].map((reference) => `@${reference}: ${PROJECT_IMAGE}:: empty tag`),
    );
  });

  it('cannot use a component field the template does not declare', () => {
    const undeclared = template.replace("'$[[ component.sha ]]'", "'$[[ component.version ]]'");
    expect(() => includeJob({}, includeForms[0]!.context, undeclared)).toThrow('unknown interpolation key: `version`');
  });
});

describe('the job variables', () => {
  it('are all strings, typed inputs included, as GitLab requires of variables', () => {
    const { job } = includeJob(
      {
        images: ['app=registry.example.com/app:v2', 'worker:v2'],
        dry_run: true,
        max_attempts: 5,
        mr_labels: ['deploy'],
      },
      includeForms[0]!.context,
    );
    for (const [name, value] of Object.entries(job.variables)) expect(typeof value, name).toBe('string');
    expect(job.variables).toMatchObject({
      IMAGE_BUMP_DRY_RUN: 'true${GITOPS_IMAGE_BUMP_AS_TEXT}',
      IMAGE_BUMP_MAX_ATTEMPTS: '5${GITOPS_IMAGE_BUMP_AS_TEXT}',
    });
    // GitLab writes an array inside a string with Ruby's to_s (`["a", "b"]`, where gitlab-ci-local writes
    // `["a","b"]`): still the JSON array the command reads.
    const images = expandVariables(job.variables.IMAGE_BUMP_IMAGES as string, { GITOPS_IMAGE_BUMP_AS_TEXT: '' });
    expect(images).toBe('["app=registry.example.com/app:v2", "worker:v2"]');
    expect(JSON.parse(images)).toEqual(['app=registry.example.com/app:v2', 'worker:v2']);
  });

  it('refuses inputs GitLab refuses', () => {
    const context = includeForms[0]!.context;
    expect(() => includeJob({ target_env: undefined }, context)).toThrow(
      /target_env.*required value has not been provided/,
    );
    expect(() => includeJob({ on_downgrade: 'sometimes' }, context)).toThrow(
      /on_downgrade.*not in the list of allowed options/,
    );
    expect(() => includeJob({ max_attempts: '5' }, context)).toThrow(/max_attempts.*not a number/);
    expect(() => includeJob({ runner_image_tag: '' }, context)).toThrow(/runner_image_tag.*does not match/);
    expect(() => includeJob({ no_such_input: 1 }, context)).toThrow(/unknown input name provided: `no_such_input`/);
  });
});
