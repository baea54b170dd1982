/**
 * A `WWW-Authenticate` header (RFC 9110 §11.6.1) read into its challenges: a scheme, then `name=value`
 * parameters whose values are tokens or quoted strings (with `\` escapes, commas and `=` inside). Several
 * challenges may share one header, separated by commas like the parameters themselves.
 */
export interface Challenge {
  /** Lowercased: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lowercased. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SPACE = /[ \t]*/y;
/** Unquoted values are read up to the next comma or space: some servers leave a URL unquoted. */
const BARE_VALUE = /[^\s,"]+/y;

export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let at = 0;
  const skip = (pattern: RegExp) => {
    pattern.lastIndex = at;
    const match = pattern.exec(header);
    if (match) at += match[0].length;
    return match?.[0];
  };
  const skipSeparators = () => {
    while (at < header.length && /[ \t,]/.test(header[at]!)) at++;
  };
  skipSeparators();
  while (at < header.length) {
    const scheme = skip(TOKEN);
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    skip(SPACE);
    for (;;) {
      const start = at;
      const name = skip(TOKEN);
      skip(SPACE);
      if (!name || header[at] !== '=') {
        at = start; // the next challenge's scheme (or the token68 form, which registries do not use)
        break;
      }
      at++;
      skip(SPACE);
      const value = header[at] === '"' ? quoted() : (skip(BARE_VALUE) ?? '');
      challenge.params[name.toLowerCase()] = value;
      skip(SPACE);
      if (header[at] !== ',') break;
      skipSeparators();
    }
    skipSeparators();
  }
  return challenges;

  function quoted(): string {
    let value = '';
    at++; // the opening quote
    while (at < header.length && header[at] !== '"') {
      if (header[at] === '\\' && at + 1 < header.length) at++;
      value += header[at++];
    }
    at++; // the closing quote
    return value;
  }
}
