// Transfer of the greedy attack: the queries made against each source model, scored on every target model of the
// sweep with score's code, plus the clean sample on the target. The target's pool vectors are the ones embedded
// while it was attacked (kept on disk between the two passes, so memory holds one pool at a time).
import { tf, type LoadedEncoder } from '../train/index.ts';
import { embeddedQueryScorer, querySubset, type EvalSet } from '../score/index.ts';
import { headlineOf, positiveRanks } from './ranks.ts';

export interface TransferRow {
  source: string;
  target: string;
  recipe: 'greedy' | 'clean';
  metric: string;
  value: number;
}

/**
 * The rows of one target: for each source (in order), the target's metrics on the source's greedy queries, and
 * on the clean sample (repeated per source, so every cell of the matrix has its reference).
 */
export async function transferRowsFor(
  target: { id: string; model: LoadedEncoder; poolVectors: Float32Array },
  sources: readonly { id: string; texts: readonly string[] }[],
  data: EvalSet,
  sample: { ids: readonly string[]; texts: readonly string[]; positives: Int32Array },
  block: number,
): Promise<TransferRow[]> {
  const dim = target.model.config.outDim;
  const nCand = data.candidates.ids.length;
  const candT = tf.tidy(() => tf.transpose(tf.tensor2d(target.poolVectors, [nCand, dim])) as tf.Tensor2D);
  try {
    const measure = async (texts: readonly string[]) =>
      headlineOf(
        (
          await positiveRanks(
            querySubset(data, sample.ids, texts),
            await embeddedQueryScorer(target.model, candT, texts),
            sample.positives,
            block,
          )
        ).metrics,
      );
    const clean = await measure(sample.texts);
    const rows: TransferRow[] = [];
    for (const source of sources) {
      const attacked = await measure(source.texts);
      for (const [metric, value] of Object.entries(attacked))
        rows.push({ source: source.id, target: target.id, recipe: 'greedy', metric, value });
      for (const [metric, value] of Object.entries(clean))
        rows.push({ source: source.id, target: target.id, recipe: 'clean', metric, value });
    }
    return rows;
  } finally {
    candT.dispose();
  }
}
