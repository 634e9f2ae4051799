// What the score stage writes (the tables' columns are in schema.ts; metrics.json's shape is in README.md).
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { METRICS_SCHEMA, RANKS_SCHEMA } from './schema.ts';

export const SCORE_OUTPUTS = declareOutputs('score', {
  metrics: {
    path: 'metrics.parquet',
    kind: 'parquet',
    schema: METRICS_SCHEMA,
    description: METRICS_SCHEMA.description,
  },
  ranks: {
    path: 'ranks.parquet',
    kind: 'parquet',
    schema: RANKS_SCHEMA,
    optional: true,
    description: RANKS_SCHEMA.description,
  },
  metricsJson: {
    path: 'metrics.json',
    kind: 'json',
    description: '`hybrid-xlr/metrics@1`: every metric per retriever, setting and language, with the headline.',
  },
  summary: { path: 'summary.md', kind: 'markdown', description: "The study's result table (the end-of-run print)." },
});
