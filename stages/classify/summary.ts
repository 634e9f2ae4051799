// summary.md: the zero-shot transfer table per retriever (English, zero-shot mean, seen / unseen languages, the
// gap), per-language accuracy, the attacked evaluation when there is one, and MLDoc or the line saying why not.
import type { AttackOutcome, DatasetResult, ProbeReport, RetrieverResult } from './results.ts';

export interface SummaryContext {
  xnli: {
    languages: readonly string[];
    split: {
      trainRows: number;
      heldOutRows: number;
      testRowsPerLanguage: number;
      premises: { train: number; heldOut: number; test: number };
    };
    unlabelled: number;
  };
  retrieverLanguages: readonly string[] | null;
  /** MLDoc: the languages evaluated, or the line saying why it was skipped. */
  mldoc:
    | { status: 'evaluated'; languages: readonly string[]; trainRows: number; devRows: number }
    | { status: 'skipped'; reason: string };
  /** The attacked XNLI evaluation: its sample size and what to say about it (languages left out, or why none ran). */
  attack?: { perLanguage: number; note: string };
}

const f3 = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3);

function label(r: RetrieverResult): string[] {
  const i = r.info;
  const name =
    i.kind === 'model'
      ? 'dual encoder'
      : i.kind === 'random'
        ? 'untrained encoder'
        : i.kind === 'lexical'
          ? 'lexical (hashed words)'
          : i.id;
  return [
    name,
    i.strategy ?? '—',
    i.batchSize === null ? '—' : String(i.batchSize),
    i.loss ?? '—',
    i.seed === null ? '—' : String(i.seed),
  ];
}

function find(r: RetrieverResult, dataset: string, recipe = 'clean'): DatasetResult | undefined {
  return r.results.find((x) => x.dataset === dataset && x.recipe === recipe);
}

function probe(r: RetrieverResult, dataset: string): ProbeReport | undefined {
  return r.probes.find((p) => p.dataset === dataset);
}

function transferTable(
  results: readonly RetrieverResult[],
  dataset: string,
  nLang: number,
  ctx: SummaryContext,
): string[] {
  const any = results.map((r) => find(r, dataset)).find(Boolean);
  const seen = any?.summary.seenLanguages.length ?? 0;
  const unseen = any?.summary.unseenLanguages.length ?? 0;
  const groups = ctx.retrieverLanguages ? [`seen (${seen})`, `unseen (${unseen})`] : [];
  const head = [
    'retriever',
    'strategy',
    'batch',
    'loss',
    'seed',
    'en (probe trained here)',
    `zero-shot mean (${nLang - 1})`,
    ...groups,
    'gap en − zero-shot',
    `macro (${nLang})`,
    'held-out en',
  ];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i >= 5 || i === 2 || i === 4 ? '---:' : '---')).join('|')}|`,
  ];
  for (const r of results) {
    const res = find(r, dataset);
    if (!res) continue;
    const s = res.summary;
    const cells = [
      ...label(r),
      f3(s.source),
      f3(s.zeroShot),
      ...(ctx.retrieverLanguages ? [f3(s.seen), f3(s.unseen)] : []),
      f3(s.gap),
      f3(s.macro),
      f3(probe(r, dataset)?.heldOutAccuracy),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function languageTable(results: readonly RetrieverResult[], dataset: string, languages: readonly string[]): string[] {
  const head = ['retriever', 'strategy', 'batch', 'loss', 'seed', ...languages];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i >= 5 ? '---:' : '---')).join('|')}|`];
  for (const r of results) {
    const res = find(r, dataset);
    if (!res) continue;
    lines.push(
      `| ${[...label(r), ...languages.map((l) => f3(res.byLanguage.find((x) => x.language === l)?.accuracy))].join(' | ')} |`,
    );
  }
  return lines;
}

