import { runEdit } from './edit.js';
import { helpText } from './help.js';
import { createOutput } from './output.js';
import { runPush, type PushResult } from './push.js';
import { jsonSummary, writeReport } from './report.js';
import { readSettings, type PushSettings } from './settings.js';
import { editSummary, pushSummary } from './summary.js';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'development';

export async function main(argv: readonly string[]): Promise<number> {
  const output = createOutput();
  let push: PushSettings | undefined;
  let result: PushResult | undefined;
  try {
    const settings = readSettings(argv);
    switch (settings.command) {
      case 'help':
        output.info(helpText(settings.topic));
        return 0;
      case 'version':
        output.info(VERSION);
        return 0;
      case 'edit': {
        const plan = await runEdit(settings);
        for (const skipped of plan.skippedDowngrades) output.warn(`not downgrading ${skipped} (--on-downgrade skip)`);
        output.summary(editSummary(plan));
        return 0;
      }
      case 'push': {
        push = settings;
        result = await runPush(settings, output);
        output.summary(settings.json ? jsonSummary(result) : pushSummary(result));
        return 0;
      }
    }
    return 2;
  } catch (error) {
    return output.error(error);
  } finally {
    // Written on failure too (GitLab uploads the report either way), saying nothing changed.
    if (push?.reportFile) await writeReport(push.reportFile, result).catch((error: Error) => output.warn(`could not write ${push!.reportFile}: ${error.message}`));
  }
}

process.exitCode = await main(process.argv.slice(2));
