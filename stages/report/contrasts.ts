// The contrasts the research question is about, each a paired bootstrap over questions (bootstrap.ts) on per-query
// values averaged over seeds (per-query.ts):
//   hybrid−mono, hybrid−cross   at each batch size (per loss): does mixing batch kinds beat one kind?
//   batch-effect                largest − smallest batch size, per strategy: what scaling the batch does;
//   drop-change                 robustness drop (unperturbed − attacked, on the attacked queries) at the largest minus
//                               at the smallest batch size, per strategy and recipe: does scaling the batch change
//                               robustness? The unperturbed side is attack's sample when there is one, else clean.
// Rows come out in a fixed order, so stats.parquet is byte-identical on a rerun.
import { pairedBootstrap, resamplingPlan, type Interval, type ResamplingPlan } from './bootstrap.ts';
import type { RetrieverIdentity } from './load.ts';
import { meanOverSeeds, QUERY_METRICS, questionOf, queryValuesKey, SAMPLE_SET, type QueryMetric, type QueryValues } from './per-query.ts';

export type ContrastKind = 'hybrid-mono' | 'hybrid-cross' | 'batch-effect' | 'drop-change';

export interface ContrastRow extends Interval {
  contrast: ContrastKind;
  metric: QueryMetric;
  loss: string | null;
  /** The strategy both sides share (batch-effect, drop-change); null for the strategy contrasts. */
  strategy: string | null;
  /** The batch size both sides share (strategy contrasts); null otherwise. */
  batchSize: number | null;
  /** The two batch sizes compared (batch-effect, drop-change): to − from. */
  batchFrom: number | null;
  batchTo: number | null;
  /** "clean", or the recipe of a drop-change. */
  querySet: string;
  /** The unperturbed side of a drop-change ("sample": attack's sampled queries, or "clean"); null otherwise. */
  referenceSet: string | null;
  sideA: string;
  sideB: string;
  /** Means of each side over the paired queries (their difference is the estimate). */
  meanA: number;
  meanB: number;
  seedsA: number;
  seedsB: number;
  resamples: number;
  seed: number;
}

export interface ContrastOptions {
  resamples: number;
  seed: number;
  level: number;
}

export interface Configuration {
  strategy: string;
  batchSize: number;
  loss: string;
  retrievers: string[];
}

/** The trained configurations (strategy × batch size × loss), each with its seeds' retrievers, in a fixed order. */
export function configurations(retrievers: readonly RetrieverIdentity[]): Configuration[] {
  const byKey = new Map<string, Configuration>();
  for (const r of retrievers) {
    if (r.kind !== 'model' || r.strategy === null || r.batchSize === null) continue;
    const loss = r.loss ?? 'unknown';
    const key = `${r.strategy}\u0000${r.batchSize}\u0000${loss}`;
    let c = byKey.get(key);
    if (!c) byKey.set(key, (c = { strategy: r.strategy, batchSize: r.batchSize, loss, retrievers: [] }));
    c.retrievers.push(r.retriever);
  }
  return [...byKey.values()].sort((a, b) => a.loss.localeCompare(b.loss) || STRATEGY_RANK(a.strategy) - STRATEGY_RANK(b.strategy) || a.batchSize - b.batchSize);
}

const STRATEGY_RANK = (s: string): number => {
  const i = ['mono', 'cross', 'hybrid'].indexOf(s);
  return i < 0 ? 3 : i;
};

