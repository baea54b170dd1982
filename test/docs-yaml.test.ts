/**
 * Every YAML example in README.md and docs/*.md is something GitLab would accept: a CI/CD configuration
 * valid against GitLab's schema, with each include of this component rendered as GitLab renders it (its
 * inputs checked against the template) and merged with the local job definitions that extend it; or a
 * Kubernetes/kustomize file (it starts with `apiVersion`) that parses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ciSchemaErrors } from './support/gitlab-ci-schema.js';
import { renderComponentInclude } from './support/gitlab-interpolation.js';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const template = read('templates/image-bump.yml');
const pages = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The ```yaml blocks of a Markdown text, with the line each starts on. */
export function yamlBlocks(markdown: string): { line: number; text: string }[] {
  return [...markdown.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((match) => ({
    line: markdown.slice(0, match.index).split('\n').length,
    text: match[1]!,
  }));
}

type Config = Record<string, unknown> & { include?: { component?: string; inputs?: Record<string, unknown> }[] };
const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** GitLab's merge of a local job definition into an included job of the same name: hashes deeply, the rest replaced. */
const deepMerge = (base: unknown, override: unknown): unknown => {
  if (override === undefined) return base;
  if (!isMap(base) || !isMap(override)) return override;
  return Object.fromEntries(
    [...new Set([...Object.keys(base), ...Object.keys(override)])].map((key) => [
      key,
      key in override ? deepMerge(base[key], override[key]) : base[key],
    ]),
  );
};

/** What is wrong with one YAML example; [] when nothing is. */
export function exampleProblems(text: string): string[] {
  const config = parse(text) as Config;
  if (!isMap(config)) return ['not a YAML mapping'];
  if ('apiVersion' in config) return 'kind' in config ? [] : ['a Kubernetes file without kind'];
  const problems = ciSchemaErrors(config);
  const sha = 'e'.repeat(40);
  const merged: Record<string, unknown> = { ...config };
  delete merged.include;
  const rendered = new Set<string>();
  for (const entry of config.include ?? []) {
    if (!entry.component?.includes('/image-bump@')) continue;
    const inputs = entry.inputs ?? {};
    // The generated usage block shows placeholders for required inputs.
    if (Object.values(inputs).some((value) => typeof value === 'string' && value.startsWith('<'))) continue;
    try {
      for (const [name, job] of Object.entries(
        renderComponentInclude(template, inputs, { name: 'image-bump', sha, version: null, reference: sha }),
      )) {
        if (rendered.has(name)) problems.push(`two includes make the job ${name}`);
        rendered.add(name);
        merged[name] = deepMerge(job, merged[name]);
      }
    } catch (error) {
      problems.push(`include of ${entry.component}: ${(error as Error).message}`);
    }
  }
  // A local definition without script or trigger must extend a job an include made.
  for (const [name, job] of Object.entries(config)) {
    if (
      name === 'include' ||
      name.startsWith('.') ||
      !isMap(job) ||
      ['stages', 'variables', 'workflow', 'default'].includes(name)
    )
      continue;
    if (!('script' in job) && !('trigger' in job) && !rendered.has(name))
      problems.push(`${name}: no script, and no include makes a job of that name`);
  }
  if (rendered.size > 0)
    problems.push(...ciSchemaErrors(merged).map((error) => `merged with the component's jobs: ${error}`));
  return problems;
}

describe.each(pages.filter((page) => yamlBlocks(read(page)).length > 0))('%s', (page) => {
  const blocks = yamlBlocks(read(page));
  it.each(blocks.map((block) => [block.line, block] as const))(
    'the YAML example at line %i is valid',
    (_line, block) => {
      expect(exampleProblems(block.text)).toEqual([]);
    },
  );
});

describe('the check', () => {
  it('finds the README examples: the quick start, four recipes, the mirror and the generated usage block', () => {
    expect(yamlBlocks(read('README.md')).length).toBeGreaterThanOrEqual(8);
  });

  it('refuses an unknown input, a wrong option, an override of a job no include makes, and an invalid job', () => {
    const include = (inputs: string) =>
      `include:\n  - component: $CI_SERVER_FQDN/g/p/image-bump@1.2.3\n    inputs:\n      target_env: prod\n${inputs}`;
    expect(exampleProblems(include('      app: x\n'))).toEqual([
      expect.stringContaining('unknown input name provided: `app`'),
    ]);
    expect(exampleProblems(include('      run_on: tags\n'))).toEqual([
      expect.stringContaining('`run_on` input: `tags` is not in the list of allowed options'),
    ]);
    expect(exampleProblems(`${include('')}image-bump-staging:\n  needs: [build]\n`)).toEqual([
      'image-bump-staging: no script, and no include makes a job of that name',
    ]);
    expect(exampleProblems('build:\n  script: 42\n').length).toBeGreaterThan(0);
  });
});
