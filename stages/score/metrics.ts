// Ranking metrics from the ranks of a query's relevant candidates. Every metric of the score stage is a function
// of those ranks alone, so the dense models, BM25 and (later) attacked query sets share this one file.
//
// Conventions (stated in stages/score/README.md with worked examples, checked by test/score/metrics.test.ts):
// - a rank is 1-based; candidates with equal scores are ordered by their position in the pool (see ranking.ts);
// - `ranks` holds the ranks of all R relevant candidates of the query in the pool being scored, ascending;
// - a query with R = 0 has no metric value: it is counted as skipped and left out of every mean;
// - k larger than the pool is fine: ranks never exceed the pool size, so every relevant item is within k.

export const METRIC_NAMES = ['map@20', 'recall@1', 'recall@5', 'recall@10', 'mrr@10', 'ndcg@10'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type MetricValues = Record<MetricName, number>;

/**
 * AP@k as LAReQA and ml_metrics' `apk` define it: the sum of precision@i over the ranks i ≤ k that hold a relevant
 * item, divided by min(R, k). With all R relevant items in the first R places it is 1.
 */
export function averagePrecisionAt(ranks: ArrayLike<number>, k: number): number {
  const r = ranks.length;
  if (r === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < r && ranks[i] <= k; i++) sum += (i + 1) / ranks[i];
  return sum / Math.min(r, k);
}

/** Recall@k: the share of the R relevant items ranked within the first k (BEIR/pytrec_eval). With R = 1: hit rate. */
export function recallAt(ranks: ArrayLike<number>, k: number): number {
  const r = ranks.length;
  if (r === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < r && ranks[i] <= k; i++) hits++;
  return hits / r;
}

/** MRR@k's per-query term: 1 / rank of the first relevant item when it is within k, else 0. */
export function reciprocalRankAt(ranks: ArrayLike<number>, k: number): number {
  if (ranks.length === 0) return Number.NaN;
  return ranks[0] <= k ? 1 / ranks[0] : 0;
}

/** nDCG@k with binary gains: Σ 1/log2(rank+1) over relevant ranks ≤ k, over the same sum for the ideal ranking. */
export function ndcgAt(ranks: ArrayLike<number>, k: number): number {
  const r = ranks.length;
  if (r === 0) return Number.NaN;
  let dcg = 0;
  for (let i = 0; i < r && ranks[i] <= k; i++) dcg += 1 / Math.log2(ranks[i] + 1);
  let ideal = 0;
  for (let i = 1; i <= Math.min(r, k); i++) ideal += 1 / Math.log2(i + 1);
  return dcg / ideal;
}

/** All metrics of one query; `ranks` ascending. Throws on unsorted or non-positive ranks: that is a caller's bug. */
export function queryMetrics(ranks: ArrayLike<number>): MetricValues {
  for (let i = 0; i < ranks.length; i++) {
    if (!(ranks[i] >= 1) || (i > 0 && ranks[i] <= ranks[i - 1])) {
      throw new RangeError(
        `queryMetrics: ranks must be distinct, ascending and ≥ 1 (got ${Array.from(ranks).join(', ')})`,
      );
    }
  }
  return {
    'map@20': averagePrecisionAt(ranks, 20),
    'recall@1': recallAt(ranks, 1),
    'recall@5': recallAt(ranks, 5),
    'recall@10': recallAt(ranks, 10),
    'mrr@10': reciprocalRankAt(ranks, 10),
    'ndcg@10': ndcgAt(ranks, 10),
  };
}

/** Running sums of per-query metrics: the mean over the queries added, and how many had no relevant item. */
export class MetricMeans {
  private readonly sums = new Float64Array(METRIC_NAMES.length);
  queries = 0;
  skipped = 0;

  add(ranks: ArrayLike<number>): void {
    if (ranks.length === 0) {
      this.skipped++;
      return;
    }
    const values = queryMetrics(ranks);
    METRIC_NAMES.forEach((name, i) => (this.sums[i] += values[name]));
    this.queries++;
  }

  /** Means over the queries that had a relevant item; NaN for every metric when there was none. */
  means(): MetricValues {
    const out = {} as MetricValues;
    METRIC_NAMES.forEach((name, i) => (out[name] = this.queries === 0 ? Number.NaN : this.sums[i] / this.queries));
    return out;
  }
}

/** The unweighted mean of groups' means (macro average), skipping groups without a value. NaN when none has one. */
export function macroMean(groups: readonly MetricValues[]): MetricValues {
  const out = {} as MetricValues;
  for (const name of METRIC_NAMES) {
    const values = groups.map((g) => g[name]).filter((v) => !Number.isNaN(v));
    out[name] = values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
  }
  return out;
}
