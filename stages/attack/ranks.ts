// Ranks and metrics of a query set on one model, computed by score's own code (evaluate → ranking), so what the
// attack records is what score will measure: no second implementation of the ranking to disagree with.
import { evaluate, type EvalSet, type RetrieverMetrics, type ScoreBlock } from '../score/index.ts';

export interface PositiveRanks {
  /** Per query of the set: rank of its positive in its language's pool (score's rank_in_language). */
  ranks: Int32Array;
  metrics: RetrieverMetrics;
}

/** Evaluates `set` with `score` and reads off each query's positive (pool index `positives[q]`). */
export async function positiveRanks(
  set: EvalSet,
  score: ScoreBlock,
  positives: Int32Array,
  block: number,
  signal?: AbortSignal,
): Promise<PositiveRanks> {
  const { metrics, ranks } = await evaluate(set, score, { block, signal });
  const out = new Int32Array(set.queries.ids.length);
  for (let row = 0; row < ranks.query.length; row++) {
    const q = ranks.query[row];
    if (ranks.candidate[row] === positives[q]) out[q] = ranks.rankInLanguage[row];
  }
  return { ranks: out, metrics };
}

/** The three numbers transfer.parquet and the robustness table use, from a set's metrics. */
export function headlineOf(m: RetrieverMetrics): {
  'mono_recall@1': number;
  'cross_recall@1': number;
  'map@20': number;
} {
  return {
    'mono_recall@1': m.mono.macro['recall@1'],
    'cross_recall@1': m.cross.macro['recall@1'],
    'map@20': m.multilingual.micro.values['map@20'],
  };
}
