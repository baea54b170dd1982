#!/usr/bin/env node
// Generates the README's component documentation from templates/image-bump.yml, so it cannot drift:
// the inputs table (between <!-- inputs:start --> and <!-- inputs:end -->) and the block listing every
// input with its default (between <!-- usage:start --> and <!-- usage:end -->).
//
//   node scripts/docs.mjs                    rewrite README.md
//   node scripts/docs.mjs --check            exit 1 when README.md is not up to date
//   node scripts/docs.mjs --readme FILE ...  another file (tests)
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';

const root = new URL('../', import.meta.url);
export const TEMPLATE = new URL('templates/image-bump.yml', root);

/** The template's `spec:` header. */
export function readSpec(text) {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.length !== 2)
    throw new Error('the template must be two YAML documents: spec, ---, jobs');
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`the template is not valid YAML: ${document.errors[0].message}`);
  }
  const header = documents[0].toJS();
  if (!header?.spec?.inputs) throw new Error('the template has no spec: inputs:');
  return header.spec;
}

const code = (value) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === '') return "`''`";
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
};
const cell = (text) =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
/** Outside code spans, `<` would start raw HTML in Markdown. */
const prose = (text) =>
  text
    .split(/(`[^`]*`)/)
    .map((part, index) => (index % 2 ? part : part.replace(/</g, '&lt;')))
    .join('');

/** The Markdown table of inputs, one row per input in template order. */
export function inputsTable(spec) {
  const rows = ['| name | type | default | options / regex | description |', '|---|---|---|---|---|'];
  for (const [name, input] of Object.entries(spec.inputs)) {
    const type = input.type ?? 'string';
    const fallback = 'default' in input ? code(input.default) : '**required**';
    const allowed = input.options ? input.options.map(code).join(', ') : input.regex ? code(input.regex) : '';
    rows.push(
      `| ${cell(code(name))} | ${type} | ${cell(fallback)} | ${cell(allowed)} | ${cell(prose(input.description ?? ''))} |`,
    );
  }
  return rows.join('\n');
}

function yamlValue(value) {
  if (typeof value !== 'string') return JSON.stringify(value);
  if (value === '') return "''";
  return /^[A-Za-z0-9_$.][A-Za-z0-9_$./-]*$/.test(value) ? value : JSON.stringify(value);
}

/** The component's address: it lives in the project whose registry holds the default runner image. */
export function componentReference(spec) {
  const project =
    String(spec.inputs.runner_image?.default ?? '').replace(/^\$CI_REGISTRY\//, '') || '<group>/<project>';
  return `$CI_SERVER_FQDN/${project}/image-bump@1.2.3`;
}

/** An `include:` with every input: required ones as placeholders, the others at their defaults. */
export function usageBlock(spec) {
  const lines = ['```yaml', 'include:', `  - component: ${componentReference(spec)}`, '    inputs:'];
  for (const [name, input] of Object.entries(spec.inputs)) {
    const value = 'default' in input ? yamlValue(input.default) : '<required>';
    lines.push(`      ${name}: ${value}`);
  }
  lines.push('```');
  return lines.join('\n');
}

/** `text` with the lines between `<!-- name:start -->` and `<!-- name:end -->` replaced by `content`. */
export function replaceBetween(text, name, content) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`the README has no ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

export function render(readme, templateText) {
  const spec = readSpec(templateText);
  let text = replaceBetween(readme, 'inputs', inputsTable(spec));
  if (text.includes('<!-- usage:start -->')) text = replaceBetween(text, 'usage', usageBlock(spec));
  return text;
}

async function main() {
  const { values } = parseArgs({ options: { check: { type: 'boolean' }, readme: { type: 'string' } } });
  const readmeUrl = values.readme ? new URL(values.readme, `file://${process.cwd()}/`) : new URL('README.md', root);
  const [readme, template] = await Promise.all([readFile(readmeUrl, 'utf8'), readFile(TEMPLATE, 'utf8')]);
  const fresh = render(readme, template);
  if (values.check) {
    if (fresh !== readme) {
      console.error('README.md is out of date with templates/image-bump.yml: run `npm run docs` and commit README.md.');
      process.exitCode = 1;
    }
    return;
  }
  if (fresh !== readme) await writeFile(readmeUrl, fresh);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main().catch((error) => {
    console.error(`docs: ${error.message}`);
    process.exitCode = 2;
  });
}
