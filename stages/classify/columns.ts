// The stage's files from its results: the long table's columns and metrics.json. Nothing
// here depends on time or the machine, so equal inputs give equal bytes.
import type { Columns } from '../common/tables.ts';
import type { AttackOutcome, RetrieverResult } from './results.ts';
import { pushRetriever, retrieverColumnArrays } from '../score/index.ts';

export const CLASSIFY_METRICS_FORMAT = 'hybrid-xlr/classify-metrics@1';

interface Row {
  dataset: string;
  language: string;
  recipe: string;
  metric: string;
  value: number;
  examples: number;
}

function rowsOf(r: RetrieverResult): Row[] {
  const rows: Row[] = [];
  for (const res of r.results) {
    const push = (language: string, metric: string, value: number | null, examples: number): void => {
      if (value !== null && !Number.isNaN(value))
        rows.push({ dataset: res.dataset, language, recipe: res.recipe, metric, value, examples });
    };
    const count = (langs: readonly string[]): number =>
      res.byLanguage.filter((l) => langs.includes(l.language)).reduce((n, l) => n + l.examples, 0);
    for (const l of res.byLanguage) push(l.language, 'accuracy', l.accuracy, l.examples);
    const all = res.byLanguage.map((l) => l.language);
    const zeroShot = all.filter((l) => l !== 'en');
    const s = res.summary;
    push('macro', 'accuracy', s.macro, count(all));
    push('zero-shot', 'accuracy', s.zeroShot, count(zeroShot));
    push('seen', 'accuracy', s.seen, count(s.seenLanguages));
    push('unseen', 'accuracy', s.unseen, count(s.unseenLanguages));
    push('zero-shot', 'transfer_gap', s.gap, count(all));
    if (res.recipe === 'clean') {
      const probe = r.probes.find((p) => p.dataset === res.dataset);
      if (probe) push('en', 'held_out_accuracy', probe.heldOutAccuracy, probe.heldOutRows);
    }
    if (res.attack) {
      // Per language: the sample's clean accuracy, the drop and the success rate; macro rows average languages
      // with equal weight, except the success rate, pooled over every attacked row as TextAttack reports it.
      const cleanOf = (a: AttackOutcome): number => a.attacked / a.examples;
      for (const a of res.attack) {
        push(a.language, 'clean_accuracy', cleanOf(a), a.examples);
        push(a.language, 'accuracy_drop', a.successful / a.examples, a.examples);
        push(a.language, 'attack_success_rate', a.attacked > 0 ? a.successful / a.attacked : Number.NaN, a.attacked);
      }
      const examples = res.attack.reduce((n, a) => n + a.examples, 0);
      const attacked = res.attack.reduce((n, a) => n + a.attacked, 0);
      const successful = res.attack.reduce((n, a) => n + a.successful, 0);
      const meanOf = (f: (a: AttackOutcome) => number): number =>
        res.attack!.reduce((x, a) => x + f(a), 0) / res.attack!.length;
      push('macro', 'clean_accuracy', meanOf(cleanOf), examples);
      push(
        'macro',
        'accuracy_drop',
        meanOf((a) => a.successful / a.examples),
        examples,
      );
      push('macro', 'attack_success_rate', attacked > 0 ? successful / attacked : Number.NaN, attacked);
    }
  }
  return rows;
}

export function metricsColumns(results: readonly RetrieverResult[]): { columns: Columns; rows: number } {
  const cols = {
    ...retrieverColumnArrays(),
    dataset: [] as string[],
    language: [] as string[],
    recipe: [] as string[],
    metric: [] as string[],
    value: [] as number[],
    examples: [] as number[],
  };
  for (const r of results) {
    for (const row of rowsOf(r)) {
      pushRetriever(cols, r.info);
      cols.dataset.push(row.dataset);
      cols.language.push(row.language);
      cols.recipe.push(row.recipe);
      cols.metric.push(row.metric);
      cols.value.push(row.value);
      cols.examples.push(row.examples);
    }
  }
  return {
    columns: { ...cols, value: Float64Array.from(cols.value), examples: Int32Array.from(cols.examples) },
    rows: cols.retriever.length,
  };
}

/** metrics.json: the same numbers, nested per retriever, with the protocol that produced them. */
export function metricsJson(results: readonly RetrieverResult[], context: Record<string, unknown>): object {
  return {
    format: CLASSIFY_METRICS_FORMAT,
    ...context,
    retrievers: results.map((r) => ({
      id: r.info.id,
      kind: r.info.kind,
      strategy: r.info.strategy,
      batchSize: r.info.batchSize,
      loss: r.info.loss,
      seed: r.info.seed,
      fingerprint: r.info.fingerprint,
      probes: r.probes,
      results: r.results,
    })),
  };
}
