// The attacked query sets, as one table both sides share: the attack stage writes it into its artifact
// (query-sets.arrow) and score reads it to measure every retriever on each set beside the clean queries. Declared
// here, apart from both stages, so neither declares the other's file: the table is the interface. Score's querySubset
// turns a set into an evaluation set.
import { declareOutputs, type ArtifactRef } from '../../pipelines/engine/index.ts';
import { readArrow, type TableSchema } from './tables.ts';

export const QUERY_SETS_SCHEMA = {
  name: 'query_sets',
  description:
    'The query sets an attack made, for score: the sampled queries unperturbed (query_set "sample") and each recipe\'s attacked texts, ' +
    'per target model for the model-dependent recipes (greedy; codemix when adversarial).',
  columns: [
    {
      name: 'query_set',
      type: 'utf8',
      description:
        '"sample" (unperturbed, the reference of the drops) or the recipe: "char", "homoglyph", "codemix", "greedy".',
    },
    {
      name: 'retriever',
      type: 'utf8',
      nullable: true,
      description: 'The model the texts were made against (train node id); null: the same texts for every retriever.',
    },
    { name: 'query_id', type: 'utf8', description: 'queries.query_id of the pairs artifact.' },
    { name: 'text', type: 'utf8', description: 'The query text of this set.' },
  ],
} as const satisfies TableSchema;

/**
 * The output of the `attack` stage that score reads: the attack stage includes it in its outputs and score names it
 * as its `attacks` input, so a wrong wiring fails when the pipeline is planned.
 */
export const ATTACK_QUERY_SETS = declareOutputs('attack', {
  querySets: {
    path: 'query-sets.arrow',
    kind: 'arrow',
    schema: QUERY_SETS_SCHEMA,
    description: QUERY_SETS_SCHEMA.description,
  },
});

export interface AttackedQuerySet {
  /** "sample" or a recipe name. */
  name: string;
  /** The model the set was made against; null when every retriever is scored on it. */
  retriever: string | null;
  queryIds: string[];
  texts: string[];
}

/**
 * The query sets of an attack artifact, in file order: "sample" first, then each recipe (per model where it depends on
 * one).
 */
export async function loadAttackedQueries(ref: ArtifactRef): Promise<AttackedQuerySet[]> {
  const { columns } = await readArrow(ref.output(ATTACK_QUERY_SETS.querySets), QUERY_SETS_SCHEMA);
  const name = columns.query_set as string[];
  const retriever = columns.retriever as (string | null)[];
  const ids = columns.query_id as string[];
  const texts = columns.text as string[];
  const sets = new Map<string, AttackedQuerySet>();
  for (let i = 0; i < name.length; i++) {
    const key = `${name[i]}\0${retriever[i] ?? ''}`;
    let set = sets.get(key);
    if (!set) sets.set(key, (set = { name: name[i], retriever: retriever[i], queryIds: [], texts: [] }));
    set.queryIds.push(ids[i]);
    set.texts.push(texts[i]);
  }
  return [...sets.values()];
}
