// The score stage's files from its in-memory results: metrics.parquet and ranks.parquet columns (schema.ts) and
// metrics.json (its shape is the RetrieverMetrics type, documented in README.md).
import type { Columns } from '../common/tables.ts';
import type { Aggregate, BiasValues, EvalSet, RankRows, RetrieverMetrics } from './evaluate.ts';
import { METRIC_NAMES, type MetricValues } from './metrics.ts';
import type { Headline, RetrieverInfo } from './summary.ts';
import { pushRetriever, retrieverColumnArrays } from './schema.ts';

export interface ScoredRetriever {
  info: RetrieverInfo;
  /** "clean" (the evaluation set's queries), "sample" (the attack's sample unperturbed) or an attack recipe. */
  querySet: string;
  metrics: RetrieverMetrics;
  /** `headline(metrics, trainLanguages)`, computed once. */
  headline: Headline;
  ranks: RankRows;
  seconds: number;
  featurelessCandidates?: number;
}

export const METRICS_JSON_FORMAT = 'hybrid-xlr/metrics@1';

interface MetricRow {
  setting: string;
  aggregate: string;
  query_lang: string;
  pool_lang: string;
  metric: string;
  value: number;
  queries: number;
  skipped: number;
}

function rowsOf(m: RetrieverMetrics): MetricRow[] {
  const rows: MetricRow[] = [];
  const push = (
    setting: string,
    aggregate: string,
    query_lang: string,
    pool_lang: string,
    values: MetricValues,
    queries: number,
    skipped: number,
  ): void => {
    for (const metric of METRIC_NAMES)
      if (!Number.isNaN(values[metric]))
        rows.push({ setting, aggregate, query_lang, pool_lang, metric, value: values[metric], queries, skipped });
  };
  const sum = (list: Aggregate[], key: 'queries' | 'skipped'): number => list.reduce((n, a) => n + a[key], 0);
  for (const [x, a] of Object.entries(m.multilingual.byLanguage))
    push('multilingual', 'language', x, 'all', a.values, a.queries, a.skipped);
  const multi = Object.values(m.multilingual.byLanguage);
  push('multilingual', 'macro', 'all', 'all', m.multilingual.macro, sum(multi, 'queries'), sum(multi, 'skipped'));
  push(
    'multilingual',
    'micro',
    'all',
    'all',
    m.multilingual.micro.values,
    m.multilingual.micro.queries,
    m.multilingual.micro.skipped,
  );
  for (const [x, a] of Object.entries(m.mono.byLanguage))
    push('mono', 'language', x, x, a.values, a.queries, a.skipped);
  const mono = Object.values(m.mono.byLanguage);
  push('mono', 'macro', 'all', 'all', m.mono.macro, sum(mono, 'queries'), sum(mono, 'skipped'));
  for (const [x, row] of Object.entries(m.cross.byDirection))
    for (const [y, a] of Object.entries(row)) push('cross', 'language', x, y, a.values, a.queries, a.skipped);
  const cross = Object.values(m.cross.byDirection).flatMap((row) => Object.values(row));
  push('cross', 'macro', 'all', 'all', m.cross.macro, sum(cross, 'queries'), sum(cross, 'skipped'));
  const pushBias = (aggregate: string, x: string, b: BiasValues): void => {
    if (b.queries === 0) return;
    const values: [string, number][] = [
      ['rank_distance', b.rankDistance],
      ['own_language_first', b.ownLanguageFirst],
      ['own_language_chance', b.ownLanguageChance],
    ];
    for (const [metric, value] of values)
      rows.push({
        setting: 'bias',
        aggregate,
        query_lang: x,
        pool_lang: 'all',
        metric,
        value,
        queries: b.queries,
        skipped: 0,
      });
  };
  for (const [x, b] of Object.entries(m.bias.byLanguage)) pushBias('language', x, b);
  pushBias('micro', 'all', m.bias.all);
  return rows;
}

