import { environmentName, inputName, OPTIONS, type OptionName } from './options.js';

/**
 * How a hint names an option, in the words of the run: given as a flag, the flag; set by the CI/CD
 * component (which always sets IMAGE_BUMP_TOKEN_VARIABLE), its input (`token_variable`); set by a
 * hand-written job's IMAGE_BUMP_* variable, that variable. The component user never typed a flag.
 */
export function optionWords(argv: readonly string[], env: NodeJS.ProcessEnv): (name: OptionName) => string {
  const fromComponent = env[environmentName('token-variable')] !== undefined;
  return (name) => {
    const flag = `--${name}`;
    if (argv.some((arg) => arg === flag || arg.startsWith(`${flag}=`))) return flag;
    const input = inputName(name);
    if (fromComponent && input) return `the ${input} input`;
    return env[environmentName(name)] ? environmentName(name) : flag;
  };
}

/** Every `--option` a hint names, in the words of the run (see optionWords); `--option VALUE` reads "… set to VALUE". */
export function hintInRunWords(hint: string, argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const words = optionWords(argv, env);
  return hint
    .replace(
      /--([a-z][a-z-]*[a-z])(?![\w=-])( (?=[A-Z][A-Z0-9_]*\b|https?:\/\/|[a-z0-9-]+\/[a-z0-9/.-]+))?/g,
      (whole, name: string, value: string | undefined) => {
        if (!(name in OPTIONS)) return whole;
        const said = words(name as OptionName);
        if (said.startsWith('--')) return whole;
        return value ? `${said} set to ` : said;
      },
    )
    .replace(/(the (\w+) input) \(the \2 input, /g, '$1 (');
}
