import { parseArgs } from 'node:util';
import { UsageError } from '../failures/errors.js';
import { environmentName, OPTIONS, type OptionName } from './options.js';

export type Values = Partial<Record<OptionName, string | string[] | boolean>>;

/** The flags of one command, parsed strictly: an unknown option or a stray argument is a UsageError. */
export function parseFlags(command: 'push' | 'edit', args: string[]): Values {
  const options = Object.fromEntries(
    Object.entries(OPTIONS)
      .filter(([, spec]) => (spec.commands as readonly string[]).includes(command))
      .map(([name, spec]) => [name, { type: spec.type, multiple: 'multiple' in spec ? spec.multiple : false }]),
  );
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument "${positionals[0]}"`, {
        hint: 'Images are given with --image NAME=IMAGE (repeatable); see --help.',
      });
    }
    return values;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/^Unknown option/, 'unknown option'), {
      hint: `See \`gitops-image-bump ${command} --help\`.`,
    });
  }
}

/** One option's value: the flag if given (the last of repeated ones), else its `IMAGE_BUMP_*` variable. */
export interface Reader {
  one(name: OptionName): string | undefined;
  many(name: OptionName): string[];
  flag(name: OptionName): boolean;
  source(name: OptionName): string;
}

export function reader(values: Values, env: NodeJS.ProcessEnv): Reader {
  const fromEnv = (name: OptionName) => {
    const value = env[environmentName(name)];
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    one: (name) => {
      const value = values[name];
      if (Array.isArray(value)) return value.at(-1);
      return typeof value === 'string' ? value : fromEnv(name);
    },
    // A flag and its IMAGE_BUMP_* variable take the same forms: each value may be a JSON array or a list.
    many: (name) => {
      const value = values[name];
      const given = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [fromEnv(name)];
      return given.flatMap((raw) => (raw === undefined ? [] : splitList(raw)));
    },
    flag: (name) => {
      if (values[name] === true) return true;
      const raw = fromEnv(name);
      if (raw === undefined) return false;
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new UsageError(`${environmentName(name)} must be true or false, not "${raw}"`);
    },
    source: (name) => (values[name] !== undefined ? `--${name}` : environmentName(name)),
  };
}

export function oneOf<T extends string>(read: Reader, name: OptionName, allowed: readonly T[], fallback: T): T {
  const value = read.one(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${read.source(name)} must be ${allowed.join(' or ')}, not ${JSON.stringify(value)}`);
  }
  return value as T;
}

/**
 * `--json` and `--report` as far as they can be read from arguments that may not parse: a run that
 * fails on its own arguments still ends with the JSON object and the report. The report belongs to
 * `push` (and to a command that could not be read, which is most likely a mistyped push).
 */
export function endSettingsFromRawArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { json: boolean; reportFile?: string } {
  const json = argv.includes('--json') || /^(true|1|yes)$/i.test(env[environmentName('json')] ?? '');
  const command = argv[0];
  if (command === undefined || ['edit', 'help', '--help', '-h', '--version', '-v'].includes(command)) return { json };
  let reportFile = env[environmentName('report')] || undefined;
  argv.forEach((arg, index) => {
    if (arg === '--report' && argv[index + 1] !== undefined) reportFile = argv[index + 1];
    else if (arg.startsWith('--report=')) reportFile = arg.slice('--report='.length);
  });
  return { json, reportFile: reportFile || undefined };
}

/** A list given as a JSON array (GitLab's rendering of an array input) or separated by commas or newlines. */
export function splitList(raw: string): string[] {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map((item) => String(item).trim()).filter(Boolean);
    } catch {
      // not JSON after all: fall through to the plain separators
    }
  }
  return trimmed
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
}
