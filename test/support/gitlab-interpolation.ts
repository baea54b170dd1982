/**
 * A component include as GitLab renders it, for tests that must not take gitlab-ci-local's word for it:
 * the inputs GitLab resolves (defaults, type, options, regex), the component context it provides for
 * each include form, and its interpolation of `$[[ … ]]` blocks
 * (`lib/gitlab/ci/config/interpolation/template.rb`): every string of the body, keys included; a string
 * that is one block and nothing else takes the value with its type, a block inside a longer string takes
 * the value as text (null as ''). Then the runner's expansion of `$VARIABLES` in a job's `image:`.
 * Interpolation functions (`| expand_vars` …) are not modelled: a block using one is an error here.
 */
import { parseAllDocuments } from 'yaml';
import { valueType, type InputType } from './gitlab-header-rules.js';

const BLOCK = /\$\[\[\s*(\S.*?\S)\s*\]\]/g;
const MAX_ACCESS_OBJECTS = 5;

export interface ComponentContext {
  name: string;
  sha: string;
  /** The released version the include resolved to; null for a commit SHA or a branch. */
  version: string | null;
  /** What the include wrote after `@`. */
  reference: string;
}

export interface Release {
  version: string;
  sha: string;
}

/**
 * What `$[[ component.* ]]` holds for `<name>@<reference>`, per GitLab's documentation of
 * `spec:component`: a full or partial version and `~latest` resolve to a published release (here,
 * the latest matching one; `releases` are in release order); a commit SHA or a branch has no version.
 */
export function componentContext(
  name: string,
  reference: string,
  repository: { releases: Release[]; branches: Record<string, string> },
): ComponentContext {
  // GitLab tries a commit SHA first, then a version, then a branch.
  if (/^[0-9a-f]{40}$/.test(reference)) return { name, sha: reference, version: null, reference };
  if (/^(~latest|\d+(\.\d+){0,2})$/.test(reference)) {
    const matching = repository.releases.filter(
      ({ version }) => reference === '~latest' || version === reference || version.startsWith(`${reference}.`),
    );
    const release = matching.at(-1);
    if (!release) throw new Error(`no published release matches @${reference}`);
    return { name, sha: release.sha, version: release.version, reference };
  }
  const tip = repository.branches[reference];
  if (!tip) throw new Error(`@${reference} is neither a release, a commit SHA nor a branch`);
  return { name, sha: tip, version: null, reference };
}

interface InputSpec {
  type?: InputType;
  default?: unknown;
  options?: unknown[];
  regex?: string;
}

/** The inputs GitLab passes to interpolation: given values, else defaults; refused like GitLab refuses them. */
export function resolveInputs(
  specInputs: Record<string, InputSpec | null>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  for (const name of Object.keys(given))
    if (!(name in specInputs)) throw new Error(`unknown input name provided: \`${name}\``);
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specInputs)) {
    const type = spec?.type ?? 'string';
    const value = name in given ? given[name] : spec?.default;
    if (value === undefined) throw new Error(`\`${name}\` input: required value has not been provided`);
    if (value === null && !(name in given)) {
      resolved[name] = null; // `default: null`: optional, without a value
      continue;
    }
    if (valueType(value) !== type) throw new Error(`\`${name}\` input: provided value is not a ${type}`);
    if (spec?.options && !spec.options.includes(value))
      throw new Error(`\`${name}\` input: \`${String(value)}\` is not in the list of allowed options`);
    if (spec?.regex !== undefined && !new RegExp(spec.regex).test(value as string))
      throw new Error(`\`${name}\` input: provided value does not match required RegEx pattern`);
    resolved[name] = value;
  }
  return resolved;
}

export interface InterpolationContext {
  inputs: Record<string, unknown>;
  /** Only the fields the template lists in `spec:component` are there. */
  component?: Partial<ComponentContext>;
}

/** `node` with every `$[[ … ]]` block replaced, as GitLab does it. */
export function interpolate(node: unknown, context: InterpolationContext): unknown {
  if (typeof node === 'string') return interpolateString(node, context);
  if (Array.isArray(node)) return node.map((item) => interpolate(item, context));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [String(interpolate(key, context)), interpolate(value, context)]),
    );
  }
  return node;
}

function interpolateString(text: string, context: InterpolationContext): unknown {
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length === 0) return text;
  if (blocks.length === 1 && blocks[0]![0] === text) return access(blocks[0]![1]!, context);
  return text.replace(BLOCK, (_block, data: string) => asText(access(data, context)));
}

function access(data: string, context: InterpolationContext): unknown {
  if (data.includes('|')) throw new Error(`interpolation functions are not modelled here: \`${data}\``);
  const objects = data.split('.');
  if (objects.length <= 1 || objects.length > MAX_ACCESS_OBJECTS)
    throw new Error(`invalid interpolation access pattern: \`${data}\``);
  let value: unknown = context;
  for (const key of objects) {
    if (!value || typeof value !== 'object' || !(key in value))
      throw new Error(`unknown interpolation key: \`${key}\``);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Ruby's `to_s`, which GitLab applies to a value interpolated inside a longer string. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return inspect(value);
  return String(value);
}

/** Ruby's `inspect` (what `to_s` of an array is made of), for the values YAML gives. */
function inspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `[${value.map(inspect).join(', ')}]`;
  // Ruby escapes a string like JSON does for the characters input values hold in practice.
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/**
 * The runner's expansion of `$NAME` and `${NAME}` (in `image:` for example): job variables may refer to
 * other variables; an unknown name becomes ''.
 */
export function expandVariables(text: string, variables: Record<string, string>, depth = 0): string {
  if (depth > 10) throw new Error(`variables refer to each other in a loop: ${text}`);
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_match, braced?: string, plain?: string) => {
      const value = variables[(braced ?? plain)!];
      return value === undefined ? '' : expandVariables(value, variables, depth + 1);
    },
  );
}

/**
 * The jobs a component include adds to a pipeline, rendered as GitLab renders them: `templateText` is
 * the template file, `given` the include's `inputs:`, `component` what GitLab knows of the include (only
 * the fields the template declares in `spec:component` reach it).
 */
export function renderComponentInclude(
  templateText: string,
  given: Record<string, unknown>,
  component: ComponentContext,
): Record<string, unknown> {
  const [header, body] = parseAllDocuments(templateText).map((document) => document.toJS()) as [
    { spec: { inputs: Record<string, InputSpec | null>; component?: (keyof ComponentContext)[] } },
    unknown,
  ];
  const inputs = resolveInputs(header.spec.inputs, given);
  const declared = header.spec.component;
  const context: InterpolationContext = declared
    ? { inputs, component: Object.fromEntries(declared.map((field) => [field, component[field]])) }
    : { inputs };
  return interpolate(body, context) as Record<string, unknown>;
}
