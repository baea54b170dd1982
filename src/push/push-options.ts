import { singleLine } from '../failures/single-line.js';
import type { MergeRequestSettings } from '../settings/types.js';

export function ciOptions(skipCi: boolean): string[] {
  return skipCi ? ['ci.skip'] : [];
}

/**
 * The push options that make GitLab open (or update) the merge request in the same push. GitLab reads
 * their values as single lines: anything else would cut the option short.
 */
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
