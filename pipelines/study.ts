// The default pipeline (`npm run pipeline`): the study's DAG (pipelines/study-graph.ts) on the shipped data, offline:
// MLQA dev training pairs, XQuAD-R evaluation (the pairs stage's defaults).
// Profiles: `quick` (the default: finishes in minutes on 2 cores) and `full` (`--profile full`: the whole grid).
import { studyPipeline } from './study-graph.ts';

export default studyPipeline({
  name: 'study',
  description:
    'Hybrid-batch scaling study: MLQA dev pairs → batches → TF.js dual encoders → adversarial queries → zero-shot XQuAD-R retrieval metrics, clean and attacked',
});