function attackTable(results: readonly RetrieverResult[], dataset: string, attack: SummaryContext['attack']): string[] {
  const recipes = [
    ...new Set(
      results.flatMap((r) =>
        r.results.filter((x) => x.dataset === dataset && x.recipe !== 'clean').map((x) => x.recipe),
      ),
    ),
  ];
  if (!attack) return [];
  if (recipes.length === 0) return ['', `Under attack: ${attack.note}`];
  const head = [
    'retriever',
    'strategy',
    'batch',
    'loss',
    'seed',
    'recipe',
    'clean (sample)',
    'under attack',
    'drop',
    'successful',
    'failed',
    'skipped',
    'attack success rate',
    'calls / attacked',
  ];
  const lines = [
    '',
    `Under attack: the attack stage's recipes on the hypotheses of ${attack.perLanguage} part-B pairs per language (the same pairs in every language). ` +
      'Macro over languages; TextAttack-style counts: only pairs the probe got right are attacked (successful = label flipped), the others are skipped. ' +
      attack.note,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i >= 6 || i === 2 || i === 4 ? '---:' : '---')).join('|')}|`,
  ];
  for (const r of results) {
    for (const recipe of recipes) {
      const res = find(r, dataset, recipe);
      if (!res || !res.attack) continue;
      const sum = (f: (a: AttackOutcome) => number): number => res.attack!.reduce((n, a) => n + f(a), 0);
      const mean = (f: (a: AttackOutcome) => number): number => sum(f) / res.attack!.length;
      const attacked = sum((a) => a.attacked);
      const successful = sum((a) => a.successful);
      const cells = [
        ...label(r),
        recipe,
        f3(mean((a) => a.attacked / a.examples)),
        f3(res.summary.macro),
        f3(mean((a) => a.successful / a.examples)),
        String(successful),
        String(attacked - successful),
        String(sum((a) => a.skipped)),
        f3(attacked > 0 ? successful / attacked : Number.NaN),
        recipe === 'greedy' && attacked > 0 ? (sum((a) => a.modelCalls) / attacked).toFixed(1) : '—',
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  return lines;
}

export function summaryMarkdown(results: readonly RetrieverResult[], ctx: SummaryContext): string {
  const x = ctx.xnli;
  const seenLine = ctx.retrieverLanguages
    ? `Seen = zero-shot languages among the retrievers' training languages (${ctx.retrieverLanguages.join(' ')}); unseen = the others.`
    : "The retrievers' training languages are unknown (no pairs report), so there is no seen / unseen split.";
  const out = [
    '## Zero-shot cross-lingual XNLI (probe trained on English only)',
    '',
    `A softmax probe on frozen features (u, v, |u − v|, u ⊙ v) trained on English XNLI dev part A ` +
      `(${x.split.premises.train} premises, ${x.split.trainRows} pairs; early stopping on ${x.split.premises.heldOut} held-out premises, ${x.split.heldOutRows} pairs), ` +
      `evaluated on part B (${x.split.premises.test} other premises, ${x.split.testRowsPerLanguage} pairs) in ${x.languages.length} languages. Accuracy; chance is 0.333. ` +
      `${seenLine}${x.unlabelled > 0 ? ` ${x.unlabelled} rows without a label were left out.` : ''}`,
    '',
    ...transferTable(results, 'xnli', x.languages.length, ctx),
    '',
    'Per language:',
    '',
    ...languageTable(results, 'xnli', x.languages),
    ...attackTable(results, 'xnli', ctx.attack),
    '',
    '## MLDoc',
    '',
  ];
  if (ctx.mldoc.status === 'skipped') {
    out.push(`MLDoc: skipped — ${ctx.mldoc.reason}`);
  } else {
    const m = ctx.mldoc;
    out.push(
      `A softmax probe on the frozen document vector, trained on English (${m.trainRows} documents, early stopping on english.dev, ${m.devRows}), tested in ${m.languages.length} languages. Accuracy; chance is 0.250.`,
      '',
      ...transferTable(results, 'mldoc', m.languages.length, ctx),
      '',
      ...languageTable(results, 'mldoc', m.languages),
    );
  }
  return `${out.join('\n')}\n`;
}
