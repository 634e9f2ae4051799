// Embedding texts with an encoder, in process: what evaluation (score, attack, classify) and the `embed` verb
// (pipelines/commands/embed.ts) call. Exactly the computation training scores with.
import { tf } from './backend.ts';
import { poolBags, type Bags } from './encoder.ts';
import { scoped, tower } from './graph.ts';
import type { LoadedEncoder } from './model-io.ts';

export const DEFAULT_EMBED_BATCH = 1024;

export interface EmbedOptions {
  /** Texts per TF.js call; bounds the pooled batch held in memory. Default 1024. */
  batch?: number;
  onProgress?(done: number, total: number): void;
}

export interface Embedded {
  vectors: Float32Array;
  /** Texts with no feature at all (empty, or only spaces/punctuation): they all embed as normalize(bias). */
  featureless: number;
}

/** embedTexts, plus how many texts had no feature at all. */
export async function embed(
  model: LoadedEncoder,
  texts: readonly string[],
  opts: EmbedOptions = {},
): Promise<Embedded> {
  // Tokenized per batch, not all at once: a corpus's bags would otherwise be held whole next to the output.
  return embedBatches(
    model,
    texts.length,
    (start, n) => model.tokenizer.encodeBatch(texts.slice(start, start + n)),
    opts,
  );
}

/**
 * The encoder's output for texts already tokenized with `model.tokenizer`'s config (`bags`, e.g. from one
 * `encodeBatch` shared by several models with the same tokenizer): the same vectors `embed` gives for those texts.
 */
export async function embedBags(model: LoadedEncoder, bags: Bags, opts: EmbedOptions = {}): Promise<Embedded> {
  const count = bags.offsets.length - 1;
  return embedBatches(
    model,
    count,
    (start, n) => ({ offsets: bags.offsets.subarray(start, start + n + 1), ids: bags.ids }),
    opts,
  );
}

/**
 * Pools, projects and normalises `count` texts in batches; `bagsOf(start, n)` gives the bags of texts start..start+n.
 */
async function embedBatches(
  model: LoadedEncoder,
  count: number,
  bagsOf: (start: number, n: number) => Bags,
  opts: EmbedOptions,
): Promise<Embedded> {
  const batch = opts.batch ?? DEFAULT_EMBED_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`embed: batch ${batch} is not a positive integer`);
  const { dim, outDim, pooling } = model.config;
  const vectors = new Float32Array(count * outDim);
  const size = Math.min(batch, Math.max(1, count));
  const slots = Int32Array.from({ length: size }, (_, i) => i);
  const pooled = new Float32Array(size * dim);
  let featureless = 0;
  // Uploaded once: they are the same for every batch. Everything per batch lives and dies inside `scoped`.
  const kernel = tf.tensor2d(model.weights.kernel, [dim, outDim]);
  const bias = tf.tensor1d(model.weights.bias);
  try {
    for (let start = 0; start < count; start += size) {
      const n = Math.min(size, count - start);
      const bags = bagsOf(start, n);
      for (let i = 0; i < n; i++) if (bags.offsets[i + 1] === bags.offsets[i]) featureless++;
      poolBags(model.weights.table, dim, bags, slots.subarray(0, n), pooling, pooled);
      const rows = scoped(() => tower(tf.tensor2d(pooled.subarray(0, n * dim), [n, dim]), kernel, bias).dataSync());
      vectors.set(rows, start * outDim);
      opts.onProgress?.(start + n, count);
      // Lets a signal (Ctrl-C) and progress output through between batches of a long file.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    kernel.dispose();
    bias.dispose();
  }
  return { vectors, featureless };
}

/**
 * The encoder's output for each text, row-major [texts.length × outDim], each row L2-normalised: exactly what
 * training scores with (pool the hashed features, dense layer, normalize). Uses TF.js's active backend, so call
 * initBackend first. A text with no feature embeds as normalize(bias).
 */
export async function embedTexts(
  model: LoadedEncoder,
  texts: readonly string[],
  opts: EmbedOptions = {},
): Promise<Float32Array> {
  return (await embed(model, texts, opts)).vectors;
}
