// What score reads of an attack artifact: the attacked query texts per recipe, keyed by query id, and for the
// recipes that depend on the model (greedy; codemix when adversarial) per target model. Read from attacks.arrow.
import { readArrow } from '../common/tables.ts';
import type { ArtifactRef } from '../../pipelines/engine/index.ts';
import { ATTACK_FILES, ATTACKS_SCHEMA } from './schema.ts';
import type { Recipe } from './recipes.ts';

export interface AttackedQuerySet {
  recipe: Recipe;
  /** The target model the texts were made against; null for a model-independent recipe (the same for every model). */
  retriever: string | null;
  /** Sampled query ids, in the sample's order, and their attacked texts. */
  queryIds: string[];
  texts: string[];
}

export interface AttackedQueries {
  /** The sampled queries and their original texts (the clean reference of every drop). */
  sample: { queryIds: string[]; texts: string[] };
  sets: AttackedQuerySet[];
}

export async function loadAttackedQueries(ref: ArtifactRef): Promise<AttackedQueries> {
  const { columns } = await readArrow(ref.path(ATTACK_FILES.attacksArrow), ATTACKS_SCHEMA);
  const retriever = columns.retriever as string[];
  const recipe = columns.recipe as Recipe[];
  const queryId = columns.query_id as string[];
  const original = columns.original as string[];
  const adversarial = columns.adversarial as string[];
  const calls = columns.model_calls as Int32Array;
  const sample = new Map<string, string>();
  // A recipe is model-dependent when it ever used the model (greedy always; codemix when adversarial).
  const dependent = new Set<Recipe>(['greedy']);
  for (let i = 0; i < recipe.length; i++) if (calls[i] > 0) dependent.add(recipe[i]);
  const firstModel = new Map<Recipe, string>();
  for (let i = 0; i < recipe.length; i++) if (!firstModel.has(recipe[i])) firstModel.set(recipe[i], retriever[i]);
  const sets = new Map<string, AttackedQuerySet>();
  for (let i = 0; i < recipe.length; i++) {
    if (!sample.has(queryId[i])) sample.set(queryId[i], original[i]);
    const owner = dependent.has(recipe[i]) ? retriever[i] : null;
    const key = `${recipe[i]}\0${owner ?? ''}`;
    let set = sets.get(key);
    if (!set) sets.set(key, (set = { recipe: recipe[i], retriever: owner, queryIds: [], texts: [] }));
    // A model-independent recipe has the same text in every model's rows: the first model's rows are kept.
    if (owner === null && retriever[i] !== firstModel.get(recipe[i])) continue;
    set.queryIds.push(queryId[i]);
    set.texts.push(adversarial[i]);
  }
  return { sample: { queryIds: [...sample.keys()], texts: [...sample.values()] }, sets: [...sets.values()] };
}