/** Every contrast the data allow, with one resampling plan over the questions shared by all. */
export function computeContrasts(
  perQuery: ReadonlyMap<string, QueryValues>,
  configs: readonly Configuration[],
  options: ContrastOptions,
): { rows: ContrastRow[]; questions: number; querySets: string[] } {
  const querySets = sortQuerySets([...new Set([...perQuery.keys()].map((k) => k.slice(0, k.indexOf('\u0000'))))]);
  const reference = querySets.includes(SAMPLE_SET) ? SAMPLE_SET : 'clean';
  const recipes = querySets.filter((s) => s !== 'clean' && s !== SAMPLE_SET);
  const questionIds = [...new Set([...perQuery.values()].flatMap((v) => v.ids.map(questionOf)))].sort();
  if (questionIds.length === 0) return { rows: [], questions: 0, querySets };
  const clusterOf = new Map(questionIds.map((q, i) => [q, i]));
  const plan = resamplingPlan(questionIds.length, options.resamples, options.seed);

  // Per configuration and query set: per-query values averaged over the configuration's seeds.
  const cache = new Map<string, { values: QueryValues; seeds: number } | null>();
  const valuesOf = (c: Configuration, querySet: string): { values: QueryValues; seeds: number } | null => {
    const key = `${querySet}\u0000${c.strategy}\u0000${c.batchSize}\u0000${c.loss}`;
    if (!cache.has(key)) {
      const seeds = c.retrievers.map((r) => perQuery.get(queryValuesKey(querySet, r))).filter((v): v is QueryValues => v !== undefined);
      cache.set(key, seeds.length > 0 ? { values: meanOverSeeds(seeds), seeds: seeds.length } : null);
    }
    return cache.get(key)!;
  };

  const rows: ContrastRow[] = [];
  const losses = [...new Set(configs.map((c) => c.loss))];
  const find = (strategy: string, batchSize: number, loss: string) => configs.find((c) => c.strategy === strategy && c.batchSize === batchSize && c.loss === loss);
  const base = { resamples: options.resamples, seed: options.seed };

  for (const loss of losses) {
    const sizes = [...new Set(configs.filter((c) => c.loss === loss).map((c) => c.batchSize))].sort((a, b) => a - b);
    // Strategy contrasts, clean queries, at each batch size.
    for (const other of ['mono', 'cross'] as const) {
      for (const size of sizes) {
        const hybrid = find('hybrid', size, loss);
        const rival = find(other, size, loss);
        if (!hybrid || !rival) continue;
        const a = valuesOf(hybrid, 'clean');
        const b = valuesOf(rival, 'clean');
        if (!a || !b) continue;
        for (const metric of QUERY_METRICS) {
          const paired = pair([a.values, b.values], metric, (x) => x[0] - x[1]);
          rows.push({
            ...base,
            ...summarise(plan, clusterOf, paired, options.level),
            contrast: `hybrid-${other}`,
            metric,
            loss,
            strategy: null,
            batchSize: size,
            batchFrom: null,
            batchTo: null,
            querySet: 'clean',
            referenceSet: null,
            sideA: `hybrid, B=${size}`,
            sideB: `${other}, B=${size}`,
            seedsA: a.seeds,
            seedsB: b.seeds,
          });
        }
      }
    }
    if (sizes.length < 2) continue;
    const from = sizes[0];
    const to = sizes[sizes.length - 1];
    for (const strategy of ['mono', 'cross', 'hybrid']) {
      const small = find(strategy, from, loss);
      const large = find(strategy, to, loss);
      if (!small || !large) continue;
      const a = valuesOf(large, 'clean');
      const b = valuesOf(small, 'clean');
      if (!a || !b) continue;
      for (const metric of QUERY_METRICS) {
        const paired = pair([a.values, b.values], metric, (x) => x[0] - x[1]);
        rows.push({
          ...base,
          ...summarise(plan, clusterOf, paired, options.level),
          contrast: 'batch-effect',
          metric,
          loss,
          strategy,
          batchSize: null,
          batchFrom: from,
          batchTo: to,
          querySet: 'clean',
          referenceSet: null,
          sideA: `${strategy}, B=${to}`,
          sideB: `${strategy}, B=${from}`,
          seedsA: a.seeds,
          seedsB: b.seeds,
        });
      }
      // Robustness: the drop unperturbed − attacked on the same queries, at the largest minus the smallest batch size.
      const ra = valuesOf(large, reference);
      const rb = valuesOf(small, reference);
      for (const recipe of recipes) {
        const la = valuesOf(large, recipe);
        const sa = valuesOf(small, recipe);
        if (!ra || !rb || !la || !sa) continue;
        for (const metric of QUERY_METRICS) {
          const sides = [ra.values, la.values, rb.values, sa.values];
          const paired = pair(sides, metric, (x) => x[0] - x[1] - (x[2] - x[3]));
          // A metric with no per-query attacked value (attack measures mono R@1 per query only): no contrast.
          if (paired.ids.length === 0) continue;
          // Side means: the drops themselves.
          const dropLarge = pair(sides, metric, (x) => x[0] - x[1]);
          const dropSmall = pair(sides, metric, (x) => x[2] - x[3]);
          const s = summarise(plan, clusterOf, paired, options.level);
          rows.push({
            ...base,
            ...s,
            meanA: mean(dropLarge.diff),
            meanB: mean(dropSmall.diff),
            contrast: 'drop-change',
            metric,
            loss,
            strategy,
            batchSize: null,
            batchFrom: from,
            batchTo: to,
            querySet: recipe,
            referenceSet: reference,
            sideA: `${strategy}, B=${to}: ${reference} − ${recipe}`,
            sideB: `${strategy}, B=${from}: ${reference} − ${recipe}`,
            seedsA: Math.min(ra.seeds, la.seeds),
            seedsB: Math.min(rb.seeds, sa.seeds),
          });
        }
      }
    }
  }
  return { rows, questions: questionIds.length, querySets };
}

/** clean first, then the unperturbed sample, then the recipes alphabetically. */
export function sortQuerySets(sets: readonly string[]): string[] {
  const rank = (s: string): number => (s === 'clean' ? 0 : s === SAMPLE_SET ? 1 : 2);
  return [...sets].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface Paired {
  ids: string[];
  diff: Float64Array;
  first: Float64Array;
  second: Float64Array;
}

/** The queries present in every side with a finite value, and `combine` of the sides' values for each. */
function pair(sides: QueryValues[], metric: QueryMetric, combine: (x: number[]) => number): Paired {
  const index = sides.slice(1).map((s) => new Map(s.ids.map((id, i) => [id, i])));
  const ids: string[] = [];
  const diff: number[] = [];
  const first: number[] = [];
  const second: number[] = [];
  sides[0].ids.forEach((id, i0) => {
    const x = [sides[0].values[metric][i0]];
    for (let s = 1; s < sides.length; s++) {
      const i = index[s - 1].get(id);
      x.push(i === undefined ? Number.NaN : sides[s].values[metric][i]);
    }
    if (!x.every(Number.isFinite)) return;
    ids.push(id);
    diff.push(combine(x));
    first.push(x[0]);
    second.push(x[1]);
  });
  return { ids, diff: Float64Array.from(diff), first: Float64Array.from(first), second: Float64Array.from(second) };
}

function summarise(plan: ResamplingPlan, clusterOf: ReadonlyMap<string, number>, p: Paired, level: number): Interval & { meanA: number; meanB: number } {
  const cluster = Int32Array.from(p.ids, (id) => clusterOf.get(questionOf(id)) ?? -1);
  return { ...pairedBootstrap(plan, cluster, p.diff, level), meanA: mean(p.first), meanB: mean(p.second) };
}

function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}
