/**
 * Text from outside (a registry's error, a merge request title) on one line for a message or a push
 * option: line breaks, tabs and other control characters become one space, and it is cut to `limit`
 * characters, the last one an ellipsis.
 */
export function singleLine(text: string, limit = 1000): string {
  const flat = text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}
