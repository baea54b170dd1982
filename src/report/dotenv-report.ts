import { accessSync, constants, openSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../failures/errors.js';
import { isChanged, mergeRequestOf, pushedCommitOf, pushTargetOf, type Outcome } from './outcome.js';
import { redact } from '../failures/redact.js';

/**
 * The dotenv report for later jobs (`artifacts: reports: dotenv:`), from the run's outcome, or null
 * when the run failed. GitLab's rules: one NAME=value a line, no blank lines, comments, quotes, spaces
 * or line breaks in values.
 */
export function dotenvReport(outcome: Outcome | null): string {
  const variables: [string, string][] = [
    ['BUMP_CHANGED', String(outcome !== null && isChanged(outcome))],
    ['BUMP_OUTCOME', outcome?.kind ?? 'failed'],
  ];
  if (outcome) {
    const mergeRequest = mergeRequestOf(outcome);
    variables.push(
      ['BUMP_COMMIT_SHA', pushedCommitOf(outcome) ?? ''],
      ['BUMP_BRANCH', pushTargetOf(outcome)?.branch ?? ''],
    );
    const { changes } = outcome;
    if (changes.length <= 1) {
      variables.push(
        ['BUMP_PREVIOUS_IMAGE', changes[0]?.previousImage ?? ''],
        ['BUMP_NEW_IMAGE', changes[0]?.newImage ?? ''],
      );
    } else {
      variables.push(['BUMP_CHANGE_COUNT', String(changes.length)]);
      changes.forEach((change, index) => {
        variables.push(
          [`BUMP_PREVIOUS_IMAGE_${index + 1}`, change.previousImage ?? ''],
          [`BUMP_NEW_IMAGE_${index + 1}`, change.newImage],
        );
      });
    }
    variables.push(
      ['BUMP_MERGE_REQUEST_BRANCH', mergeRequest?.branch ?? ''],
      ['BUMP_MERGE_REQUEST_URL', mergeRequest?.url ?? ''],
    );
    // verified: every new image was found; not-verified: the registry could not confirm one (warn mode).
    // Left out when no image was asked about (only images the plan knew, and it changed nothing).
    if (outcome.verified && outcome.verified.length > 0)
      variables.push([
        'BUMP_IMAGE_VERIFIED',
        outcome.verified.every((image) => image.status === 'verified') ? 'verified' : 'not-verified',
      ]);
  }
  return redact(variables.map(([name, value]) => `${name}=${value.replace(/[\s"'#]+/g, '')}`).join('\n') + '\n');
}

/** Synchronous, so that a signal handler can write the report on its way out. */
export function writeReport(file: string, outcome: Outcome | null): void {
  writeFileSync(file, dotenvReport(outcome));
}

/**
 * The report is written at the very end, after the push: a path that cannot be written is refused
 * before anything is cloned. Nothing is created here; an existing file is opened (not changed) to be sure.
 */
export function assertReportWritable(file: string): void {
  const refuse = (problem: string, hint: string) =>
    new UsageError(`cannot write the report ${file}: ${problem}`, { hint });
  const elsewhere =
    'Pass --report (IMAGE_BUMP_REPORT) a file in a directory the job can write to, e.g. image-bump.env in the working directory.';
  try {
    const existing = statOrUndefined(file);
    if (existing?.isDirectory())
      throw refuse('it is a directory', `Name a file, e.g. ${file.replace(/\/+$/, '')}/image-bump.env.`);
    if (existing) {
      closeSync(openSync(file, 'a'));
      return;
    }
    const dir = dirname(file);
    const parent = statOrUndefined(dir);
    if (!parent)
      throw refuse(`directory ${dir} does not exist`, `Create ${dir} first (nothing creates it), or: ${elsewhere}`);
    if (!parent.isDirectory()) throw refuse(`${dir} is not a directory`, elsewhere);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw refuse(`${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, elsewhere);
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw error;
  }
}
