// One retriever over one evaluation set: scores a block of queries at a time, ranks each query's relevant
// candidates (ranking.ts), and accumulates every setting's metrics (metrics.ts) and the language-bias measures.
//
// Settings (LAReQA, Roy et al. 2020): `multilingual` ranks the whole pool of all languages (relevant: the answer
// sentence in every language); `mono` (X → X) and `cross` (X → Y, Y ≠ X) rank only the candidates of language Y
// (relevant: the answer sentence in Y). One query's scores over the whole pool give all three, because a rank
// within language Y is a rank among Y's candidates of the same scores.
import { macroMean, MetricMeans, type MetricValues } from './metrics.ts';
import { RankScratch, relevantRanks, type PoolLanguages } from './ranking.ts';

/** The evaluation data as the scorer sees it; built from the pairs artifact's candidates and queries. */
export interface EvalSet {
  /** Dataset name, e.g. "xquad-r". */
  dataset: string;
  languages: readonly string[];
  /** The languages the models were trained on (from the pairs artifact), or null when unknown. */
  trainLanguages: readonly string[] | null;
  candidates: { ids: readonly string[]; texts: readonly string[]; lang: Uint8Array };
  queries: { ids: readonly string[]; texts: readonly string[]; lang: Uint8Array; relevant: readonly Int32Array[] };
}

/** Writes the scores of queries [from, from + count) against the whole pool, row-major, into `out`. */
export type ScoreBlock = (from: number, count: number, out: Float32Array) => void | Promise<void>;

export interface BiasValues {
  /** Mean over queries of (worst − best) multilingual-pool rank among the query's relevant candidates. */
  rankDistance: number;
  /** Share of queries whose best-ranked relevant candidate is in the query's own language. */
  ownLanguageFirst: number;
  /** What ownLanguageFirst would be if the language of the best relevant item were random: mean of 1/R. */
  ownLanguageChance: number;
  /** Queries with at least two relevant candidates (the others carry no language comparison). */
  queries: number;
}

export interface Aggregate {
  values: MetricValues;
  queries: number;
  skipped: number;
}

export interface RetrieverMetrics {
  /** Query language → metrics over the whole pool; plus the macro mean over query languages. */
  multilingual: { byLanguage: Record<string, Aggregate>; macro: MetricValues; micro: Aggregate };
  /** Language → metrics of X → X. */
  mono: { byLanguage: Record<string, Aggregate>; macro: MetricValues };
  /** Query language → pool language (≠) → metrics. */
  cross: { byDirection: Record<string, Record<string, Aggregate>>; macro: MetricValues };
  /** Language bias in the multilingual pool, per query language and over all queries. */
  bias: { byLanguage: Record<string, BiasValues>; all: BiasValues };
}

/** Per query and relevant candidate: where it ranked. The raw material of every metric, kept for later analysis. */
export interface RankRows {
  query: Int32Array;
  candidate: Int32Array;
  rankAll: Int32Array;
  rankInLanguage: Int32Array;
}

class BiasSums {
  distance = 0;
  own = 0;
  chance = 0;
  queries = 0;

  add(all: Int32Array, relevant: Int32Array, queryLang: number, candLang: Uint8Array): void {
    if (all.length < 2) return;
    let best = 0;
    let worst = 0;
    for (let i = 1; i < all.length; i++) {
      if (all[i] < all[best]) best = i;
      if (all[i] > all[worst]) worst = i;
    }
    this.distance += all[worst] - all[best];
    if (candLang[relevant[best]] === queryLang) this.own++;
    this.chance += 1 / all.length;
    this.queries++;
  }

  values(): BiasValues {
    const q = this.queries;
    return q === 0
      ? { rankDistance: Number.NaN, ownLanguageFirst: Number.NaN, ownLanguageChance: Number.NaN, queries: 0 }
      : {
          rankDistance: this.distance / q,
          ownLanguageFirst: this.own / q,
          ownLanguageChance: this.chance / q,
          queries: q,
        };
  }
}

