// Classifier inputs from a frozen text representation. A retriever (trained encoder, untrained encoder, or the
// lexical baseline) is reduced to a TextFeaturizer: texts → fixed-width vectors. Sentence pairs become
// (u, v, |u − v|, u ⊙ v) as in sentence-pair models (InferSent, SBERT); single documents (MLDoc) use u alone.
// Texts are embedded once per distinct text, and tokenized once per tokenizer config: every model of a study
// shares the tokenizer, and tokenizing is half the cost of embedding.
import { embed, embedBags, type EncodedBatch, type LoadedEncoder } from '../train/index.ts';

export interface TextFeaturizer {
  readonly dim: number;
  /** Vectors of `texts`, row-major [texts.length × dim]. */
  vectors(texts: readonly string[]): Promise<Float32Array>;
}

/** Distinct texts in first-seen order; `slot(text)` is the row of its vector. */
export class TextIndex {
  readonly texts: string[] = [];
  private readonly slots = new Map<string, number>();

  slot(text: string): number {
    let s = this.slots.get(text);
    if (s === undefined) {
      s = this.texts.length;
      this.slots.set(text, s);
      this.texts.push(text);
    }
    return s;
  }

  slotsOf(texts: readonly string[], rows: ArrayLike<number>): Int32Array {
    return Int32Array.from({ length: rows.length }, (_, i) => this.slot(texts[rows[i]]));
  }
}

/** Bags of a text list per tokenizer config, so several models with one tokenizer tokenize the list once. */
export class BagCache {
  private readonly byTexts = new WeakMap<readonly string[], Map<string, EncodedBatch>>();
  tokenized = 0;

  bags(model: LoadedEncoder, texts: readonly string[]): EncodedBatch {
    let byConfig = this.byTexts.get(texts);
    if (!byConfig) this.byTexts.set(texts, (byConfig = new Map()));
    const key = JSON.stringify(model.tokenizer.toJSON());
    let bags = byConfig.get(key);
    if (!bags) {
      bags = model.tokenizer.encodeBatch(texts);
      this.tokenized += texts.length;
      byConfig.set(key, bags);
    }
    return bags;
  }
}

/**
 * A dense encoder as featurizer. `shared` lists (e.g. a TextIndex's texts) are tokenized through the cache; any other
 * list (attacked texts) is embedded directly.
 */
export function encoderFeaturizer(
  model: LoadedEncoder,
  cache: BagCache,
  shared: readonly (readonly string[])[],
): TextFeaturizer {
  return {
    dim: model.config.outDim,
    async vectors(texts) {
      if (shared.includes(texts)) return (await embedBags(model, cache.bags(model, texts))).vectors;
      return (await embed(model, texts)).vectors;
    },
  };
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The lexical baseline's text vectors: which of `buckets` hashed words occur (binary). Words are ICU word segments
 * (root locale, so Thai and Chinese split too) after NFKC and lower-casing; hash is 32-bit FNV-1a over UTF-16 units.
 * With the pair features this gives word identity (u, v), shared words (u ⊙ v) and unshared ones (|u − v|).
 */
export function lexicalFeaturizer(buckets: number): TextFeaturizer {
  if (!Number.isInteger(buckets) || buckets < 2)
    throw new RangeError(`lexical buckets must be an integer >= 2, got ${buckets}`);
  const segmenter = new Intl.Segmenter('und', { granularity: 'word' });
  return {
    dim: buckets,
    async vectors(texts) {
      const out = new Float32Array(texts.length * buckets);
      texts.forEach((text, i) => {
        for (const seg of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
          if (!seg.isWordLike) continue;
          let h = FNV_OFFSET;
          for (let k = 0; k < seg.segment.length; k++) h = Math.imul(h ^ seg.segment.charCodeAt(k), FNV_PRIME);
          out[i * buckets + ((h >>> 0) % buckets)] = 1;
        }
      });
      return out;
    },
  };
}

/**
 * Pair features [rows × 4·dim]: u, v, |u − v|, u ⊙ v, with u = vectors[premise slot], v = hypothesisVectors[hypothesis
 * slot] (the same vectors unless the hypotheses were embedded apart, as attacked ones are).
 */
export function pairFeatures(
  vectors: Float32Array,
  dim: number,
  premiseSlots: Int32Array,
  hypothesisSlots: Int32Array,
  hypothesisVectors = vectors,
): Float32Array {
  const n = premiseSlots.length;
  const out = new Float32Array(n * 4 * dim);
  for (let i = 0; i < n; i++) {
    const u = premiseSlots[i] * dim;
    const v = hypothesisSlots[i] * dim;
    const o = i * 4 * dim;
    for (let d = 0; d < dim; d++) {
      const a = vectors[u + d];
      const b = hypothesisVectors[v + d];
      out[o + d] = a;
      out[o + dim + d] = b;
      out[o + 2 * dim + d] = Math.abs(a - b);
      out[o + 3 * dim + d] = a * b;
    }
  }
  return out;
}

/** Single-text features [rows × dim]: the text's vector. */
export function singleFeatures(vectors: Float32Array, dim: number, slots: Int32Array): Float32Array {
  const out = new Float32Array(slots.length * dim);
  slots.forEach((s, i) => out.set(vectors.subarray(s * dim, (s + 1) * dim), i * dim));
  return out;
}
