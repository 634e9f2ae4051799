// BM25, the lexical baseline, scored by the same ranking and metric code as the dense models. Terms are ICU words
// (Intl.Segmenter, so Chinese and Thai get dictionary words, not whole clauses), lower-cased; statistics (document
// frequency, average length) come from the whole multilingual pool, as one index over all candidates.

export interface Bm25Params {
  /** Term-frequency saturation (Lucene's default 1.2). */
  k1: number;
  /** Length normalisation (Lucene's default 0.75). */
  b: number;
}

/** ICU word tokens of `text`, lower-cased; punctuation and spaces are not terms. */
export function bm25Terms(text: string, segmenter: Intl.Segmenter): string[] {
  const terms: string[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) terms.push(s.segment.toLowerCase());
  return terms;
}

/** An inverted index of a candidate pool: postings per term, candidate lengths, and Lucene's BM25 idf. */
export class Bm25Index {
  private readonly termIds = new Map<string, number>();
  /** Postings of term t: candidates[postStart[t] .. postStart[t+1]), with their term frequencies. */
  private postStart: Int32Array;
  private postDoc: Int32Array;
  private postTf: Int32Array;
  private readonly docLen: Int32Array;
  private readonly avgLen: number;
  private readonly segmenter = new Intl.Segmenter('und', { granularity: 'word' });
  readonly size: number;

  constructor(
    texts: readonly string[],
    readonly params: Bm25Params,
  ) {
    this.size = texts.length;
    this.docLen = new Int32Array(texts.length);
    const perDoc: Map<number, number>[] = [];
    const df: number[] = [];
    let total = 0;
    texts.forEach((text, d) => {
      const counts = new Map<number, number>();
      for (const term of bm25Terms(text, this.segmenter)) {
        let id = this.termIds.get(term);
        if (id === undefined) {
          id = this.termIds.size;
          this.termIds.set(term, id);
          df.push(0);
        }
        counts.set(id, (counts.get(id) ?? 0) + 1);
        this.docLen[d]++;
      }
      for (const id of counts.keys()) df[id]++;
      perDoc.push(counts);
      total += this.docLen[d];
    });
    this.avgLen = texts.length === 0 ? 0 : total / texts.length;
    this.postStart = new Int32Array(this.termIds.size + 1);
    for (let t = 0; t < df.length; t++) this.postStart[t + 1] = this.postStart[t] + df[t];
    const fill = this.postStart.slice(0, df.length);
    this.postDoc = new Int32Array(this.postStart[df.length]);
    this.postTf = new Int32Array(this.postStart[df.length]);
    perDoc.forEach((counts, d) => {
      for (const [t, tf] of counts) {
        this.postDoc[fill[t]] = d;
        this.postTf[fill[t]++] = tf;
      }
    });
  }

  /** Lucene's idf: ln(1 + (N − df + 0.5) / (df + 0.5)), always positive. */
  idf(term: number): number {
    const df = this.postStart[term + 1] - this.postStart[term];
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /**
   * BM25 of `query` against every candidate into `out` (length = pool size). Each distinct query term counts once:
   * a question repeating a word does not double its weight. Terms absent from the pool add nothing.
   */
  score(query: string, out: Float32Array): Float32Array {
    if (out.length !== this.size)
      throw new RangeError(`Bm25Index.score: out has ${out.length} slots for ${this.size} candidates`);
    out.fill(0);
    const { k1, b } = this.params;
    const seen = new Set<number>();
    for (const term of bm25Terms(query, this.segmenter)) {
      const t = this.termIds.get(term);
      if (t === undefined || seen.has(t)) continue;
      seen.add(t);
      const idf = this.idf(t);
      for (let i = this.postStart[t]; i < this.postStart[t + 1]; i++) {
        const tf = this.postTf[i];
        const norm = k1 * (1 - b + (b * this.docLen[this.postDoc[i]]) / this.avgLen);
        out[this.postDoc[i]] += (idf * tf * (k1 + 1)) / (tf + norm);
      }
    }
    return out;
  }
}
