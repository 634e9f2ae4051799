// The contrasts the research question is about, each a paired bootstrap over questions (bootstrap.ts) on per-query
// values averaged over seeds (per-query.ts), with a second, two-level interval that also resamples the seeds:
//   hybrid−mono, hybrid−cross   at each batch size (per loss): does mixing batch kinds beat one kind?
//   batch-effect                largest − smallest batch size, per strategy: what scaling the batch does;
//   drop-change                 robustness drop (unperturbed − attacked, on the attacked queries) at the largest minus
//                               at the smallest batch size, per strategy and recipe: does scaling the batch change
//                               robustness? The unperturbed side is attack's sample when there is one, else clean.
// Rows come out in a fixed order, so stats.parquet is byte-identical on a rerun.
import { createRng } from '../common/random.ts';
import { pairedBootstrap, resamplingPlan, seedBootstrap, type Interval } from './bootstrap.ts';
import type { RetrieverIdentity } from './types.ts';
import {
  QUERY_METRICS,
  questionOf,
  queryValuesKey,
  SAMPLE_SET,
  type QueryMetric,
  type QueryValues,
} from './per-query.ts';

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
  /** The interval when each side's seeds are resampled too (two-level bootstrap): covers training randomness. */
  lowSeeds: number;
  highSeeds: number;
  /** The question-level interval alone excludes 0 (`distinguishable` also needs the seed-level one to). */
  distinguishableByQuestions: boolean;
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
  return [...byKey.values()].sort(
    (a, b) =>
      a.loss.localeCompare(b.loss) ||
      STRATEGY_RANK(a.strategy) - STRATEGY_RANK(b.strategy) ||
      a.batchSize - b.batchSize,
  );
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

  /** A configuration's seeds on the given query sets (seed × set), or null when a seed lacks one of them. */
  const seedsOf = (c: Configuration, sets: readonly string[]): QueryValues[][] | null => {
    const out: QueryValues[][] = [];
    for (const r of c.retrievers) {
      const row = sets.map((set) => perQuery.get(queryValuesKey(set, r)));
      if (row.some((v) => v === undefined)) continue;
      out.push(row as QueryValues[]);
    }
    return out.length > 0 ? out : null;
  };

  const rows: ContrastRow[] = [];
  const losses = [...new Set(configs.map((c) => c.loss))];
  const find = (strategy: string, batchSize: number, loss: string) =>
    configs.find((c) => c.strategy === strategy && c.batchSize === batchSize && c.loss === loss);
  const emit = (
    fields: Pick<
      ContrastRow,
      | 'contrast'
      | 'loss'
      | 'strategy'
      | 'batchSize'
      | 'batchFrom'
      | 'batchTo'
      | 'querySet'
      | 'referenceSet'
      | 'sideA'
      | 'sideB'
    >,
    a: { config: Configuration; sets: string[] },
    b: { config: Configuration; sets: string[] },
    f: (x: number[]) => number,
  ): void => {
    const seedsA = seedsOf(a.config, a.sets);
    const seedsB = seedsOf(b.config, b.sets);
    if (!seedsA || !seedsB) return;
    for (const metric of QUERY_METRICS) {
      const side = pairSeeds(seedsA, seedsB, metric, f);
      // A metric with no per-query value on a side (attacked sets have mono R@1 only): no contrast.
      if (side.ids.length === 0) continue;
      const cluster = Int32Array.from(side.ids, (id) => clusterOf.get(questionOf(id)) ?? -1);
      const meanA = seedMean(side.a);
      const meanB = seedMean(side.b);
      const diff = meanA.map((x, i) => x - meanB[i]);
      const questions = pairedBootstrap(plan, cluster, diff, options.level);
      const rng = createRng(
        options.seed,
        `report-seeds:${fields.contrast}:${fields.loss}:${fields.strategy}:${fields.batchSize}:${fields.querySet}:${metric}`,
      );
      const withSeeds = seedBootstrap(plan, cluster, { values: side.a }, { values: side.b }, rng, options.level);
      rows.push({
        ...fields,
        ...questions,
        metric,
        distinguishableByQuestions: questions.distinguishable,
        lowSeeds: withSeeds.low,
        highSeeds: withSeeds.high,
        // Told apart only if the difference survives both the choice of questions and the choice of training runs.
        distinguishable: questions.distinguishable && (withSeeds.low > 0 || withSeeds.high < 0),
        meanA: mean(meanA),
        meanB: mean(meanB),
        seedsA: seedsA.length,
        seedsB: seedsB.length,
        resamples: options.resamples,
        seed: options.seed,
      });
    }
  };
  const value = (x: number[]): number => x[0];
  const drop = (x: number[]): number => x[0] - x[1];

  for (const loss of losses) {
    const sizes = [...new Set(configs.filter((c) => c.loss === loss).map((c) => c.batchSize))].sort((a, b) => a - b);
    // Strategy contrasts, clean queries, at each batch size.
    for (const other of ['mono', 'cross'] as const) {
      for (const size of sizes) {
        const hybrid = find('hybrid', size, loss);
        const rival = find(other, size, loss);
        if (!hybrid || !rival) continue;
        const fields = {
          contrast: `hybrid-${other}` as const,
          loss,
          strategy: null,
          batchSize: size,
          batchFrom: null,
          batchTo: null,
          querySet: 'clean',
          referenceSet: null,
          sideA: `hybrid, B=${size}`,
          sideB: `${other}, B=${size}`,
        };
        emit(fields, { config: hybrid, sets: ['clean'] }, { config: rival, sets: ['clean'] }, value);
      }
    }
    if (sizes.length < 2) continue;
    const from = sizes[0];
    const to = sizes[sizes.length - 1];
    for (const strategy of ['mono', 'cross', 'hybrid']) {
      const small = find(strategy, from, loss);
      const large = find(strategy, to, loss);
      if (!small || !large) continue;
      const scaling = { loss, strategy, batchSize: null, batchFrom: from, batchTo: to };
      emit(
        {
          ...scaling,
          contrast: 'batch-effect',
          querySet: 'clean',
          referenceSet: null,
          sideA: `${strategy}, B=${to}`,
          sideB: `${strategy}, B=${from}`,
        },
        { config: large, sets: ['clean'] },
        { config: small, sets: ['clean'] },
        value,
      );
      // Robustness: the drop unperturbed − attacked on the same queries (within each trained run), at the largest minus
      // the smallest batch size.
      for (const recipe of recipes) {
        emit(
          {
            ...scaling,
            contrast: 'drop-change',
            querySet: recipe,
            referenceSet: reference,
            sideA: `${strategy}, B=${to}: ${reference} − ${recipe}`,
            sideB: `${strategy}, B=${from}: ${reference} − ${recipe}`,
          },
          { config: large, sets: [reference, recipe] },
          { config: small, sets: [reference, recipe] },
          drop,
        );
      }
    }
  }
  return { rows, questions: questionIds.length, querySets };
}

