export interface MessageChange {
  name: string;
  previousImage?: string;
  newImage: string;
  dir: string;
  env?: string;
}

/**
 * The commit message: the template as the subject (placeholders joined over all changes) and, when
 * more than one change is made, one body line per change.
 */
export function commitMessage(
  template: string,
  changes: readonly MessageChange[],
  trailers: readonly string[] = [],
): string {
  const unique = (values: (string | undefined)[]) =>
    [...new Set(values.filter((v): v is string => Boolean(v)))].join(', ');
  const subject = template
    .replace(/\{name\}/g, unique(changes.map((c) => c.name)))
    .replace(/\{image\}/g, unique(changes.map((c) => c.newImage)))
    .replace(/\{previous\}/g, unique(changes.map((c) => c.previousImage)))
    .replace(/\{env\}/g, unique(changes.map((c) => c.env ?? c.dir)))
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const body =
    changes.length > 1
      ? changes.map((c) => `- ${c.name} in ${c.dir}: ${c.previousImage ?? '(not set)'} -> ${c.newImage}`)
      : [];
  return [subject, body.join('\n'), trailers.join('\n')].filter(Boolean).join('\n\n') + '\n';
}
