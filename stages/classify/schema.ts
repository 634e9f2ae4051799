// The classify stage's long table, declared once: the writer validates against it and README.md shows it.
import type { TableSchema } from '../common/tables.ts';
import { retrieverColumns } from '../score/index.ts';

export const CLASSIFY_METRICS_SCHEMA = {
  name: 'classify_metrics',
  description:
    'Zero-shot cross-lingual classification with a frozen encoder (softmax probe trained on English only), one row per ' +
    'retriever × dataset × language × recipe × metric. Aggregate "languages": "macro" (every evaluated language), ' +
    '"zero-shot" (all but English), "seen" / "unseen" (zero-shot languages the retriever was / was not trained on). ' +
    'Retrievers: trained models (kind "model"), "random-encoder" (kind "random") and "lexical-words" (kind "lexical": hashed-word features). ' +
    'Rows of an attacked recipe are measured on the attack sample (attackPerLanguage part-B pairs per language), not on all of part B.',
  columns: [
    ...retrieverColumns,
    {
      name: 'dataset',
      type: 'utf8',
      description: '"xnli" (dev, part B of the premise split) or "mldoc" (the test files).',
    },
    {
      name: 'language',
      type: 'utf8',
      description: 'Language code of the evaluated texts, or an aggregate: "macro", "zero-shot", "seen", "unseen".',
    },
    {
      name: 'recipe',
      type: 'utf8',
      description: '"clean", or the attack recipe applied to the evaluated texts (XNLI: the hypotheses).',
    },
    {
      name: 'metric',
      type: 'utf8',
      description:
        '"accuracy"; "transfer_gap" (English accuracy − zero-shot mean, language "zero-shot"); "held_out_accuracy" (the probe\'s English early-stopping set); ' +
        'for attacked recipes also "clean_accuracy" (the same sample, unattacked), "accuracy_drop" (clean_accuracy − accuracy) and "attack_success_rate" ' +
        "(label flips among the sampled rows the probe got right; its macro row pools every language's rows).",
    },
    { name: 'value', type: 'float64', description: 'The metric.' },
    {
      name: 'examples',
      type: 'int32',
      description: 'Rows the value is computed over (for aggregates: summed over their languages).',
    },
  ],
} as const satisfies TableSchema;
