import { runEdit } from './edit.js';
import { helpText } from './help.js';
import { createOutput } from './output.js';
import { runPush } from './push.js';
import { readSettings } from './settings.js';
import { editSummary, pushSummary } from './summary.js';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'development';

export async function main(argv: readonly string[]): Promise<number> {
  const output = createOutput();
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
        const result = await runPush(settings, output);
        output.summary(pushSummary(result));
        return 0;
      }
    }
  } catch (error) {
    return output.error(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
