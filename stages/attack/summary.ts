// summary.md: what was attacked, TextAttack's table per model × recipe, the transfer matrix, and what the stage
// could not do (languages whose keyboard has no layout here, languages without a dictionary, featureless queries).
import type { RetrieverInfo } from '../score/index.ts';
import type { TableRow } from './columns.ts';
import type { TransferRow } from './transfer.ts';

export interface SummaryContext {
  dataset: string;
  perLanguage: number;
  queries: number;
  languages: readonly string[];
  k: number;
  budget: { wordShare: number; maxEdits: number; maxModelCalls: number };
  codemix: string;
  /** Languages whose sampled queries have no character on a keyboard layout: char used layout-free edits only. */
  layoutFree: readonly string[];
  /** Languages with no MUSE dictionary: codemix skipped their queries. */
  noDictionary: readonly string[];
  /** Sampled queries with no feature for the models' tokenizer (empty, punctuation only). */
  featurelessQueries: number;
  disagreements: number;
}

function label(info: RetrieverInfo): string {
  return info.kind === 'model' && info.strategy
    ? `${info.strategy} B=${info.batchSize} ${info.loss}${info.seed !== null ? ` s${info.seed}` : ''}`
    : info.id;
}

const fmt = (x: number, d = 3): string => (Number.isNaN(x) ? '—' : x.toFixed(d));

export function summaryMarkdown(
  table: readonly TableRow[],
  transfer: readonly TransferRow[],
  infos: readonly RetrieverInfo[],
  ctx: SummaryContext,
): string {
  const lines = [
    `Adversarial queries on ${ctx.dataset}: ${ctx.queries} sampled questions (up to ${ctx.perLanguage} per language, ${ctx.languages.length} languages), ` +
      `each attacked in its own language. Goal: the answer sentence leaves the top ${ctx.k} of its language's pool. ` +
      `Budget: ≤ ${Math.round(ctx.budget.wordShare * 100)}% of the words and ≤ ${ctx.budget.maxEdits} edited words; greedy ≤ ${ctx.budget.maxModelCalls} model calls per query. codemix embedded language: ${ctx.codemix}.`,
    '',
  ];
  if (table.length === 0) lines.push('No model to attack.', '');
  else {
    lines.push(
      '| model | recipe | successful | failed | skipped | featureless | clean R@1 | R@1 under attack | success rate | avg perturbed words | avg model calls |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const r of table) {
      lines.push(
        `| ${label(r.info)} | ${r.recipe} | ${r.successful} | ${r.failed} | ${r.skipped} | ${r.featureless} | ${fmt(r.cleanR1)} | ${fmt(r.attackedR1)} | ` +
          `${fmt(r.successRate)} | ${Number.isNaN(r.avgPerturbedShare) ? '—' : `${(r.avgPerturbedShare * 100).toFixed(1)}%`} | ${fmt(r.avgModelCalls, 1)} |`,
      );
    }
    lines.push(
      '',
      "R@1 here is mono R@1 on the sample (rank of the answer in its language's pool); success rate = successful / (successful + failed).",
    );
  }
  const cells = transfer.filter((r) => r.recipe === 'greedy' && r.metric === 'mono_recall@1');
  if (cells.length > 0) {
    const ids = infos.map((i) => i.id);
    const clean = new Map(
      transfer.filter((r) => r.recipe === 'clean' && r.metric === 'mono_recall@1').map((r) => [r.target, r.value]),
    );
    const value = new Map(cells.map((r) => [`${r.source}\0${r.target}`, r.value]));
    lines.push(
      '',
      'Transfer: mono R@1 of the target model (column) under the greedy queries made against the source model (row); the diagonal is the white-box attack.',
      '',
      `| source \\ target | ${ids.map((_, i) => `M${i + 1}`).join(' | ')} |`,
      `|---|${ids.map(() => '---:').join('|')}|`,
      `| *clean* | ${ids.map((t) => fmt(clean.get(t) ?? Number.NaN)).join(' | ')} |`,
    );
    ids.forEach((s, i) =>
      lines.push(`| M${i + 1} | ${ids.map((t) => fmt(value.get(`${s}\0${t}`) ?? Number.NaN)).join(' | ')} |`),
    );
    lines.push('', infos.map((info, i) => `M${i + 1} = ${label(info)}`).join('; ') + '.');
  }
  lines.push('');
  lines.push(
    ctx.layoutFree.length > 0
      ? `char: no keyboard layout for ${ctx.layoutFree.join(' ')} (layouts: QWERTY for Latin script, ЙЦУКЕН, Greek); their words got the layout-free edits only (insertion, deletion, substitution from the word's own characters, swap).`
      : 'char: every sampled language had a keyboard layout.',
  );
  if (ctx.noDictionary.length > 0)
    lines.push(
      `codemix: no MUSE dictionary for ${ctx.noDictionary.join(' ')}; their queries were skipped (no codemix row).`,
    );
  lines.push(
    `Featureless sampled queries (no feature for the tokenizer: counted "featureless" in every recipe): ${ctx.featurelessQueries}.`,
  );
  if (ctx.disagreements > 0)
    lines.push(
      `Warning: ${ctx.disagreements} greedy queries where the search's own ranks differ from score's ranking (recorded ranks are score's).`,
    );
  return `${lines.join('\n')}\n`;
}