/**
 * The queries every seed of both sides has (finite `metric` in every set), and per seed the value `f` combines
 * from its sets (the metric itself, or a drop between two sets of one run).
 */
function pairSeeds(
  a: QueryValues[][],
  b: QueryValues[][],
  metric: QueryMetric,
  f: (x: number[]) => number,
): { ids: string[]; a: Float64Array[]; b: Float64Array[] } {
  const all = [...a, ...b].flat();
  const index = all.map((v) => new Map(v.ids.map((id, i) => [id, i])));
  const at = (k: number, id: string): number => {
    const i = index[k].get(id);
    return i === undefined ? Number.NaN : all[k].values[metric][i];
  };
  const ids = all[0].ids.filter((id) => all.every((_, k) => Number.isFinite(at(k, id))));
  let k = 0;
  const side = (seeds: QueryValues[][]): Float64Array[] =>
    seeds.map((sets) => {
      const first = k;
      k += sets.length;
      return Float64Array.from(ids, (id) => f(sets.map((_, j) => at(first + j, id))));
    });
  return { ids, a: side(a), b: side(b) };
}

function seedMean(seeds: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(seeds[0].length);
  for (const s of seeds) for (let i = 0; i < out.length; i++) out[i] += s[i];
  for (let i = 0; i < out.length; i++) out[i] /= seeds.length;
  return out;
}

/** clean first, then the unperturbed sample, then the recipes alphabetically. */
export function sortQuerySets(sets: readonly string[]): string[] {
  const rank = (s: string): number => (s === 'clean' ? 0 : s === SAMPLE_SET ? 1 : 2);
  return [...sets].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}
