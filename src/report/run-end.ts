import { jsonSummary } from './json-summary.js';
import type { Outcome } from './outcome.js';
import { failureOf, type Output } from '../failures/output.js';
import { writeReport } from './dotenv-report.js';
import { textSummary } from './summary.js';

/** How a run ends: with an outcome (null for --help and --version), or with an error. */
export type Ending = { outcome: Outcome | null } | { error: unknown };

export interface EndSettings {
  json: boolean;
  /** The dotenv report, written on every exit of a push. */
  reportFile?: string;
}

export interface RunEnd {
  /** Replaces what was guessed from the raw arguments with the settings as read. */
  configure(settings: Partial<EndSettings>): void;
  /**
   * Ends the run, once: the error (stderr) or the text summary, the report, and with --json one JSON
   * object as the last line of stdout. Synchronous, so a signal handler can call it and exit with the
   * code it returns. Later calls change nothing and return the first call's exit code.
   */
  finish(ending: Ending): number;
}

export function createRunEnd(output: Output, initial: EndSettings): RunEnd {
  const settings: EndSettings = { ...initial };
  let exitCode: number | undefined;
  return {
    configure(next) {
      Object.assign(settings, next);
    },
    finish(ending) {
      if (exitCode !== undefined) return exitCode;
      const failure = 'error' in ending ? failureOf(ending.error) : undefined;
      const outcome = 'outcome' in ending ? ending.outcome : null;
      exitCode = failure?.exitCode ?? 0;
      if ('error' in ending) output.error(ending.error);
      if (settings.reportFile) {
        try {
          writeReport(settings.reportFile, outcome);
        } catch (error) {
          output.warn(`could not write the report ${settings.reportFile}: ${(error as Error).message}`);
        }
      }
      if (settings.json) output.summary(jsonSummary(outcome, failure));
      else if (outcome) output.summary(textSummary(outcome));
      return exitCode;
    },
  };
}
