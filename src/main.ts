import { helpText } from './settings/help.js';
import type { Outcome } from './report/outcome.js';
import { createOutput, type Output } from './failures/output.js';
import { runPush } from './push/push.js';
import { registerSecret } from './failures/redact.js';
import { rewordHint } from './failures/errors.js';
import { hintInRunWords } from './settings/option-words.js';
import { assertReportWritable } from './report/dotenv-report.js';
import { createRunEnd, type RunEnd } from './report/run-end.js';
import { endSettingsFromRawArguments } from './settings/option-reader.js';
import { likelyTokens, readOutputSettings, readPushEnvironment } from './settings/environment-inputs.js';
import { readSettings } from './settings/settings.js';
import { endRunOnSignal } from './git/signals.js';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'development';

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const output = createOutput(readOutputSettings(env));
  likelyTokens(argv, env).forEach(registerSecret);
  // Set up before the arguments are read: a run that fails on them still ends with its JSON and report.
  const end = createRunEnd(output, endSettingsFromRawArguments(argv, env));
  endRunOnSignal((error) => end.finish({ error }));
  try {
    return end.finish({ outcome: await run(argv, env, cwd, output, end) });
  } catch (error) {
    return end.finish({ error: rewordHint(error, (hint) => hintInRunWords(hint, argv, env)) });
  }
}

async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  output: Output,
  end: RunEnd,
): Promise<Outcome | null> {
  const settings = readSettings(argv, env, cwd);
  switch (settings.command) {
    case 'help':
    case 'version':
      end.configure({ reportFile: undefined });
      output.info(settings.command === 'help' ? helpText(settings.topic) : VERSION);
      return null;
    case 'edit': {
      end.configure({ json: settings.json, reportFile: undefined });
      // Loaded here: a push loads the editors only once its clone is on its way (see push.ts).
      const { runEdit } = await import('./edit/edit.js');
      return runEdit(settings, output, cwd);
    }
    case 'push':
      // Checked before anything is cloned; a path that fails the check is not tried again at the end.
      end.configure({ json: settings.json, reportFile: undefined });
      if (settings.reportFile) assertReportWritable(settings.reportFile);
      end.configure({ reportFile: settings.reportFile });
      return runPush(settings, output, readPushEnvironment(settings, env));
  }
}
