// The export pipeline (`npm run pipeline -- export --out DIR`): the study's data stages plus `export`, which
// packs pairs, pools, queries and every batches branch (a `--sweep batches.batchSize=...` gives one partition each)
// into a dataset folder for other teams. It shares the study's nodes, so a study run's artifacts are reused.
import { definePipeline } from './engine/pipeline.ts';
import { exportStage } from '../stages/export/index.ts';
import study from './study.ts';

export default definePipeline({
  name: 'export',
  description: 'Dataset export: hive-partitioned Parquet + data card, schema.json and SHA256SUMS',
  nodes: {
    download: study.nodes.download,
    pairs: study.nodes.pairs,
    batches: study.nodes.batches,
    export: {
      stage: exportStage,
      inputs: { raw: 'download', pairs: 'pairs', batches: { from: 'batches', all: true } },
    },
  },
  output: 'export',
});
