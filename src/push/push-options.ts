import type { MergeRequestSettings } from '../settings/types.js';

/** GitLab reads push option values as single lines: anything else would cut the option short. */
export function singleLine(text: string, limit = 1000): string {
  const flat = text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

export function ciOptions(skipCi: boolean): string[] {
  return skipCi ? ['ci.skip'] : [];
}

/** The push options that make GitLab open (or update) the merge request in the same push. */
export function mergeRequestOptions(
  settings: MergeRequestSettings,
  target: string,
  title: string,
  description: string,
): string[] {
  const options = [
    'merge_request.create',
    `merge_request.target=${target}`,
    `merge_request.title=${singleLine(title, 255)}`,
    `merge_request.description=${singleLine(description)}`,
    'merge_request.remove_source_branch',
    ...settings.labels.map((label) => `merge_request.label=${singleLine(label, 255)}`),
  ];
  if (settings.draft) options.push('merge_request.draft');
  if (settings.autoMerge) options.push(`merge_request.${settings.autoMerge}`);
  return options;
}

/** The merge request link GitLab prints in its `remote:` lines, if any. */
export function mergeRequestLink(serverOutput: string): string | undefined {
  return /https?:\/\/\S+\/-\/merge_requests\/\d+/.exec(serverOutput)?.[0];
}
