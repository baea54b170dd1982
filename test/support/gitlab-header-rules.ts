/**
 * The checks GitLab runs on a component template's header (`spec:`) before it accepts an include, as
 * GitLab's own code has them (`lib/gitlab/ci/config/header/{root,spec,component,input}.rb` and the
 * input types of `lib/gitlab/ci/config/interpolation/inputs/`), plus the GitLab version that first
 * accepts each keyword, so that a template is checked against the oldest GitLab it claims to support.
 * gitlab-ci-local is more lenient on every point, so its acceptance proves nothing here.
 */
import { nonPortableWhitespace, re2Incompatibilities } from './re2-compat.js';

/** A GitLab release, `[major, minor]`. */
export type GitLabVersion = readonly [number, number];

export const formatVersion = ([major, minor]: GitLabVersion) => `${major}.${minor}`;
const atLeast = (version: GitLabVersion, since: GitLabVersion) =>
  version[0] > since[0] || (version[0] === since[0] && version[1] >= since[1]);

/** `spec:` keys and the GitLab version that accepts each in a component. */
export const SPEC_KEYWORDS: Record<string, GitLabVersion> = {
  inputs: [15, 11],
  // GitLab 18.6 had it as a beta behind a flag; 18.7 made it generally available.
  component: [18, 7],
  // GitLab issue 588286 (MR !221595).
  description: [18, 10],
};
/**
 * `spec:include` passes the header's key check, but GitLab's documentation refuses it in components
 * ("You cannot use spec:include in CI/CD components"), and it sits behind the `ci_file_inputs` flag.
 */
const SPEC_KEYS_NOT_FOR_COMPONENTS = ['include'];

/** Input keys. */
export const INPUT_KEYWORDS = ['default', 'description', 'options', 'regex', 'type', 'rules'];
/** Input keys newer than GitLab 17, and the GitLab version that accepts each (GitLab issue 582671). */
const INPUT_KEYWORDS_SINCE: Record<string, GitLabVersion> = { rules: [18, 7] };
/** `options` on an array input (GitLab issue 566155). */
const ARRAY_OPTIONS_SINCE: GitLabVersion = [19, 0];

export const COMPONENT_FIELDS = ['name', 'sha', 'version', 'reference'];
export const INPUT_TYPES = ['string', 'number', 'boolean', 'array'] as const;
export type InputType = (typeof INPUT_TYPES)[number];
export const MAX_OPTIONS = 50;
export const MAX_DESCRIPTION = 1024;

const article = (type: string) => `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The input type a value has, as GitLab's input classes tell them apart. */
export function valueType(value: unknown): InputType | 'null' | 'object' {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return typeof value as InputType;
  return 'object';
}

export interface HeaderRulesOptions {
  /** The oldest GitLab the project says it supports. */
  minimumGitLab: GitLabVersion;
}

/**
 * Every reason GitLab (at `minimumGitLab`) would refuse this header, as `where: what` lines; empty when
 * it would accept it. Also refused: an input without an explicit `type` (GitLab defaults it to
 * string, but the CI schema of GitLab's pipeline editor then reads the input as every type at once).
 */
export function headerProblems(header: unknown, { minimumGitLab }: HeaderRulesOptions): string[] {
  const problems: string[] = [];
  if (!isRecord(header)) return ['header: must be a mapping with `spec:`'];
  for (const key of Object.keys(header))
    if (key !== 'spec') problems.push(`header: unknown key \`${key}\` (only \`spec\`)`);
  const spec = header.spec;
  if (!isRecord(spec)) return [...problems, 'spec: must be a mapping'];

  for (const key of Object.keys(spec)) {
    if (SPEC_KEYS_NOT_FOR_COMPONENTS.includes(key))
      problems.push(`spec: \`${key}\` cannot be used in a CI/CD component`);
    else if (!(key in SPEC_KEYWORDS)) problems.push(`spec: unknown key \`${key}\``);
    else if (!atLeast(minimumGitLab, SPEC_KEYWORDS[key]!)) {
      problems.push(
        `spec: \`${key}\` needs GitLab ${formatVersion(SPEC_KEYWORDS[key]!)}, but the documented minimum is ${formatVersion(minimumGitLab)}`,
      );
    }
  }
  if ('description' in spec && typeof spec.description !== 'string')
    problems.push('spec.description: must be a string');
  if ('component' in spec) {
    const fields = spec.component;
    if (
      !Array.isArray(fields) ||
      fields.some((field) => typeof field !== 'string' || !COMPONENT_FIELDS.includes(field))
    ) {
      problems.push(`spec.component: must be a list of ${COMPONENT_FIELDS.join(', ')}`);
    }
  }

  const inputs = spec.inputs;
  if (!isRecord(inputs) || Object.keys(inputs).length === 0)
    return [...problems, 'spec.inputs: must be a non-empty mapping'];
  for (const [name, input] of Object.entries(inputs))
    problems.push(...inputProblems(input, minimumGitLab).map((problem) => `spec.inputs.${name}: ${problem}`));
  return problems;
}

