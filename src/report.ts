import { writeFile } from 'node:fs/promises';
import type { PushResult } from './push.js';
import { changeRecords } from './summary.js';

/**
 * The dotenv report for later jobs (`artifacts: reports: dotenv:`). GitLab's rules: one NAME=value a
 * line, no blank lines, comments, quotes, spaces or line breaks in values.
 */
export function dotenvReport(result: PushResult | undefined): string {
  const variables: [string, string][] = [['BUMP_CHANGED', String(Boolean(result?.changed && !result.dryRun && !result.mergeRequest?.upToDate))]];
  if (result) {
    variables.push(['BUMP_COMMIT_SHA', result.dryRun ? '' : (result.commit ?? '')], ['BUMP_BRANCH', result.branch]);
    const changes = changeRecords(result.changed ? result.edits : []);
    if (changes.length <= 1) {
      variables.push(['BUMP_PREVIOUS_IMAGE', changes[0]?.previousImage ?? ''], ['BUMP_NEW_IMAGE', changes[0]?.newImage ?? '']);
    } else {
      variables.push(['BUMP_CHANGE_COUNT', String(changes.length)]);
      changes.forEach((change, index) => {
        variables.push([`BUMP_PREVIOUS_IMAGE_${index + 1}`, change.previousImage ?? ''], [`BUMP_NEW_IMAGE_${index + 1}`, change.newImage]);
      });
    }
    variables.push(['BUMP_MERGE_REQUEST_BRANCH', result.mergeRequest?.branch ?? ''], ['BUMP_MERGE_REQUEST_URL', result.mergeRequest?.url ?? '']);
  }
  return variables.map(([name, value]) => `${name}=${value.replace(/[\s"'#]+/g, '')}`).join('\n') + '\n';
}

export async function writeReport(file: string, result: PushResult | undefined): Promise<void> {
  await writeFile(file, dotenvReport(result));
}

export function jsonSummary(result: PushResult): string {
  return JSON.stringify({
    changed: result.changed,
    dryRun: result.dryRun,
    mode: result.mode,
    branch: result.branch,
    commit: result.commit ?? null,
    attempts: result.attempts,
    changes: changeRecords(result.changed ? result.edits : []),
    mergeRequest: result.mergeRequest ?? null,
  });
}
