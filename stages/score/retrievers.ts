// The retrievers the score stage compares, each reduced to a ScoreBlock over one evaluation set: a trained dual
// encoder (embed both sides once, then one matrix product per block of queries), the same architecture untrained
// (random initial weights: what training adds), and BM25 (what plain word overlap gets).
import { embed, tf, type LoadedEncoder } from '../train/index.ts';
import { Bm25Index, type Bm25Params } from './bm25.ts';
import type { EvalSet, ScoreBlock } from './evaluate.ts';

/** A ScoreBlock that owns TF.js memory: call `dispose` when done with it. */
export interface DenseScorer {
  score: ScoreBlock;
  dispose(): void;
  /** Candidates with no feature (punctuation only): they all embed as normalize(bias), and tie. */
  featureless: number;
}

/**
 * Embeds the pool and the queries with `model`, then scores with one TF.js matMul per block: queries [count × d]
 * times candidates [d × pool] (stored transposed once, because the wasm kernel is several times faster on that
 * layout than with a transposed operand).
 */
export async function denseScorer(model: LoadedEncoder, data: EvalSet): Promise<DenseScorer> {
  const nCand = data.candidates.texts.length;
  const cand = await embed(model, data.candidates.texts);
  const queries = (await embed(model, data.queries.texts)).vectors;
  const dim = model.config.outDim;
  const featureless = cand.featureless;
  const candT = tf.tidy(() => tf.transpose(tf.tensor2d(cand.vectors, [nCand, dim])));
  return {
    featureless,
    score(from, count, out) {
      const block = tf.tidy(() => tf.matMul(tf.tensor2d(queries.subarray(from * dim, (from + count) * dim), [count, dim]), candT));
      try {
        out.set(block.dataSync() as Float32Array);
      } finally {
        block.dispose();
      }
    },
    dispose: () => candT.dispose(),
  };
}

/** BM25 over the pool (one index of all languages), scored per query. */
export function bm25Scorer(data: EvalSet, params: Bm25Params): ScoreBlock {
  const index = new Bm25Index(data.candidates.texts, params);
  const nCand = data.candidates.texts.length;
  return (from, count, out) => {
    for (let i = 0; i < count; i++) index.score(data.queries.texts[from + i], out.subarray(i * nCand, (i + 1) * nCand));
  };
}
