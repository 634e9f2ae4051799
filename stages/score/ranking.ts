// From scores to ranks: the rank of each relevant candidate of a query, both in the whole pool and within its own
// language's pool, in one pass over that query's scores.
//
// Ties: candidates with equal scores are ordered by their position in the pool (the candidates table order), so
// every rank is deterministic and no two candidates share a rank. BM25 gives many exact ties (every candidate
// sharing no term with the query scores 0); trec_eval likewise breaks ties by a fixed document order.

/** A pool of candidates as the ranking code sees it: how many, and each one's language as an index. */
export interface PoolLanguages {
  /** Language index of each candidate, 0 … languages.length − 1. */
  lang: Uint8Array;
  languages: readonly string[];
}

/** Ranks of a query's relevant candidates, in the order `relevant` was given. */
export interface RelevantRanks {
  /** 1-based rank in the whole (multilingual) pool. */
  all: Int32Array;
  /** 1-based rank among the candidates of the relevant item's own language. */
  inLanguage: Int32Array;
}

/** Reused between queries: ranking every query of a 13k pool should not allocate per query. */
export class RankScratch {
  private order = new Int32Array(0);
  private hist = new Int32Array(0);
  private scores = new Float64Array(0);

  thresholds(relevant: number): Float64Array {
    if (this.scores.length < relevant) this.scores = new Float64Array(relevant);
    return this.scores;
  }

  buffers(relevant: number, languages: number): { order: Int32Array; hist: Int32Array } {
    if (this.order.length < relevant) this.order = new Int32Array(relevant);
    const need = languages * (relevant + 1);
    if (this.hist.length < need) this.hist = new Int32Array(need);
    this.hist.fill(0, 0, need);
    return { order: this.order.subarray(0, relevant), hist: this.hist.subarray(0, need) };
  }
}

/**
 * Ranks of the `relevant` candidates (pool indices) given one query's `scores` over the whole pool. One pass over
 * the pool: a candidate that outranks a relevant item also outranks every relevant item below that one, so each
 * candidate is binned by the first relevant item it outranks, per language, and the ranks are prefix sums.
 */
export function relevantRanks(
  scores: ArrayLike<number>,
  relevant: ArrayLike<number>,
  pool: PoolLanguages,
  scratch = new RankScratch(),
): RelevantRanks {
  const r = relevant.length;
  const nLang = pool.languages.length;
  const all = new Int32Array(r);
  const inLanguage = new Int32Array(r);
  if (r === 0) return { all, inLanguage };
  const { order, hist } = scratch.buffers(r, nLang);
  for (let i = 0; i < r; i++) order[i] = relevant[i];
  // Best first: higher score, then lower pool index.
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const tScore = scratch.thresholds(r);
  for (let j = 0; j < r; j++) tScore[j] = scores[order[j]];
  const worst = order[r - 1];
  const worstScore = tScore[r - 1];
  const n = pool.lang.length;
  for (let c = 0; c < n; c++) {
    const s = scores[c];
    // Most candidates rank below every relevant item: one comparison settles them.
    if (s < worstScore || (s === worstScore && c >= worst)) continue;
    // Binary search for the best relevant item c outranks (it outranks order[r - 1], so the answer is < r).
    let lo = 0;
    let hi = r - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const so = tScore[mid];
      if (s > so || (s === so && c < order[mid])) hi = mid;
      else lo = mid + 1;
    }
    hist[pool.lang[c] * (r + 1) + lo]++;
  }
  // above[j] for the j-th best relevant item: candidates binned at positions ≤ j.
  for (let j = 0; j < r; j++) {
    const item = order[j];
    const itemLang = pool.lang[item];
    let above = 0;
    let aboveInLang = 0;
    for (let l = 0; l < nLang; l++) {
      let count = 0;
      for (let t = 0; t <= j; t++) count += hist[l * (r + 1) + t];
      above += count;
      if (l === itemLang) aboveInLang = count;
    }
    // Map back to the caller's order (relevant ids are distinct).
    for (let i = 0; i < r; i++) {
      if (relevant[i] === item) {
        all[i] = above + 1;
        inLanguage[i] = aboveInLang + 1;
        break;
      }
    }
  }
  return { all, inLanguage };
}
