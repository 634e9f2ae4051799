// The report's statistics: mean ± sample sd over seeds, and a paired bootstrap over questions with percentile
// intervals. Pure functions of their inputs and a seed, so stats.parquet is byte-identical on a rerun.
//
// Why a paired, clustered bootstrap: two configurations are scored on the same queries, so the difference per
// query removes the (large) variation in query difficulty that an unpaired comparison would carry. The queries of
// one question in its 11 languages are translations of each other and far from independent, so the unit resampled
// is the question (all its language versions together); resampling language versions separately would pretend to
// have 11× the evidence and give intervals that are too narrow (test/report/bootstrap.test.ts shows the gap).
import { createRng, type Rng } from '../common/random.ts';

/** Mean, sample standard deviation (n − 1; NaN for one value) and count of the finite values. */
export function meanSd(values: readonly number[]): { mean: number; sd: number; n: number } {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN, n: 0 };
  const mean = xs.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { mean, sd: Number.NaN, n };
  const ss = xs.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)), n };
}

/** Quantile of sorted values by linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Resampling weights shared by every contrast of a report: `resamples` draws of `clusters` clusters with
 * replacement, stored as counts (row b, column c: how often cluster c was drawn in resample b). Using the same draws
 * for every contrast (common random numbers) makes contrasts comparable and costs one generation.
 */
export interface ResamplingPlan {
  readonly clusters: number;
  readonly resamples: number;
  readonly counts: Uint16Array;
}

export function resamplingPlan(
  clusters: number,
  resamples: number,
  seed: number,
  stream = 'report-bootstrap',
): ResamplingPlan {
  if (!Number.isInteger(clusters) || clusters < 1)
    throw new Error(`bootstrap: need at least one cluster (got ${clusters})`);
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new Error(`bootstrap: resamples must be a positive integer (got ${resamples})`);
  if (clusters > 65535 * 16) throw new Error(`bootstrap: ${clusters} clusters is more than this plan stores`);
  const rng = createRng(seed, stream);
  const counts = new Uint16Array(resamples * clusters);
  for (let b = 0; b < resamples; b++) {
    const row = b * clusters;
    for (let k = 0; k < clusters; k++) counts[row + rng.int(0, clusters - 1)]++;
  }
  return { clusters, resamples, counts };
}

export interface Interval {
  /** The statistic on the data as observed: the mean of the per-query differences. */
  estimate: number;
  low: number;
  high: number;
  /** Confidence level of [low, high]. */
  level: number;
  /** Clusters (questions) and queries that had a value on both sides. */
  clusters: number;
  queries: number;
  /** True when the interval excludes 0: the data tell the two sides apart at this level. */
  distinguishable: boolean;
}

/**
 * Paired bootstrap of a mean difference. `cluster[i]` is the cluster (question) of paired unit i (a query) and
 * `diff[i]` its difference (NaN: no pair, left out). The statistic is the mean over the units of the resampled
 * clusters (a ratio of sums, so clusters of different sizes weigh by their size, as in the mean itself); the
 * interval is the percentile interval of the resampled statistics.
 */
