// What the classify stage writes, declared for the engine (checked at plan time and before commit) and for
// consumers (the report stage reads them through these handles).
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { CLASSIFY_METRICS_SCHEMA } from './schema.ts';

export const CLASSIFY_OUTPUTS = declareOutputs('classify', {
  metrics: {
    path: 'metrics.parquet',
    kind: 'parquet',
    schema: CLASSIFY_METRICS_SCHEMA,
    description: CLASSIFY_METRICS_SCHEMA.description,
  },
  metricsJson: {
    path: 'metrics.json',
    kind: 'json',
    description:
      'hybrid-xlr/classify-metrics@1: the same numbers per retriever, with the protocol, split sizes, probes and attack sample.',
  },
  summary: {
    path: 'summary.md',
    kind: 'markdown',
    description: 'Zero-shot transfer tables (XNLI, MLDoc or why it was skipped) and the TextAttack-style attack table.',
  },
});

/** The file names of a classify artifact, by output name (the contract's CLASSIFY_FILES). */
export const CLASSIFY_FILES = {
  metrics: CLASSIFY_OUTPUTS.metrics.path,
  metricsJson: CLASSIFY_OUTPUTS.metricsJson.path,
  summary: CLASSIFY_OUTPUTS.summary.path,
} as const;
