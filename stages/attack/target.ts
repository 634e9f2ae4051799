// The model under attack, as the greedy search needs it: each language's candidates (the mono pool, where the
// attack pushes the positive out of the top k) as one TF.js tensor, and a scorer that embeds a list of variants of
// one query in one call and reads off the positive's rank (ties broken by pool order, as score's ranking does),
// its similarity and the objective. The pool vectors are score's (densePool), embedded once per model.
import { tf, embed, type LoadedEncoder } from '../train/index.ts';
import type { EvalSet } from '../score/index.ts';
import type { QueryScorer, Scored } from './greedy.ts';

export class Target {
  private readonly byLanguage: { members: Int32Array; local: Map<number, number>; candT: tf.Tensor2D }[];

  constructor(
    private readonly model: LoadedEncoder,
    data: EvalSet,
    poolVectors: Float32Array,
  ) {
    const dim = model.config.outDim;
    this.byLanguage = data.languages.map((_, l) => {
      const members: number[] = [];
      data.candidates.lang.forEach((cl, c) => {
        if (cl === l) members.push(c);
      });
      const rows = new Float32Array(members.length * dim);
      members.forEach((c, i) => rows.set(poolVectors.subarray(c * dim, (c + 1) * dim), i * dim));
      const candT = tf.tidy(() => tf.transpose(tf.tensor2d(rows, [members.length, dim])) as tf.Tensor2D);
      return { members: Int32Array.from(members), local: new Map(members.map((c, i) => [c, i])), candT };
    });
  }

  /** A QueryScorer for a query of language `lang` whose positive is pool candidate `positive`, goal top `k`. */
  scorer(lang: number, positive: number, k: number): QueryScorer {
    const pool = this.byLanguage[lang];
    const pos = pool.local.get(positive);
    if (pos === undefined) throw new Error(`target: candidate ${positive} is not in the pool of language ${lang}`);
    const n = pool.members.length;
    const dim = this.model.config.outDim;
    return async (texts) => {
      const vectors = (await embed(this.model, texts)).vectors;
      const m = texts.length;
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(vectors, [m, dim]), pool.candT));
      let scores: Float32Array;
      try {
        scores = product.dataSync() as Float32Array;
      } finally {
        product.dispose();
      }
      const out: Scored[] = [];
      const top = new Float64Array(k);
      for (let r = 0; r < m; r++) {
        const row = scores.subarray(r * n, (r + 1) * n);
        const s = row[pos];
        let rank = 1;
        top.fill(Number.NEGATIVE_INFINITY);
        for (let j = 0; j < n; j++) {
          if (j === pos) continue;
          const v = row[j];
          if (v > s || (v === s && j < pos)) rank++;
          // Keep the k best other scores, descending.
          if (v > top[k - 1]) {
            let at = k - 1;
            while (at > 0 && top[at - 1] < v) {
              top[at] = top[at - 1];
              at--;
            }
            top[at] = v;
          }
        }
        out.push({ rank, similarity: s, objective: s - top[k - 1] });
      }
      return out;
    };
  }

  dispose(): void {
    for (const l of this.byLanguage) l.candT.dispose();
  }
}
