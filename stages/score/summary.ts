// The study's compact answer: one line per configuration (strategy × batch size × loss, baselines first) with the
// headline numbers, as mean ± sample standard deviation when a configuration was trained with several seeds.
import type { Aggregate, RetrieverMetrics } from './evaluate.ts';
import { macroMean } from './metrics.ts';

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
  /** Recall@1 of X → X over the training languages X, and over the zero-shot ones (NaN when there are none). */
  monoR1Seen: number;
  monoR1ZeroShot: number;
  /** Recall@1 over directions between two training languages, and over directions with a zero-shot language. */
  crossR1Seen: number;
  crossR1ZeroShot: number;
}

/** The headline numbers; `trainLanguages` splits mono and cross R@1 into seen and zero-shot languages. */
export function headline(m: RetrieverMetrics, trainLanguages: readonly string[] | null = null): Headline {
  const seen = new Set(trainLanguages ?? []);
  const r1 = (list: Aggregate[]): number =>
    trainLanguages ? macroMean(list.filter((a) => a.queries > 0).map((a) => a.values))['recall@1'] : Number.NaN;
  const mono = Object.entries(m.mono.byLanguage);
  const cross = Object.entries(m.cross.byDirection).flatMap(([x, row]) =>
    Object.entries(row).map(([y, a]) => [x, y, a] as const),
  );
  return {
    multilingualMap20: m.multilingual.micro.values['map@20'],
    crossR1: m.cross.macro['recall@1'],
    monoR1: m.mono.macro['recall@1'],
    rankDistance: m.bias.all.rankDistance,
    ownLanguageFirst: m.bias.all.ownLanguageFirst,
    ownLanguageChance: m.bias.all.ownLanguageChance,
    monoR1Seen: r1(mono.filter(([x]) => seen.has(x)).map(([, a]) => a)),
    monoR1ZeroShot: r1(mono.filter(([x]) => !seen.has(x)).map(([, a]) => a)),
    crossR1Seen: r1(cross.filter(([x, y]) => seen.has(x) && seen.has(y)).map(([, , a]) => a)),
    crossR1ZeroShot: r1(cross.filter(([x, y]) => !seen.has(x) || !seen.has(y)).map(([, , a]) => a)),
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

function retrieverName(r: { info: RetrieverInfo }): string {
  return r.info.kind === 'model' ? 'dual encoder' : r.info.kind === 'bm25' ? 'BM25' : 'untrained encoder';
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
  /** The models' training languages: with some of `languages` outside them, a second table splits R@1 by them. */
  trainLanguages?: readonly string[] | null;
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
    lines.push(
      `| ${retrieverName(r)} | ${r.info.strategy ?? '—'} | ${r.info.batchSize ?? '—'} | ${r.info.loss ?? '—'} | ${r.info.kind === 'model' ? r.n : '—'} | ` +
        `${cell(r, 'multilingualMap20', 3)} | ${cell(r, 'crossR1', 3)} | ${cell(r, 'monoR1', 3)} | ${cell(r, 'rankDistance', 0)} | ${cell(r, 'ownLanguageFirst', 2)} |`,
    );
  }
  const seen = ctx.languages.filter((l) => ctx.trainLanguages?.includes(l));
  const zeroShot = ctx.languages.filter((l) => !seen.includes(l));
  if (ctx.trainLanguages && zeroShot.length > 0) {
    const n = ctx.languages.length;
    const seenDirs = seen.length * (seen.length - 1);
    lines.push(
      '',
      `Seen and zero-shot languages: trained on ${ctx.trainLanguages.join(' ')}; zero-shot here: ${zeroShot.join(' ')}.`,
      '',
      `| retriever | strategy | batch | loss | mono R@1 seen (${seen.length}) | mono R@1 zero-shot (${zeroShot.length}) | cross R@1 seen → seen (${seenDirs} dirs) | cross R@1 with a zero-shot language (${n * (n - 1) - seenDirs} dirs) |`,
      '|---|---|---:|---|---:|---:|---:|---:|',
    );
    for (const r of rows) {
      lines.push(
        `| ${retrieverName(r)} | ${r.info.strategy ?? '—'} | ${r.info.batchSize ?? '—'} | ${r.info.loss ?? '—'} | ` +
          `${cell(r, 'monoR1Seen', 3)} | ${cell(r, 'monoR1ZeroShot', 3)} | ${cell(r, 'crossR1Seen', 3)} | ${cell(r, 'crossR1ZeroShot', 3)} |`,
      );
    }
  }
  lines.push(
    '',
    "R@1 of mono and cross: the pool is one language's candidates. Rank distance: mean over questions of the worst minus the best " +
      "multilingual-pool rank among the question's relevant candidates (the same answer in each language; 0 = language-agnostic). " +
      `Own language first: share of questions whose best relevant candidate is in the question's language${chance !== undefined ? ` (chance ${chance.toFixed(2)})` : ''}. ` +
      'With several seeds: mean ± sample standard deviation.',
  );
  return `${lines.join('\n')}\n`;
}

/** The query sets of the robustness table, in column order; "sample" is the reference of every drop. */
const ROBUSTNESS_SETS = ['char', 'homoglyph', 'codemix', 'greedy'] as const;
const ROBUSTNESS_METRICS = [
  ['multilingualMap20', 'mAP@20'],
  ['monoR1', 'mono R@1'],
  ['crossR1', 'cross R@1'],
] as const;

export interface RobustnessRow {
  info: RetrieverInfo;
  n: number;
  /** Query set → mean over the configuration's runs of each headline number. */
  means: Map<string, Headline>;
}

/** One row per configuration (seeds folded as in summaryRows), with each query set's mean headline. */
export function robustnessRows(
  results: readonly { info: RetrieverInfo; querySet: string; headline: Headline }[],
): RobustnessRow[] {
  const sets = [...new Set(results.map((r) => r.querySet))];
  const bySet = new Map(sets.map((s) => [s, summaryRows(results.filter((r) => r.querySet === s))]));
  return (bySet.get('sample') ?? []).map((row) => {
    const key = configKey(row.info);
    const means = new Map<string, Headline>();
    for (const [set, rows] of bySet) {
      const match = rows.find((r) => configKey(r.info) === key);
      if (match) means.set(set, match.mean);
    }
    return { info: row.info, n: row.n, means };
  });
}

/** The robustness table: the sample clean, each recipe, and the drop from clean, for mAP@20, mono and cross R@1. */
export function robustnessMarkdown(rows: readonly RobustnessRow[], ctx: { sample: number }): string {
  const sets = ROBUSTNESS_SETS.filter((s) => rows.some((r) => r.means.has(s)));
  const lines = [
    `Robustness: the attack stage's ${ctx.sample} sampled questions, clean and under each recipe (attacked in their own language, same pool), ` +
      'each cell the value under attack and, in brackets, its change from clean. greedy: each model on the queries made against itself (white-box; transfer is in the attack artifact).',
    '',
    `| retriever | strategy | batch | loss | metric | clean | ${sets.join(' | ')} |`,
    `|---|---|---:|---|---|---:|${sets.map(() => '---:').join('|')}|`,
  ];
  for (const r of rows) {
    const clean = r.means.get('sample')!;
    for (const [key, name] of ROBUSTNESS_METRICS) {
      const cells = sets.map((s) => {
        const v = r.means.get(s)?.[key];
        if (v === undefined || Number.isNaN(v)) return '—';
        const d = v - clean[key];
        return `${v.toFixed(3)} (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)})`;
      });
      lines.push(
        `| ${retrieverName(r)} | ${r.info.strategy ?? '—'} | ${r.info.batchSize ?? '—'} | ${r.info.loss ?? '—'} | ${name} | ${clean[key].toFixed(3)} | ${cells.join(' | ')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
