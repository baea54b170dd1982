/**
 * The project's pipeline and the component's job, checked against GitLab's CI/CD JSON schema
 * (test/fixtures/gitlab-ci.schema.json), and the check shown to refuse broken configurations.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ciSchemaErrors } from './support/gitlab-ci-schema.js';
import { componentContext, renderComponentInclude } from './support/gitlab-interpolation.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const template = read('templates/image-bump.yml');
const pipelineText = read('.gitlab-ci.yml');

const repository = { releases: [{ version: '1.2.3', sha: 'a'.repeat(40) }], branches: { main: 'b'.repeat(40) } };
/** Inputs of every type with values other than the defaults. */
const representativeInputs = {
  target_env: 'production',
  app_name: 'registry.example.com/team/app',
  image: 'registry.example.com/team/app:v1.2.3',
  images: ['registry.example.com/team/worker=registry.example.com/team/worker:v1.2.3'],
  dry_run: true,
  max_attempts: 5,
  mode: 'merge-request',
};

describe('.gitlab-ci.yml', () => {
  it('is valid', () => {
    expect(ciSchemaErrors(parse(pipelineText))).toEqual([]);
  });

  it('would not be with an environment that has no name (the check refuses it)', () => {
    const pipeline = parse(pipelineText) as Record<string, { environment?: Record<string, unknown> }>;
    delete pipeline['self-test-dev']!.environment!.name;
    expect(ciSchemaErrors(pipeline)).toContain("/self-test-dev/environment: must have required property 'name'");
  });
});

describe('.gitlab-ci.yml with its self-test include rendered', () => {
  /** GitLab's merge of a local job definition into an included job of the same name: hashes deeply. */
  const deepMerge = (base: unknown, override: unknown): unknown => {
    const isMap = (value: unknown): value is Record<string, unknown> =>
      typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!isMap(base) || !isMap(override)) return override;
    return Object.fromEntries(
      [...new Set([...Object.keys(base), ...Object.keys(override)])].map((key) => [
        key,
        key in override ? deepMerge(base[key], override[key]) : base[key],
      ]),
    );
  };

  it('takes only inputs the component has, and merged with its local overrides is valid', () => {
    const { include, ...pipeline } = parse(pipelineText) as {
      include: { component: string; inputs: Record<string, unknown> }[];
    } & Record<string, unknown>;
    const sha = 'c'.repeat(40);
    const jobs = renderComponentInclude(template, include[0]!.inputs, {
      name: 'image-bump',
      sha,
      version: null,
      reference: sha,
    });
    expect(Object.keys(jobs)).toEqual(['self-test-dev']);
    const merged = {
      ...jobs,
      ...pipeline,
      'self-test-dev': deepMerge(jobs['self-test-dev'], pipeline['self-test-dev']),
    };
    expect(ciSchemaErrors(merged)).toEqual([]);
    expect(merged['self-test-dev']).toMatchObject({
      stage: 'self-test',
      environment: { name: 'dev', action: 'verify' },
      needs: ['runner-image'],
    });
  });
});

describe('templates/image-bump.yml', () => {
  it.each(['1.2.3', 'a'.repeat(40), 'main'])('renders a valid job when included @%s', (reference) => {
    const jobs = renderComponentInclude(
      template,
      representativeInputs,
      componentContext('image-bump', reference, repository),
    );
    expect(ciSchemaErrors(jobs)).toEqual([]);
  });

  it('renders a valid job with every input at its default', () => {
    const jobs = renderComponentInclude(
      template,
      { target_env: 'dev' },
      componentContext('image-bump', '1.2.3', repository),
    );
    expect(ciSchemaErrors(jobs)).toEqual([]);
  });

  it('has inputs the schema accepts (the schema has no spec:component yet, so that key is left out)', () => {
    const [header] = parseAllDocuments(template).map((document) => document.toJS()) as [
      { spec: Record<string, unknown> },
    ];
    const { component: _component, ...spec } = header.spec;
    expect(ciSchemaErrors({ spec })).toEqual([]);
  });

  it('would not with a broken job, an input without a type, or a spec key the schema lacks (the check refuses them)', () => {
    const jobs = renderComponentInclude(
      template,
      representativeInputs,
      componentContext('image-bump', '1.2.3', repository),
    ) as Record<string, Record<string, unknown>>;
    const job = jobs['image-bump-production']!;
    expect(ciSchemaErrors({ 'image-bump-production': { ...job, when: 'sometimes' } })).toContain(
      '/image-bump-production/when: must be equal to one of the allowed values',
    );
    expect(ciSchemaErrors({ 'image-bump-production': { ...job, artifacts: { reports: { dotenv: 42 } } } })).toContain(
      '/image-bump-production/artifacts/reports/dotenv: must be string',
    );

    const [header] = parseAllDocuments(template).map((document) => document.toJS()) as [
      { spec: { inputs: Record<string, Record<string, unknown>> } },
    ];
    const { type: _type, ...untyped } = header.spec.inputs.app_name!;
    expect(ciSchemaErrors({ spec: { inputs: { app_name: untyped } } })).toContain(
      '/spec/inputs/app_name/default: must be number,null',
    );
    expect(ciSchemaErrors({ spec: header.spec })).toContain('/spec: must NOT have additional properties');
  });
});
