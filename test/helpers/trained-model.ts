// One small trained model (cpu, the train fixture's synthetic batches and dev set) for the tests of stages that read
// models (attack, score): trained once per test file, on first use, and shared by that file's tests.
import { runStage } from '../../pipelines/engine/testing.ts';
import { trainStage } from '../../stages/train/index.ts';
import { SMALL, syntheticBatches, syntheticDev } from '../train/fixture.ts';

let trained: Promise<string> | undefined;

/** The train artifact's folder of one small model, trained on first call. */
export function trainedModel(): Promise<string> {
  trained ??= syntheticBatches(12, 16).then(
    async (batches) =>
      (
        await runStage(trainStage, {
          inputs: { batches, dev: await syntheticDev() },
          params: { ...SMALL, checkpointEvery: 0 },
        })
      ).outDir,
  );
  return trained;
}
