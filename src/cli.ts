import { installSignalHandlers } from './git/signals.js';
import { main } from './main.js';

installSignalHandlers();
process.exitCode = await main(process.argv.slice(2), process.env, process.cwd());
