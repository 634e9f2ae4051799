// The study's compact answer: one line per configuration (strategy × batch size × loss, baselines first) with the
// headline numbers, as mean ± sample standard deviation when a configuration was trained with several seeds.
import type { RetrieverMetrics } from './evaluate.ts';

export type RetrieverKind = 'model' | 'bm25' | 'random';

/** What a row of the tables says about where a retriever came from. */
export interface RetrieverInfo {
  id: string;
  kind: RetrieverKind;
  strategy: string | null;
  batchSize: number | null;
  loss: string | null;
  seed: number | null;
  /** The train artifact's fingerprint, for models. */
  fingerprint: string | null;
}

export interface Headline {
  /** LAReQA's headline: mAP@20 over every query of the multilingual pool. */
  multilingualMap20: number;
  /** Recall@1 averaged over the cross-lingual directions (X → Y ≠ X), each with its own pool. */
  crossR1: number;
  /** Recall@1 averaged over the languages, X → X. */
  monoR1: number;
  /** Mean rank distance between a question's relevant candidates in the multilingual pool (lower: less bias). */
  rankDistance: number;
  /** Share of questions whose best relevant candidate is in their own language (chance: ownLanguageChance). */
  ownLanguageFirst: number;
  ownLanguageChance: number;
}

export function headline(m: RetrieverMetrics): Headline {
  return {
    multilingualMap20: m.multilingual.micro.values['map@20'],
    crossR1: m.cross.macro['recall@1'],
    monoR1: m.mono.macro['recall@1'],
    rankDistance: m.bias.all.rankDistance,
    ownLanguageFirst: m.bias.all.ownLanguageFirst,
    ownLanguageChance: m.bias.all.ownLanguageChance,
  };
}

const KIND_ORDER: Record<RetrieverKind, number> = { bm25: 0, random: 1, model: 2 };
const STRATEGY_ORDER: Record<string, number> = { mono: 0, cross: 1, hybrid: 2 };
const LOSS_ORDER: Record<string, number> = { infonce: 0, albef: 1 };

function configKey(info: RetrieverInfo): string {
  return JSON.stringify([info.kind, info.strategy, info.batchSize, info.loss]);
}

function compare(a: RetrieverInfo, b: RetrieverInfo): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (LOSS_ORDER[a.loss ?? ''] ?? 9) - (LOSS_ORDER[b.loss ?? ''] ?? 9) ||
    (STRATEGY_ORDER[a.strategy ?? ''] ?? 9) - (STRATEGY_ORDER[b.strategy ?? ''] ?? 9) ||
    (a.batchSize ?? 0) - (b.batchSize ?? 0) ||
    a.id.localeCompare(b.id)
  );
}

export interface SummaryRow {
  info: RetrieverInfo;
  /** Seeds (or retrievers) folded into this line. */
  n: number;
  mean: Headline;
  /** Sample standard deviation over the n runs; null when n = 1. */
  sd: Headline | null;
}

/** One row per configuration, runs of the same configuration with different seeds folded together. */
export function summaryRows(results: readonly { info: RetrieverInfo; headline: Headline }[]): SummaryRow[] {
  const groups = new Map<string, { info: RetrieverInfo; headline: Headline }[]>();
  for (const r of [...results].sort((a, b) => compare(a.info, b.info))) {
    const key = configKey(r.info);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((runs) => {
    const keys = Object.keys(runs[0].headline) as (keyof Headline)[];
    const mean = {} as Headline;
    const sd = {} as Headline;
    for (const k of keys) {
      const values = runs.map((r) => r.headline[k]);
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      mean[k] = m;
      sd[k] = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1)) : 0;
    }
    return { info: runs[0].info, n: runs.length, mean, sd: runs.length > 1 ? sd : null };
  });
}

function cell(row: SummaryRow, key: keyof Headline, digits: number): string {
  const m = row.mean[key];
  if (Number.isNaN(m)) return '—';
  return row.sd ? `${m.toFixed(digits)} ± ${row.sd[key].toFixed(digits)}` : m.toFixed(digits);
}

export interface SummaryContext {
  dataset: string;
  queries: number;
  candidates: number;
  languages: readonly string[];
  directions: number;
}

/** The Markdown table (summary.md and the end of `npm run pipeline`). */
export function summaryMarkdown(rows: readonly SummaryRow[], ctx: SummaryContext): string {
  const chance = rows.find((r) => !Number.isNaN(r.mean.ownLanguageChance))?.mean.ownLanguageChance;
  const lines = [
    `Zero-shot retrieval on ${ctx.dataset}: ${ctx.queries.toLocaleString('en-US')} questions, ${ctx.candidates.toLocaleString('en-US')} candidate sentences, ` +
      `${ctx.languages.length} languages (${ctx.languages.join(' ')}).`,
    '',
    `| retriever | strategy | batch | loss | seeds | multilingual mAP@20 | cross R@1 (${ctx.directions} dirs) | mono R@1 (${ctx.languages.length}) | rank distance ↓ | own language first |`,
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const name = r.info.kind === 'model' ? 'dual encoder' : r.info.kind === 'bm25' ? 'BM25' : 'untrained encoder';
    lines.push(
      `| ${name} | ${r.info.strategy ?? '—'} | ${r.info.batchSize ?? '—'} | ${r.info.loss ?? '—'} | ${r.info.kind === 'model' ? r.n : '—'} | ` +
        `${cell(r, 'multilingualMap20', 3)} | ${cell(r, 'crossR1', 3)} | ${cell(r, 'monoR1', 3)} | ${cell(r, 'rankDistance', 0)} | ${cell(r, 'ownLanguageFirst', 2)} |`,
    );
  }
  lines.push(
    '',
    'R@1 of mono and cross: the pool is one language\'s candidates. Rank distance: mean over questions of the worst minus the best ' +
      'multilingual-pool rank among the question\'s relevant candidates (the same answer in each language; 0 = language-agnostic). ' +
      `Own language first: share of questions whose best relevant candidate is in the question's language${chance !== undefined ? ` (chance ${chance.toFixed(2)})` : ''}. ` +
      'With several seeds: mean ± sample standard deviation.',
  );
  return `${lines.join('\n')}\n`;
}
