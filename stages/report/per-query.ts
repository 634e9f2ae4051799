// Per-query values of the three headline metrics, recomputed from score's ranks.parquet (every relevant candidate's
// rank per retriever and query): the units the bootstrap resamples. The definitions are score's (stages/score/
// metrics.ts); on XQuAD-R, where every question exists in every language, the mean over queries equals score's macro
// mono and cross R@1 and its micro mAP@20, which test/report/stage.test.ts checks against metrics.parquet.

/**
 * ranks.parquet's columns the report reads; `query_set` is "clean" when the column is absent (score before attacks).
 */
export interface RankColumns {
  retriever: ArrayLike<string>;
  query_id: ArrayLike<string>;
  query_lang: ArrayLike<string>;
  candidate_lang: ArrayLike<string>;
  rank_all: ArrayLike<number>;
  rank_in_language: ArrayLike<number>;
  query_set?: ArrayLike<string>;
}

export const QUERY_METRICS = ['map@20', 'mono_r1', 'cross_r1'] as const;
export type QueryMetric = (typeof QUERY_METRICS)[number];

/** One retriever on one query set: its queries (sorted by id) and each metric per query (NaN: not defined). */
export interface QueryValues {
  ids: string[];
  values: Record<QueryMetric, Float64Array>;
}

/** Key of a retriever's values on a query set in the map `perQueryValues` returns. */
export function queryValuesKey(querySet: string, retriever: string): string {
  return `${querySet}\u0000${retriever}`;
}

/**
 * Per retriever × query set × query: AP@20 in the multilingual pool (Σ_{rᵢ ≤ 20} i / rᵢ over min(R, 20), ranks
 * r₁ < … < r_R of the R relevant candidates), mono R@1 (the own-language answer ranks first in its language's
 * pool) and cross R@1 (the share of the other languages whose answer ranks first in that language's pool).
 */
export function perQueryValues(ranks: RankColumns): Map<string, QueryValues> {
  const n = ranks.retriever.length;
  // Group row indices by (query set, retriever, query); score writes them grouped already, but nothing relies on it.
  const groups = new Map<string, Map<string, number[]>>();
  for (let i = 0; i < n; i++) {
    const key = queryValuesKey(ranks.query_set ? ranks.query_set[i] : 'clean', ranks.retriever[i]);
    let byQuery = groups.get(key);
    if (!byQuery) groups.set(key, (byQuery = new Map()));
    const q = ranks.query_id[i];
    const rows = byQuery.get(q);
    if (rows) rows.push(i);
    else byQuery.set(q, [i]);
  }
  const out = new Map<string, QueryValues>();
  for (const key of [...groups.keys()].sort()) {
    const byQuery = groups.get(key)!;
    const ids = [...byQuery.keys()].sort();
    const map20 = new Float64Array(ids.length);
    const mono = new Float64Array(ids.length);
    const cross = new Float64Array(ids.length);
    ids.forEach((id, k) => {
      const rows = byQuery.get(id)!;
      const all = rows.map((i) => ranks.rank_all[i]).sort((a, b) => a - b);
      let ap = 0;
      all.forEach((r, i) => {
        if (r <= 20) ap += (i + 1) / r;
      });
      map20[k] = ap / Math.min(all.length, 20);
      let monoValue = Number.NaN;
      let crossHits = 0;
      let crossCount = 0;
      for (const i of rows) {
        const hit = ranks.rank_in_language[i] === 1 ? 1 : 0;
        if (ranks.candidate_lang[i] === ranks.query_lang[i]) monoValue = hit;
        else {
          crossHits += hit;
          crossCount++;
        }
      }
      mono[k] = monoValue;
      cross[k] = crossCount > 0 ? crossHits / crossCount : Number.NaN;
    });
    out.set(key, { ids, values: { 'map@20': map20, mono_r1: mono, cross_r1: cross } });
  }
  return out;
}

/** The unperturbed reference of attacked query sets: attack's sample, scored as is ("sample" in score's metrics). */
export const SAMPLE_SET = 'sample';

/**
 * Per-query values from attack's attacks.parquet, which has the one per-query measure of an attacked query: the rank
 * of its positive in its language's pool before and after the attack (mono R@1). Gives, per retriever, the set
 * "sample" (rank before: the unperturbed reference) and one set per recipe (rank after); mAP@20 and cross R@1 are
 * NaN there (not measured per query). Each recipe's rows of a retriever have the same sample queries.
 */
export function attackQueryValues(rows: {
  retriever: ArrayLike<string>;
  query_id: ArrayLike<string>;
  recipe: ArrayLike<string>;
  rank_before: ArrayLike<number>;
  rank_after: ArrayLike<number>;
}): Map<string, QueryValues> {
  const groups = new Map<string, Map<string, number>>();
  const put = (set: string, retriever: string, id: string, rank: number): void => {
    const key = queryValuesKey(set, retriever);
    let byQuery = groups.get(key);
    if (!byQuery) groups.set(key, (byQuery = new Map()));
    byQuery.set(id, rank === 1 ? 1 : 0);
  };
  for (let i = 0; i < rows.retriever.length; i++) {
    put(SAMPLE_SET, rows.retriever[i], rows.query_id[i], rows.rank_before[i]);
    put(rows.recipe[i], rows.retriever[i], rows.query_id[i], rows.rank_after[i]);
  }
  const out = new Map<string, QueryValues>();
  for (const key of [...groups.keys()].sort()) {
    const byQuery = groups.get(key)!;
    const ids = [...byQuery.keys()].sort();
    const nan = () => new Float64Array(ids.length).fill(Number.NaN);
    out.set(key, {
      ids,
      values: { 'map@20': nan(), mono_r1: Float64Array.from(ids, (id) => byQuery.get(id)!), cross_r1: nan() },
    });
  }
  return out;
}

/**
 * The mean over seeds of each query's value: one value per query for a configuration, the thing the bootstrap
 * resamples (seed-to-seed variation is shown separately as the sd over seeds). A query missing from a seed's values
 * (or NaN there) is averaged over the seeds that have it.
 */
export function meanOverSeeds(seeds: readonly QueryValues[]): QueryValues {
  if (seeds.length === 0) throw new Error('meanOverSeeds: no seed');
  if (seeds.length === 1) return seeds[0];
  const ids = [...new Set(seeds.flatMap((s) => s.ids))].sort();
  const index = seeds.map((s) => new Map(s.ids.map((id, i) => [id, i])));
  const values = {} as Record<QueryMetric, Float64Array>;
  for (const metric of QUERY_METRICS) {
    const out = new Float64Array(ids.length);
    ids.forEach((id, k) => {
      let sum = 0;
      let count = 0;
      seeds.forEach((s, j) => {
        const i = index[j].get(id);
        if (i === undefined) return;
        const v = s.values[metric][i];
        if (Number.isFinite(v)) {
          sum += v;
          count++;
        }
      });
      out[k] = count > 0 ? sum / count : Number.NaN;
    });
    values[metric] = out;
  }
  return { ids, values };
}

/** The question a query belongs to: score's query ids are "<question_id>/<lang>". */
export function questionOf(queryId: string): string {
  const slash = queryId.lastIndexOf('/');
  return slash < 0 ? queryId : queryId.slice(0, slash);
}