function inputProblems(input: unknown, minimumGitLab: GitLabVersion): string[] {
  // `name:` with nothing under it is a required string input: valid, but the type is implicit.
  if (input === null) return ['`type` is not written (write `type: string`)'];
  if (!isRecord(input)) return ['must be a mapping'];
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    const since = INPUT_KEYWORDS_SINCE[key];
    if (!INPUT_KEYWORDS.includes(key)) problems.push(`unknown key \`${key}\``);
    else if (since && !atLeast(minimumGitLab, since)) {
      problems.push(
        `\`${key}\` needs GitLab ${formatVersion(since)}, but the documented minimum is ${formatVersion(minimumGitLab)}`,
      );
    }
  }

  if (!('type' in input)) problems.push('`type` is not written (write `type: string`)');
  const type = (input.type ?? 'string') as InputType;
  // The checks below depend on the type.
  if (!INPUT_TYPES.includes(type))
    return [...problems, `type \`${String(input.type)}\` is not one of ${INPUT_TYPES.join(', ')}`];

  if ('description' in input) {
    if (typeof input.description !== 'string') problems.push('description: must be a string');
    else if (input.description.length > MAX_DESCRIPTION)
      problems.push(`description: ${input.description.length} characters, more than ${MAX_DESCRIPTION}`);
  }

  if ('rules' in input) {
    if (!Array.isArray(input.rules)) problems.push('rules: must be a list');
    if ('options' in input) problems.push('`rules` and `options` cannot be used together');
    if ('default' in input) problems.push('`rules` and `default` cannot be used together');
  }

  if ('options' in input) {
    const choices = input.options;
    if (!Array.isArray(choices)) problems.push('options: must be a list');
    else {
      if (choices.length > MAX_OPTIONS) problems.push(`options: ${choices.length} options, more than ${MAX_OPTIONS}`);
      if (type === 'boolean') problems.push('options: not for boolean inputs');
      if (type === 'array' && !atLeast(minimumGitLab, ARRAY_OPTIONS_SINCE)) {
        problems.push(
          `options: on an array input needs GitLab ${formatVersion(ARRAY_OPTIONS_SINCE)}, but the documented minimum is ${formatVersion(minimumGitLab)}`,
        );
      }
      if (type === 'string' || type === 'number') {
        for (const choice of choices)
          if (valueType(choice) !== type) problems.push(`options: ${JSON.stringify(choice)} is not ${article(type)}`);
      }
      if ('default' in input && input.default !== null && !choices.includes(input.default)) {
        problems.push(`default ${JSON.stringify(input.default)} is not among the options`);
      }
    }
  }

  if ('regex' in input) problems.push(...regexProblems(input, type));

  // `default: null` (an optional input without a value) is allowed for every type.
  if ('default' in input && input.default !== null && valueType(input.default) !== type) {
    problems.push(
      `default ${JSON.stringify(input.default)} is ${article(valueType(input.default))}, not ${article(type)}`,
    );
  }
  return problems;
}

function regexProblems(input: Record<string, unknown>, type: InputType): string[] {
  if (typeof input.regex !== 'string') return ['regex: must be a string'];
  if (type !== 'string') return [`regex: only for string inputs, not ${type}`];
  const incompatible = re2Incompatibilities(input.regex);
  if (incompatible.length > 0) return incompatible.map((reason) => `regex: ${reason}`);
  let pattern: RegExp;
  try {
    pattern = new RegExp(input.regex);
  } catch (error) {
    return [`regex: does not compile (${(error as Error).message})`];
  }
  if (typeof input.default !== 'string') return [];
  if (nonPortableWhitespace(input.default))
    return [`default ${JSON.stringify(input.default)} has whitespace RE2's \\s does not match`];
  if (!pattern.test(input.default)) return [`default ${JSON.stringify(input.default)} does not match its regex`];
  return [];
}
