// Runs the train stage in its own process (argv: batches dir, dev pairs dir, out dir, checkpoint dir, params JSON), so
// a test can
// SIGKILL it mid-run and resume from what it left.
import { runStage } from '../../pipelines/engine/testing.ts';
import { trainStage } from '../../stages/train/index.ts';

const [batches, dev, outDir, checkpointDir, params] = process.argv.slice(2);
const { summary } = await runStage(trainStage, {
  inputs: { batches, dev },
  outDir,
  checkpointDir,
  params: JSON.parse(params),
});
process.stdout.write(`${JSON.stringify(summary)}\n`);
