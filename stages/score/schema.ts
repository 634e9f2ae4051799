// The score stage's tables, declared once: the writer validates against them and README.md shows them.
import type { TableSchema } from '../common/tables.ts';
import type { RetrieverInfo } from './summary.ts';

/** Model identity in every long table of the project (score, attack, classify): reuse it, do not redefine it. */
export const retrieverColumns = [
  {
    name: 'retriever',
    type: 'utf8',
    description:
      'The pipeline node of a trained model (e.g. "train[strategy=hybrid,batchSize=128,loss=infonce]"), or "bm25", or "random-encoder".',
  },
  {
    name: 'kind',
    type: 'utf8',
    description: '"model" (trained), "bm25" (lexical baseline) or "random" (the same encoder untrained).',
  },
  {
    name: 'strategy',
    type: 'utf8',
    nullable: true,
    description: 'Batch strategy the model was trained with: "mono", "cross" or "hybrid" (null for baselines).',
  },
  { name: 'batch_size', type: 'int32', nullable: true, description: 'Training batch size (null for baselines).' },
  { name: 'loss', type: 'utf8', nullable: true, description: '"infonce" or "albef" (null for baselines).' },
  {
    name: 'seed',
    type: 'int32',
    nullable: true,
    description: "The batches artifact's seed (order of training pairs); null for baselines.",
  },
] as const;

/** Arrays for the retrieverColumns of a long table that repeats each retriever's identity on its rows. */
export function retrieverColumnArrays() {
  return {
    retriever: [] as string[],
    kind: [] as string[],
    strategy: [] as (string | null)[],
    batch_size: [] as (number | null)[],
    loss: [] as (string | null)[],
    seed: [] as (number | null)[],
  };
}

/** Appends one row's retrieverColumns: the retriever's id and labels. */
export function pushRetriever(
  cols: ReturnType<typeof retrieverColumnArrays>,
  info: Omit<RetrieverInfo, 'kind' | 'fingerprint'> & { kind: string },
): void {
  cols.retriever.push(info.id);
  cols.kind.push(info.kind);
  cols.strategy.push(info.strategy);
  cols.batch_size.push(info.batchSize);
  cols.loss.push(info.loss);
  cols.seed.push(info.seed);
}

export const METRICS_SCHEMA = {
  name: 'metrics',
  description:
    'Zero-shot retrieval metrics, one row per retriever × setting × language pair × metric (LAReQA protocol). ' +
    'Rows with aggregate "macro" average the per-language (or per-direction) rows of the same retriever and setting with equal weight.',
  columns: [
    ...retrieverColumns,
    { name: 'dataset', type: 'utf8', description: 'Evaluation set: "xquad-r" or "mlqa-r".' },
    {
      name: 'query_set',
      type: 'utf8',
      description:
        '"clean" (every query of the evaluation set), "sample" (the attack stage\'s sampled queries, unperturbed: the reference of the drops), or the attack recipe whose queries were scored: "char", "homoglyph", "codemix", "greedy" (each model on the queries made against itself).',
    },
    {
      name: 'setting',
      type: 'utf8',
      description:
        '"multilingual" (one pool of every language), "mono" (X → X), "cross" (X → Y ≠ X), or "bias" (language bias in the multilingual pool).',
    },
    {
      name: 'aggregate',
      type: 'utf8',
      description:
        '"language" (one query language, or one direction), "macro" (equal-weight mean of those), or "micro" (mean over all queries).',
    },
    { name: 'query_lang', type: 'utf8', description: 'Language of the questions, or "all" for macro/micro rows.' },
    {
      name: 'pool_lang',
      type: 'utf8',
      description: 'Language of the candidate pool; "all" for the multilingual pool and for macro/micro rows.',
    },
    {
      name: 'metric',
      type: 'utf8',
      description:
        'map@20, recall@1, recall@5, recall@10, mrr@10, ndcg@10; for setting "bias": rank_distance, own_language_first, own_language_chance.',
    },
    { name: 'value', type: 'float64', description: 'The metric (mean over the queries counted in `queries`).' },
    {
      name: 'queries',
      type: 'int32',
      description: 'Queries the value averages (for macro rows: over all the rows averaged).',
    },
    {
      name: 'skipped',
      type: 'int32',
      description: 'Queries with no relevant candidate in this pool (left out of the mean).',
    },
  ],
} as const satisfies TableSchema;

export const RANKS_SCHEMA = {
  name: 'ranks',
  description:
    'Where every relevant candidate of every query ranked, per retriever: the raw material of every metric in metrics.parquet. ' +
    'Ties are broken by candidate order in the pool.',
  columns: [
    { name: 'retriever', type: 'utf8', description: 'As in metrics.parquet.' },
    { name: 'query_id', type: 'utf8', description: 'queries.query_id of the pairs artifact: "<question_id>/<lang>".' },
    { name: 'query_lang', type: 'utf8', description: 'Language of the question.' },
    { name: 'candidate_id', type: 'utf8', description: 'A relevant candidate of the query (candidates.candidate_id).' },
    { name: 'candidate_lang', type: 'utf8', description: 'Language of that candidate.' },
    { name: 'rank_all', type: 'int32', description: '1-based rank in the multilingual pool (all languages).' },
    {
      name: 'rank_in_language',
      type: 'int32',
      description: "1-based rank among the candidates of the candidate's own language (the mono / cross setting).",
    },
  ],
} as const satisfies TableSchema;