export interface EvaluateOptions {
  /** Queries scored per call of `score` (memory: block × pool floats). */
  block: number;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/** Ranks every query of `data` with `score` and returns all settings' metrics, plus the ranks they came from. */
export async function evaluate(
  data: EvalSet,
  score: ScoreBlock,
  options: EvaluateOptions,
): Promise<{ metrics: RetrieverMetrics; ranks: RankRows }> {
  const nLang = data.languages.length;
  const nCand = data.candidates.ids.length;
  const nQuery = data.queries.ids.length;
  const pool: PoolLanguages = { lang: data.candidates.lang, languages: data.languages };
  const multi = Array.from({ length: nLang }, () => new MetricMeans());
  const multiAll = new MetricMeans();
  // [query language][pool language]: the diagonal is mono, the rest cross.
  const direction = Array.from({ length: nLang }, () => Array.from({ length: nLang }, () => new MetricMeans()));
  const bias = Array.from({ length: nLang }, () => new BiasSums());
  const biasAll = new BiasSums();

  const totalRelevant = data.queries.relevant.reduce((n, r) => n + r.length, 0);
  const ranks: RankRows = {
    query: new Int32Array(totalRelevant),
    candidate: new Int32Array(totalRelevant),
    rankAll: new Int32Array(totalRelevant),
    rankInLanguage: new Int32Array(totalRelevant),
  };
  let row = 0;
  const scratch = new RankScratch();
  const block = Math.max(1, Math.min(options.block, nQuery));
  const scores = new Float32Array(block * nCand);
  const perLang: number[][] = Array.from({ length: nLang }, () => []);

  for (let from = 0; from < nQuery; from += block) {
    options.signal?.throwIfAborted();
    const count = Math.min(block, nQuery - from);
    await score(from, count, scores);
    for (let i = 0; i < count; i++) {
      const q = from + i;
      const relevant = data.queries.relevant[q];
      const qLang = data.queries.lang[q];
      const r = relevantRanks(scores.subarray(i * nCand, (i + 1) * nCand), relevant, pool, scratch);
      multi[qLang].add(sortedCopy(r.all));
      multiAll.add(sortedCopy(r.all));
      bias[qLang].add(r.all, relevant, qLang, pool.lang);
      biasAll.add(r.all, relevant, qLang, pool.lang);
      for (const list of perLang) list.length = 0;
      for (let j = 0; j < relevant.length; j++) {
        perLang[pool.lang[relevant[j]]].push(r.inLanguage[j]);
        ranks.query[row] = q;
        ranks.candidate[row] = relevant[j];
        ranks.rankAll[row] = r.all[j];
        ranks.rankInLanguage[row++] = r.inLanguage[j];
      }
      for (let l = 0; l < nLang; l++) direction[qLang][l].add(perLang[l].sort((a, b) => a - b));
    }
    options.onProgress?.(from + count, nQuery);
  }

  const aggregate = (m: MetricMeans): Aggregate => ({ values: m.means(), queries: m.queries, skipped: m.skipped });
  const langs = data.languages;
  const present = (l: number): boolean => data.queries.lang.includes(l);
  const multilingualBy: Record<string, Aggregate> = {};
  const monoBy: Record<string, Aggregate> = {};
  const crossBy: Record<string, Record<string, Aggregate>> = {};
  const biasBy: Record<string, BiasValues> = {};
  for (let x = 0; x < nLang; x++) {
    if (!present(x)) continue;
    multilingualBy[langs[x]] = aggregate(multi[x]);
    monoBy[langs[x]] = aggregate(direction[x][x]);
    biasBy[langs[x]] = bias[x].values();
    crossBy[langs[x]] = {};
    for (let y = 0; y < nLang; y++) if (y !== x) crossBy[langs[x]][langs[y]] = aggregate(direction[x][y]);
  }
  const withQueries = (list: Aggregate[]): MetricValues[] => list.filter((a) => a.queries > 0).map((a) => a.values);
  return {
    metrics: {
      multilingual: {
        byLanguage: multilingualBy,
        macro: macroMean(withQueries(Object.values(multilingualBy))),
        micro: aggregate(multiAll),
      },
      mono: { byLanguage: monoBy, macro: macroMean(withQueries(Object.values(monoBy))) },
      cross: {
        byDirection: crossBy,
        macro: macroMean(withQueries(Object.values(crossBy).flatMap((row) => Object.values(row)))),
      },
      bias: { byLanguage: biasBy, all: biasAll.values() },
    },
    ranks,
  };
}

function sortedCopy(values: Int32Array): Int32Array {
  return values.slice().sort();
}
