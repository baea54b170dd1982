import { parseArgs } from 'node:util';
import { UsageError } from '../failures/errors.js';
import { closest } from './closest.js';
import { environmentName, OPTIONS, optionsOf, type OptionName, type OptionSpec } from './options.js';

export type Values = Partial<Record<OptionName, string | string[] | boolean>>;

/** The flags of one command, parsed strictly: an unknown option or a stray argument is a UsageError. */
export function parseFlags(command: Command, args: string[]): Values {
  assertReadableArguments(command, args);
  const options = Object.fromEntries(
    optionsOf(command).map((name) => {
      const spec: OptionSpec = OPTIONS[name];
      return [name, { type: spec.type, multiple: spec.multiple ?? false, ...(name === 'help' ? { short: 'h' } : {}) }];
    }),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch {
    // assertReadableArguments has named every case Node's parser refuses; its own wording is never shown.
    throw new UsageError(`the arguments of ${command} could not be read`, { hint: helpHint(command) });
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`, {
      hint: 'Images are given with --image NAME=IMAGE (repeatable); see --help.',
    });
  }
  return parsed.values;
}

type Command = 'push' | 'edit';

const helpHint = (command: Command) => `See \`gitops-image-bump ${command} --help\` for its options.`;

/** Each option known to `command`, each string option followed by its value, each boolean one without. */
function assertReadableArguments(command: Command, args: readonly string[]): void {
  const own: readonly string[] = optionsOf(command);
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') return;
    if (!arg.startsWith('-') || arg === '-' || arg === '-h') continue;
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const name = flag.slice(2);
    if (!flag.startsWith('--') || !own.includes(name)) throw unknownOptionError(command, flag);
    const spec: OptionSpec = OPTIONS[name as OptionName];
    if (spec.type === 'boolean' && equals !== -1) {
      throw new UsageError(`${flag} takes no value`, {
        hint: `Write ${flag} alone to turn it on, and leave it out to keep it off.`,
      });
    }
    if (spec.type === 'string' && equals === -1) {
      const next = args[index + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw missingValueError(name as OptionName);
      index++;
    }
  }
}

/** `--dri` on edit: the nearest option of that command, or the command the option belongs to. */
export function unknownOptionError(command: Command, flag: string): UsageError {
  const name = flag.replace(/^-+/, '');
  // A flag with spaces or control characters is quoted, so the error stays one readable line.
  const shown = /^-{1,2}[\w.-]+$/.test(flag) ? flag : JSON.stringify(flag);
  const other: Command = command === 'push' ? 'edit' : 'push';
  const ofOther = (option: string | undefined) =>
    option !== undefined && (optionsOf(other) as readonly string[]).includes(option);
  if (ofOther(name)) {
    return new UsageError(`--${name} is an option of ${other}, not ${command}`, {
      hint:
        command === 'edit'
          ? 'edit changes files in the working directory and never talks to GitLab; use push to clone, commit and push. ' +
            helpHint(command)
          : `push works on the GitOps repository it clones; ${other}'s local options have no meaning there. ${helpHint(command)}`,
    });
  }
  const nearOwn = closest(name, optionsOf(command));
  if (nearOwn)
    return new UsageError(`unknown option ${shown}`, { hint: `did you mean --${nearOwn}? ${helpHint(command)}` });
  const nearOther = closest(name, optionsOf(other));
  return new UsageError(`unknown option ${shown}`, {
    hint: nearOther ? `did you mean --${nearOther}? It is an option of ${other}, not ${command}.` : helpHint(command),
  });
}

/** `--image` as the last argument, or followed by another option. */
export function missingValueError(name: OptionName): UsageError {
  const spec: OptionSpec = OPTIONS[name];
  return new UsageError(`--${name} needs a value`, {
    hint: `Write it as --${name} ${spec.value ?? 'VALUE'}; a value that starts with "-" is written --${name}=VALUE.`,
  });
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