export function metricsColumns(data: EvalSet, scored: readonly ScoredRetriever[]): { columns: Columns; rows: number } {
  const cols = {
    ...retrieverColumnArrays(),
    dataset: [] as string[],
    query_set: [] as string[],
    setting: [] as string[],
    aggregate: [] as string[],
    query_lang: [] as string[],
    pool_lang: [] as string[],
    metric: [] as string[],
    value: [] as number[],
    queries: [] as number[],
    skipped: [] as number[],
  };
  for (const s of scored) {
    for (const r of rowsOf(s.metrics)) {
      pushRetriever(cols, s.info);
      cols.dataset.push(data.dataset);
      cols.query_set.push(s.querySet);
      cols.setting.push(r.setting);
      cols.aggregate.push(r.aggregate);
      cols.query_lang.push(r.query_lang);
      cols.pool_lang.push(r.pool_lang);
      cols.metric.push(r.metric);
      cols.value.push(r.value);
      cols.queries.push(r.queries);
      cols.skipped.push(r.skipped);
    }
  }
  return { columns: cols, rows: cols.retriever.length };
}

/** ranks.parquet: the clean query set's ranks (attacked sets are summarised by their metrics rows). */
export function ranksColumns(data: EvalSet, all: readonly ScoredRetriever[]): { columns: Columns; rows: number } {
  const scored = all.filter((s) => s.querySet === 'clean');
  const total = scored.reduce((n, s) => n + s.ranks.query.length, 0);
  const retriever = new Array<string>(total);
  const queryId = new Array<string>(total);
  const queryLang = new Array<string>(total);
  const candidateId = new Array<string>(total);
  const candidateLang = new Array<string>(total);
  const rankAll = new Int32Array(total);
  const rankInLanguage = new Int32Array(total);
  let i = 0;
  for (const s of scored) {
    const r = s.ranks;
    for (let k = 0; k < r.query.length; k++, i++) {
      retriever[i] = s.info.id;
      queryId[i] = data.queries.ids[r.query[k]];
      queryLang[i] = data.languages[data.queries.lang[r.query[k]]];
      candidateId[i] = data.candidates.ids[r.candidate[k]];
      candidateLang[i] = data.languages[data.candidates.lang[r.candidate[k]]];
      rankAll[i] = r.rankAll[k];
      rankInLanguage[i] = r.rankInLanguage[k];
    }
  }
  return {
    columns: {
      retriever,
      query_id: queryId,
      query_lang: queryLang,
      candidate_id: candidateId,
      candidate_lang: candidateLang,
      rank_all: rankAll,
      rank_in_language: rankInLanguage,
    },
    rows: total,
  };
}

/**
 * metrics.json: the evaluation set, then per retriever its labels, headline and every setting's metrics. A pure
 * function of the inputs and the fingerprinted params (no timings: those are in the manifest's summary).
 */
export function metricsJson(
  data: EvalSet,
  scored: readonly ScoredRetriever[],
  extra: { backend: string; params: unknown },
): object {
  return {
    format: METRICS_JSON_FORMAT,
    eval: {
      dataset: data.dataset,
      languages: data.languages,
      trainLanguages: data.trainLanguages,
      candidates: data.candidates.ids.length,
      queries: data.queries.ids.length,
      relevantPerQuery: histogram(data.queries.relevant.map((r) => r.length)),
    },
    protocol: {
      metrics: METRIC_NAMES,
      ties: 'broken by candidate order in the pool',
      averaging:
        'per language (or direction): mean over queries with at least one relevant candidate; macro: equal-weight mean of those; micro: mean over all queries',
    },
    backend: extra.backend,
    params: extra.params,
    retrievers: scored.map((s) => ({
      ...s.info,
      query_set: s.querySet,
      ...(s.featurelessCandidates !== undefined && { featurelessCandidates: s.featurelessCandidates }),
      headline: s.headline,
      metrics: s.metrics,
    })),
  };
}

function histogram(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
