// The attack stage's tables, declared once: the writer validates against them, outputs.ts declares the files that
// hold them, columns.ts fills their columns and README.md shows them.
import type { TableSchema } from '../common/tables.ts';
import { retrieverColumns } from '../score/index.ts';

export const ATTACKS_SCHEMA = {
  name: 'attacks',
  description:
    'One row per target model × recipe × sampled query: the original and adversarial text, the budget used, and where the ' +
    "positive (the query's answer sentence in its own language) ranked in its language's pool before and after.",
  columns: [
    ...retrieverColumns,
    { name: 'query_id', type: 'utf8', description: 'queries.query_id of the pairs artifact: "<question_id>/<lang>".' },
    {
      name: 'query_lang',
      type: 'utf8',
      description: 'Language of the question (the attack keeps it: it is attacked in its own language).',
    },
    {
      name: 'recipe',
      type: 'utf8',
      description:
        '"char", "homoglyph", "codemix" (model-independent transformations) or "greedy" (white-box search against this model).',
    },
    {
      name: 'params_digest',
      type: 'utf8',
      description: "First 16 hex digits of the SHA-256 of the recipe's params (budget, k, candidates, seed).",
    },
    { name: 'original', type: 'utf8', description: 'The query as in the evaluation set.' },
    {
      name: 'adversarial',
      type: 'utf8',
      description: 'The perturbed query (equal to original when nothing was edited).',
    },
    {
      name: 'perturbed_share',
      type: 'float64',
      description: 'Edited words / words of the query (0 for a query with no word).',
    },
    { name: 'edits', type: 'int32', description: 'Words edited (one edit each).' },
    {
      name: 'transformations',
      type: 'utf8',
      description:
        'The edits, in word order, comma-separated: insert, delete, substitute, swap, keyboard, homoglyph, zwsp, zwnj, zwj, codemix:<lang>.',
    },
    {
      name: 'model_calls',
      type: 'int32',
      description: 'Embedding calls the search used (greedy); 0 for the model-independent recipes.',
    },
    {
      name: 'success',
      type: 'bool',
      description: 'The positive was in the top k before and is not after (status "successful").',
    },
    {
      name: 'rank_before',
      type: 'int32',
      description: "1-based rank of the positive in its language's pool for the original query (score's ranking code).",
    },
    { name: 'rank_after', type: 'int32', description: 'The same for the adversarial query.' },
    {
      name: 'status',
      type: 'utf8',
      description:
        '"successful", "failed" (still in the top k), "skipped" (already outside the top k: not attacked by greedy) or "featureless" (no word the recipe may edit).',
    },
  ],
} as const satisfies TableSchema;

export const ATTACK_TABLE_SCHEMA = {
  name: 'attack_table',
  description: "TextAttack's attack summary per target model × recipe, on the sampled queries.",
  columns: [
    ...retrieverColumns,
    { name: 'recipe', type: 'utf8', description: 'As in attacks.parquet.' },
    { name: 'queries', type: 'int32', description: 'Sampled queries.' },
    { name: 'successful', type: 'int32', description: 'Attacks that moved the positive out of the top k.' },
    { name: 'failed', type: 'int32', description: 'Attacks after which the positive was still in the top k.' },
    { name: 'skipped', type: 'int32', description: 'Queries whose positive was already outside the top k.' },
    {
      name: 'featureless',
      type: 'int32',
      description: 'Queries with no word the recipe may edit (empty, punctuation, no dictionary entry).',
    },
    {
      name: 'clean_r1',
      type: 'float64',
      description:
        "Share of the sampled queries whose positive ranks first in its language's pool (mono R@1), original text.",
    },
    { name: 'attacked_r1', type: 'float64', description: 'The same with the adversarial text.' },
    { name: 'success_rate', type: 'float64', description: 'successful / (successful + failed); NaN when both are 0.' },
    {
      name: 'avg_perturbed_share',
      type: 'float64',
      description:
        'Mean perturbed_share over successful attacks (TextAttack: average perturbed word %); NaN when none.',
    },
    { name: 'avg_words', type: 'float64', description: 'Mean words per sampled query.' },
    {
      name: 'avg_model_calls',
      type: 'float64',
      description: 'Mean model_calls over successful and failed attacks (TextAttack: average number of queries).',
    },
  ],
} as const satisfies TableSchema;

export const TRANSFER_SCHEMA = {
  name: 'transfer',
  description:
    'Transfer of the greedy attack: queries made against the source model, scored on the target model. Diagonal (source = target): the white-box result. ' +
    'Rows with recipe "clean" hold the same metric for the sampled queries unperturbed on the target (the reference of the drop).',
  columns: [
    {
      name: 'source_retriever',
      type: 'utf8',
      description: 'The model the greedy queries were made against (train node id).',
    },
    { name: 'target_retriever', type: 'utf8', description: 'The model they are scored on.' },
    {
      name: 'recipe',
      type: 'utf8',
      description: '"greedy" (attacked queries) or "clean" (the same queries unperturbed).',
    },
    {
      name: 'metric',
      type: 'utf8',
      description:
        '"mono_recall@1" (the setting the attack targets), "cross_recall@1" (macro over directions), "map@20" (multilingual pool, micro).',
    },
    { name: 'value', type: 'float64', description: "The target's metric on those queries, as score computes it." },
  ],
} as const satisfies TableSchema;
