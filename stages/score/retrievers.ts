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

/** A model's embedded pool, stored transposed once, that scores any list of queries against it. */
export interface DensePool {
  /** The pool's vectors, row-major [pool × outDim] (the attack stage reuses them). */
  vectors: Float32Array;
  /** Candidates with no feature (punctuation only): they all embed as normalize(bias), and tie. */
  featureless: number;
  /** A ScoreBlock for `queryTexts` (embedded now) against this pool. */
  scorer(queryTexts: readonly string[]): Promise<ScoreBlock>;
  dispose(): void;
}

/**
 * Embeds the pool with `model` and keeps it as a TF.js tensor [d × pool] (transposed once, because the wasm kernel
 * is several times faster on that layout than with a transposed operand); each block of queries is then one
 * matMul [count × d] × [d × pool]. Every query set scored on this pool (clean, attacked) shares the one embedding.
 */
export async function densePool(model: LoadedEncoder, candidateTexts: readonly string[]): Promise<DensePool> {
  const nCand = candidateTexts.length;
  const cand = await embed(model, candidateTexts);
  const dim = model.config.outDim;
  const candT = tf.tidy(() => tf.transpose(tf.tensor2d(cand.vectors, [nCand, dim])));
  return {
    vectors: cand.vectors,
    featureless: cand.featureless,
    async scorer(queryTexts) {
      return embeddedQueryScorer(model, candT, queryTexts);
    },
    dispose: () => candT.dispose(),
  };
}

/** Embeds the pool and the queries of `data` with `model`: densePool, scoring data's own queries. */
export async function denseScorer(model: LoadedEncoder, data: EvalSet): Promise<DenseScorer> {
  const pool = await densePool(model, data.candidates.texts);
  return { featureless: pool.featureless, score: await pool.scorer(data.queries.texts), dispose: () => pool.dispose() };
}

/** BM25 over the pool (one index of all languages), scored per query: `queryTexts` default to data's own. */
export function bm25Scorer(data: EvalSet, params: Bm25Params): ScoreBlock {
  return bm25Pool(data.candidates.texts, params)(data.queries.texts);
}

/** The BM25 index of a pool, built once, and a ScoreBlock for any list of queries against it. */
export function bm25Pool(
  candidateTexts: readonly string[],
  params: Bm25Params,
): (queryTexts: readonly string[]) => ScoreBlock {
  const index = new Bm25Index(candidateTexts, params);
  const nCand = candidateTexts.length;
  return (queryTexts) => (from, count, out) => {
    for (let i = 0; i < count; i++) index.score(queryTexts[from + i], out.subarray(i * nCand, (i + 1) * nCand));
  };
}

/**
 * A ScoreBlock for `queryTexts` against a pool held as its transposed vectors (`candT`, dim × pool): the queries are
 * embedded once, and each block of them is one matrix product. What densePool's scorer and attack's transfer use.
 */
export async function embeddedQueryScorer(
  model: LoadedEncoder,
  candT: tf.Tensor2D,
  queryTexts: readonly string[],
): Promise<ScoreBlock> {
  const dim = model.config.outDim;
  const queries = (await embed(model, queryTexts)).vectors;
  return (from, count, out) => {
    const block = tf.tidy(() =>
      tf.matMul(tf.tensor2d(queries.subarray(from * dim, (from + count) * dim), [count, dim]), candT),
    );
    try {
      out.set(block.dataSync() as Float32Array);
    } finally {
      block.dispose();
    }
  };
}
