// `npm run worker -- --redis redis://HOST:PORT --concurrency N`: a worker of the distributed executor (see
// pipelines/engine/worker.ts).
import { workerMain } from './engine/worker.ts';

process.exitCode = await workerMain(process.argv.slice(2));
