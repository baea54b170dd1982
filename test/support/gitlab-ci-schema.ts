/**
 * GitLab's CI/CD configuration schema (the one its pipeline editor validates with; see
 * test/fixtures/README.md), compiled with ajv.
 */
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { readFileSync } from 'node:fs';

const schema = JSON.parse(readFileSync(new URL('../fixtures/gitlab-ci.schema.json', import.meta.url), 'utf8'));
// strict: false because the schema uses keywords of GitLab's editor (`markdownDescription`) and
// if/then chains without types that ajv's strict mode refuses; it still validates everything else.
const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS: under NodeNext its default export is the module object.
(formats as unknown as { default: (ajv: Ajv) => void }).default(ajv);
const validate = ajv.compile(schema);

/** The schema's objections to a parsed CI/CD configuration, one `path: message` line each. */
export function ciSchemaErrors(config: unknown): string[] {
  if (validate(config)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}`);
}
