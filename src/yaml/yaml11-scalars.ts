/**
 * Which plain scalars a YAML 1.1 reader takes for something other than a string. kustomize and Helm
 * read YAML with go-yaml, which still resolves the 1.1 forms: `on`, `yes`, `y`, `off`, `1_000`, `0b101`,
 * `012`, `1e3`, `1:20` (base 60), `2024-01-02`, `~`, `.inf`, `<<`. A tag or name written that way must be
 * quoted, or `newTag: on` arrives as `true` (and kustomize refuses the overlay).
 */
const YAML11_NON_STRINGS: readonly RegExp[] = [
  /^(?:~|null|Null|NULL)$/,
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  // Integers: decimal (leading zeros read as octal), 0b, 0o, 0x, with "_" anywhere after the sign.
  /^[-+]?(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$/,
  // go-yaml hands what is not an integer to Go's ParseFloat, which also reads hexadecimal floats.
  /^[-+]?0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*[pP][-+]?[0-9_]+$/,
  // Base 60 integers and floats.
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  // An exponent without a mantissa (`e3`): not a number to go-yaml, but one to other YAML 1.1 readers.
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::\d{2})?))?)?$/,
  /^(?:<<|=)$/,
];

/** True when `value`, written as a plain scalar, would not read back as the same string in YAML 1.1 (or is empty). */
export function needsQuotesForYaml11(value: string): boolean {
  return value === '' || YAML11_NON_STRINGS.some((pattern) => pattern.test(value));
}
