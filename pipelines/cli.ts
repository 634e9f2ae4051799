// `npm run pipeline -- ...`: the command-line entry point. The engine's verbs (pipelines/engine/cli.ts) plus the
// domain verbs of pipelines/commands/, which the engine knows only as CliCommand values.
import { COMMANDS } from './commands/index.ts';
import { main } from './engine/cli.ts';

process.exitCode = await main(process.argv.slice(2), COMMANDS);
