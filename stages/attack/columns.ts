// The attack stage's tables from its in-memory rows: attacks (one row per model × recipe × query), the
// TextAttack-style table per model × recipe, and the transfer matrix (schema.ts declares all three).
import type { Columns } from '../common/tables.ts';
import type { RetrieverInfo } from '../score/index.ts';
import type { AttackRow, SampledQuery } from './attack-model.ts';
import type { TransferRow } from './transfer.ts';
import { RECIPES, type Recipe } from './recipes.ts';

function retrieverCols(infos: readonly RetrieverInfo[]): Columns {
  return {
    retriever: infos.map((i) => i.id),
    kind: infos.map((i) => i.kind),
    strategy: infos.map((i) => i.strategy),
    batch_size: infos.map((i) => i.batchSize),
    loss: infos.map((i) => i.loss),
    seed: infos.map((i) => i.seed),
  };
}

export function attacksColumns(rows: readonly AttackRow[], digests: Readonly<Record<string, string>>): Columns {
  return {
    ...retrieverCols(rows.map((r) => r.info)),
    query_id: rows.map((r) => r.query.id),
    query_lang: rows.map((r) => r.query.lang),
    recipe: rows.map((r) => r.recipe),
    params_digest: rows.map((r) => digests[r.recipe]),
    original: rows.map((r) => r.query.text),
    adversarial: rows.map((r) => r.adversarial),
    perturbed_share: Float64Array.from(rows, (r) => (r.words === 0 ? 0 : r.edits / r.words)),
    edits: Int32Array.from(rows, (r) => r.edits),
    transformations: rows.map((r) => r.kinds.join(',')),
    model_calls: Int32Array.from(rows, (r) => r.modelCalls),
    success: rows.map((r) => r.status === 'successful'),
    rank_before: Int32Array.from(rows, (r) => r.rankBefore),
    rank_after: Int32Array.from(rows, (r) => r.rankAfter),
    status: rows.map((r) => r.status),
  };
}

export interface TableRow {
  info: RetrieverInfo;
  recipe: Recipe;
  queries: number;
  successful: number;
  failed: number;
  skipped: number;
  featureless: number;
  cleanR1: number;
  attackedR1: number;
  successRate: number;
  avgPerturbedShare: number;
  avgWords: number;
  avgModelCalls: number;
}

const mean = (xs: number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** TextAttack's summary per model × recipe (models in input order, recipes in RECIPES order). */
export function tableRows(rows: readonly AttackRow[]): TableRow[] {
  const groups = new Map<string, AttackRow[]>();
  for (const r of rows) {
    const key = `${r.info.id}\0${r.recipe}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: TableRow[] = [];
  for (const list of groups.values()) {
    const count = (s: string): number => list.filter((r) => r.status === s).length;
    const successful = list.filter((r) => r.status === 'successful');
    const attacked = list.filter((r) => r.status === 'successful' || r.status === 'failed');
    out.push({
      info: list[0].info,
      recipe: list[0].recipe,
      queries: list.length,
      successful: successful.length,
      failed: count('failed'),
      skipped: count('skipped'),
      featureless: count('featureless'),
      cleanR1: list.filter((r) => r.rankBefore === 1).length / list.length,
      attackedR1: list.filter((r) => r.rankAfter === 1).length / list.length,
      successRate: attacked.length === 0 ? Number.NaN : successful.length / attacked.length,
      avgPerturbedShare: mean(successful.map((r) => (r.words === 0 ? 0 : r.edits / r.words))),
      avgWords: mean(list.map((r) => r.words)),
      avgModelCalls: mean(attacked.map((r) => r.modelCalls)),
    });
  }
  const order = (r: Recipe): number => RECIPES.indexOf(r);
  const modelOrder = [...new Set(rows.map((r) => r.info.id))];
  return out.sort(
    (a, b) => modelOrder.indexOf(a.info.id) - modelOrder.indexOf(b.info.id) || order(a.recipe) - order(b.recipe),
  );
}

export function tableColumns(rows: readonly TableRow[]): Columns {
  return {
    ...retrieverCols(rows.map((r) => r.info)),
    recipe: rows.map((r) => r.recipe),
    queries: Int32Array.from(rows, (r) => r.queries),
    successful: Int32Array.from(rows, (r) => r.successful),
    failed: Int32Array.from(rows, (r) => r.failed),
    skipped: Int32Array.from(rows, (r) => r.skipped),
    featureless: Int32Array.from(rows, (r) => r.featureless),
    clean_r1: Float64Array.from(rows, (r) => r.cleanR1),
    attacked_r1: Float64Array.from(rows, (r) => r.attackedR1),
    success_rate: Float64Array.from(rows, (r) => r.successRate),
    avg_perturbed_share: Float64Array.from(rows, (r) => r.avgPerturbedShare),
    avg_words: Float64Array.from(rows, (r) => r.avgWords),
    avg_model_calls: Float64Array.from(rows, (r) => r.avgModelCalls),
  };
}

export function transferColumns(rows: readonly TransferRow[]): Columns {
  return {
    source_retriever: rows.map((r) => r.source),
    target_retriever: rows.map((r) => r.target),
    recipe: rows.map((r) => r.recipe),
    metric: rows.map((r) => r.metric),
    value: Float64Array.from(rows, (r) => r.value),
  };
}

/**
 * query-sets.arrow (QUERY_SETS_SCHEMA, stages/common/query-sets.ts): the sample unperturbed, then per recipe its
 * texts: once for a model-independent recipe (the first model's rows: every model has the same texts), per model for
 * the others.
 * Empty without a model (nothing was attacked, so score gets no set).
 */
export function querySetsColumns(
  sample: readonly SampledQuery[],
  rows: readonly AttackRow[],
  recipes: readonly Recipe[],
): Columns {
  const cols = {
    query_set: [] as string[],
    retriever: [] as (string | null)[],
    query_id: [] as string[],
    text: [] as string[],
  };
  const push = (set: string, retriever: string | null, id: string, text: string): void => {
    cols.query_set.push(set);
    cols.retriever.push(retriever);
    cols.query_id.push(id);
    cols.text.push(text);
  };
  if (rows.length === 0) return cols;
  for (const s of sample) push('sample', null, s.id, s.text);
  const first = rows[0].info.id;
  for (const recipe of RECIPES.filter((r) => recipes.includes(r))) {
    const own = rows.filter((r) => r.recipe === recipe);
    const dependent = recipe === 'greedy' || own.some((r) => r.modelCalls > 0);
    for (const r of own)
      if (dependent || r.info.id === first) push(recipe, dependent ? r.info.id : null, r.query.id, r.adversarial);
  }
  return cols;
}