export function pairedBootstrap(
  plan: ResamplingPlan,
  cluster: ArrayLike<number>,
  diff: ArrayLike<number>,
  level = 0.95,
): Interval {
  if (cluster.length !== diff.length)
    throw new Error(`bootstrap: ${cluster.length} cluster ids for ${diff.length} differences`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1) (got ${level})`);
  const sum = new Float64Array(plan.clusters);
  const count = new Float64Array(plan.clusters);
  let queries = 0;
  for (let i = 0; i < diff.length; i++) {
    const d = diff[i];
    if (!Number.isFinite(d)) continue;
    const c = cluster[i];
    if (!(c >= 0 && c < plan.clusters))
      throw new Error(`bootstrap: cluster ${c} of unit ${i} is outside the plan's ${plan.clusters}`);
    sum[c] += d;
    count[c] += 1;
    queries++;
  }
  let used = 0;
  let totalSum = 0;
  for (let c = 0; c < plan.clusters; c++) {
    if (count[c] > 0) used++;
    totalSum += sum[c];
  }
  if (queries === 0)
    return {
      estimate: Number.NaN,
      low: Number.NaN,
      high: Number.NaN,
      level,
      clusters: 0,
      queries: 0,
      distinguishable: false,
    };
  const stats = new Float64Array(plan.resamples);
  let kept = 0;
  for (let b = 0; b < plan.resamples; b++) {
    const row = b * plan.clusters;
    let s = 0;
    let n = 0;
    for (let c = 0; c < plan.clusters; c++) {
      const w = plan.counts[row + c];
      if (w === 0) continue;
      s += w * sum[c];
      n += w * count[c];
    }
    // A resample that drew only clusters without pairs has no statistic (possible when few clusters have values).
    if (n > 0) stats[kept++] = s / n;
  }
  const sorted = stats.subarray(0, kept).sort();
  const alpha = (1 - level) / 2;
  const low = quantileSorted(sorted, alpha);
  const high = quantileSorted(sorted, 1 - alpha);
  return {
    estimate: totalSum / queries,
    low,
    high,
    level,
    clusters: used,
    queries,
    distinguishable: low > 0 || high < 0,
  };
}

/**
 * One side of a seed-level contrast: per seed (a trained run), its per-query values, aligned with the paired queries.
 */
export interface SeedSide {
  /** values[s][i]: seed s's value of paired query i. */
  values: readonly Float64Array[];
}

/**
 * Two-level (hierarchical) bootstrap of a mean paired difference: each resample draws the questions (as
 * `pairedBootstrap` does, with the plan's counts) and, independently for each side, its seeds with replacement, so
 * the interval also covers the training randomness that averaging over a few seeds leaves (Saravanan et al. 2020,
 * "Application of the hierarchical bootstrap to multi-level data in neuroscience"). With one seed per side it equals
 * the question-level interval. `cluster[i]` is paired query i's question.
 */
export function seedBootstrap(
  plan: ResamplingPlan,
  cluster: ArrayLike<number>,
  a: SeedSide,
  b: SeedSide,
  rng: Rng,
  level = 0.95,
): { low: number; high: number } {
  const n = cluster.length;
  const sums = (side: SeedSide): Float64Array[] =>
    side.values.map((v) => {
      if (v.length !== n) throw new Error(`seedBootstrap: a seed has ${v.length} values for ${n} paired queries`);
      const s = new Float64Array(plan.clusters);
      for (let i = 0; i < n; i++) s[cluster[i]] += v[i];
      return s;
    });
  const sa = sums(a);
  const sb = sums(b);
  const count = new Float64Array(plan.clusters);
  for (let i = 0; i < n; i++) count[cluster[i]] += 1;
  if (n === 0 || sa.length === 0 || sb.length === 0) return { low: Number.NaN, high: Number.NaN };
  const ta = new Float64Array(sa.length);
  const tb = new Float64Array(sb.length);
  const stats = new Float64Array(plan.resamples);
  let kept = 0;
  for (let r = 0; r < plan.resamples; r++) {
    const row = r * plan.clusters;
    ta.fill(0);
    tb.fill(0);
    let nw = 0;
    for (let c = 0; c < plan.clusters; c++) {
      const w = plan.counts[row + c];
      if (w === 0 || count[c] === 0) continue;
      nw += w * count[c];
      for (let s = 0; s < sa.length; s++) ta[s] += w * sa[s][c];
      for (let s = 0; s < sb.length; s++) tb[s] += w * sb[s][c];
    }
    if (nw === 0) continue;
    let meanA = 0;
    for (let k = 0; k < sa.length; k++) meanA += ta[rng.int(0, sa.length - 1)];
    let meanB = 0;
    for (let k = 0; k < sb.length; k++) meanB += tb[rng.int(0, sb.length - 1)];
    stats[kept++] = (meanA / sa.length - meanB / sb.length) / nw;
  }
  const sorted = stats.subarray(0, kept).sort();
  const alpha = (1 - level) / 2;
  return { low: quantileSorted(sorted, alpha), high: quantileSorted(sorted, 1 - alpha) };
}
