// What the pairs stage writes: the training pairs, the LAReQA evaluation pool and queries (each as Arrow for our
// loops and Parquet for everyone else, same schema) and report.json (params, counts, issues).
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { CANDIDATES_SCHEMA, PAIRS_SCHEMA, QUERIES_SCHEMA } from './schema.ts';

export const PAIRS_OUTPUTS = declareOutputs('pairs', {
  pairs: { path: 'pairs.arrow', kind: 'arrow', schema: PAIRS_SCHEMA, description: PAIRS_SCHEMA.description },
  pairsParquet: { path: 'pairs.parquet', kind: 'parquet', schema: PAIRS_SCHEMA, description: PAIRS_SCHEMA.description },
  candidates: {
    path: 'candidates.arrow',
    kind: 'arrow',
    schema: CANDIDATES_SCHEMA,
    description: CANDIDATES_SCHEMA.description,
  },
  candidatesParquet: {
    path: 'candidates.parquet',
    kind: 'parquet',
    schema: CANDIDATES_SCHEMA,
    description: CANDIDATES_SCHEMA.description,
  },
  queries: { path: 'queries.arrow', kind: 'arrow', schema: QUERIES_SCHEMA, description: QUERIES_SCHEMA.description },
  queriesParquet: {
    path: 'queries.parquet',
    kind: 'parquet',
    schema: QUERIES_SCHEMA,
    description: QUERIES_SCHEMA.description,
  },
  report: {
    path: 'report.json',
    kind: 'json',
    description:
      'PairsReportFile: params (with train and eval languages), counts per direction and split, parse issues, sentence-split agreement.',
  },
});
