// stats.parquet: every bootstrap contrast of the report, one row each (contrasts.ts computes them).
import type { TableSchema } from '../common/tables.ts';

export const STATS_SCHEMA: TableSchema = {
  name: 'report_stats',
  description:
    'Paired bootstrap contrasts: per-query metric values averaged over seeds, paired by query_id, questions (all language versions of a question together) resampled with replacement, percentile interval (ci_low/ci_high); ' +
    "and a two-level interval that also resamples each side's seeds (ci_low_seeds/ci_high_seeds). distinguishable = both exclude 0.",
  columns: [
    {
      name: 'contrast',
      type: 'utf8',
      description:
        '"hybrid-mono", "hybrid-cross" (same batch size), "batch-effect" (largest − smallest batch size, one strategy) or "drop-change" (robustness drop at the largest − at the smallest batch size).',
    },
    {
      name: 'metric',
      type: 'utf8',
      description: '"map@20" (multilingual pool), "mono_r1" or "cross_r1", per query as in score.',
    },
    { name: 'loss', type: 'utf8', nullable: true, description: 'Training loss of both sides.' },
    {
      name: 'strategy',
      type: 'utf8',
      nullable: true,
      description: 'Strategy of both sides (batch-effect, drop-change).',
    },
    {
      name: 'batch_size',
      type: 'int32',
      nullable: true,
      description: 'Batch size of both sides (hybrid-mono, hybrid-cross).',
    },
    {
      name: 'batch_from',
      type: 'int32',
      nullable: true,
      description: 'Smaller batch size (batch-effect, drop-change).',
    },
    { name: 'batch_to', type: 'int32', nullable: true, description: 'Larger batch size (batch-effect, drop-change).' },
    { name: 'query_set', type: 'utf8', description: '"clean", or the attack recipe of a drop-change.' },
    {
      name: 'reference_set',
      type: 'utf8',
      nullable: true,
      description: 'Unperturbed side of a drop-change: "sample" (attack\'s sampled queries as they are) or "clean".',
    },
    { name: 'side_a', type: 'utf8', description: 'What the estimate subtracts from.' },
    { name: 'side_b', type: 'utf8', description: 'What it subtracts.' },
    { name: 'mean_a', type: 'float64', description: 'Mean of side a over the paired queries.' },
    { name: 'mean_b', type: 'float64', description: 'Mean of side b over the paired queries.' },
    { name: 'estimate', type: 'float64', description: 'Mean over paired queries of a − b.' },
    {
      name: 'ci_low',
      type: 'float64',
      description:
        'Lower end of the percentile interval, questions resampled (per-query values averaged over seeds first).',
    },
    { name: 'ci_high', type: 'float64', description: 'Upper end of that interval.' },
    {
      name: 'ci_low_seeds',
      type: 'float64',
      description:
        'Lower end of the two-level interval: questions and, per side, seeds resampled (training randomness included).',
    },
    { name: 'ci_high_seeds', type: 'float64', description: 'Upper end of that interval.' },
    { name: 'level', type: 'float64', description: 'Confidence level of the intervals.' },
    { name: 'distinguishable_questions', type: 'bool', description: 'The question-level interval excludes 0.' },
    {
      name: 'distinguishable',
      type: 'bool',
      description: 'Both intervals exclude 0: the difference survives the choice of questions and of training runs.',
    },
    { name: 'questions', type: 'int32', description: 'Questions (resampling units) with at least one paired query.' },
    { name: 'queries', type: 'int32', description: 'Paired queries.' },
    { name: 'seeds_a', type: 'int32', description: 'Seeds averaged on side a.' },
    { name: 'seeds_b', type: 'int32', description: 'Seeds averaged on side b.' },
    { name: 'resamples', type: 'int32', description: 'Bootstrap resamples.' },
    { name: 'seed', type: 'int32', description: 'Seed of the resampling stream.' },
  ],
};
