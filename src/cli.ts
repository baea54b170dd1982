import { helpText } from './help.js';
import { createOutput } from './output.js';
import { runPush, type PushResult } from './push.js';
import { jsonSummary, writeReport } from './report.js';
import { registerSecret } from './redact.js';
import { readSettings, type PushSettings } from './settings.js';
import { exitCodeAfterSignals, installSignalHandlers } from './signals.js';
import { editSummary, pushSummary } from './summary.js';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'development';

export async function main(argv: readonly string[]): Promise<number> {
  const output = createOutput();
  let push: PushSettings | undefined;
  let result: PushResult | undefined;
  try {
    registerLikelyTokens(argv);
    const settings = readSettings(argv);
    switch (settings.command) {
      case 'help':
        output.info(helpText(settings.topic));
        return 0;
      case 'version':
        output.info(VERSION);
        return 0;
      case 'edit': {
        const { runEdit } = await import('./edit.js');
        const plan = await runEdit(settings, output);
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

/** Before any input is read (and possibly echoed in an error), the token is already known to redaction. */
function registerLikelyTokens(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const named = argv.flatMap((arg, index) => (arg === '--token-variable' ? [argv[index + 1]] : arg.startsWith('--token-variable=') ? [arg.slice(17)] : []));
  for (const name of ['GITLAB_PUSHER_TOKEN', env.IMAGE_BUMP_TOKEN_VARIABLE, ...named]) {
    const value = name ? env[name] : undefined;
    if (value) registerSecret(value.trim());
  }
}

installSignalHandlers();
process.exitCode = exitCodeAfterSignals(await main(process.argv.slice(2)));
