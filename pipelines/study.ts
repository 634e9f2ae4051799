// The default pipeline (`npm run pipeline`): the study's DAG on the shipped data, offline.
// download → pairs → batches → train; attacks, scoring and the report join as their stages land.
import { definePipeline } from './engine/pipeline.ts';
import { batchesStage } from '../stages/batches/index.ts';
import { downloadStage } from '../stages/download/index.ts';
import { pairsStage } from '../stages/pairs/index.ts';
import { trainStage } from '../stages/train/index.ts';

export default definePipeline({
  name: 'study',
  description: 'Hybrid-batch scaling study: shipped MLQA/XQuAD-R/MLQA-R/MUSE data → pairs → training batches → TF.js dual encoder',
  nodes: {
    download: { stage: downloadStage },
    pairs: { stage: pairsStage, inputs: { raw: 'download' } },
    batches: { stage: batchesStage, inputs: { pairs: 'pairs' } },
    train: { stage: trainStage, inputs: { batches: 'batches' } },
  },
});
