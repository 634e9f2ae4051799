// The grid `npm run bench -- distributed` runs on each executor: one synthetic batches artifact, synthetic dev pairs
// and four real trainings (loss × seed; cpu backend, small model, 160 steps), small enough for a few minutes in all.
import { definePipeline } from '../../pipelines/engine/index.ts';
import { trainStage } from '../../stages/train/index.ts';
import { SMALL } from '../../test/train/fixture.ts';
import { syntheticBatchesStage, syntheticDevStage } from '../../test/train/fixture-stages.ts';

export default definePipeline({
  name: 'bench-train-grid',
  description: 'synthetic batches and dev pairs → train × (loss {infonce, albef} × seed {0, 1})',
  nodes: {
    batches: { stage: syntheticBatchesStage },
    dev: { stage: syntheticDevStage },
    train: {
      stage: trainStage,
      params: { ...SMALL, queueSize: 32, checkpointEvery: 0 },
      inputs: { batches: 'batches', dev: 'dev' },
    },
  },
  sweeps: { 'train.loss': ['infonce', 'albef'], 'train.seed': [0, 1] },
});
