// `npm run pipeline -- ...`: the command-line entry point (see pipelines/engine/cli.ts for the verbs).
import { main } from './engine/cli.ts';

process.exitCode = await main(process.argv.slice(2));
