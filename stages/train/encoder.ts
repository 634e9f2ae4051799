// The encoder's weights and the part of it that runs outside TF.js: the embedding table lives in a typed array,
// texts are pooled from it here, and the pooled vectors' gradients are scattered back to the rows they came from.
// Keeping the table out of the graph is what makes training fast: TF.js's gather gradient walks every row of a
// 2^18-row table each step (and wasm has no kernel for it), while a batch touches a few thousand rows.
import { fillNormal, fillUniform } from '../common/random.ts';

export type Pooling = 'mean' | 'sqrtn';

/** The encoder's shape: saved in model.json, so a loader rebuilds exactly this network. */
export interface EncoderConfig {
  /** Rows of the embedding table: the tokenizer's bucket count. */
  buckets: number;
  /** Width of the embedding table. */
  dim: number;
  /** Width of the output vectors (the dense layer's units). */
  outDim: number;
  /** `mean` of the bag's rows (PyTorch EmbeddingBag mode='mean'), or their sum over sqrt(count). */
  pooling: Pooling;
}

/**
 * All trainable weights as plain arrays: row-major `table` [buckets × dim], `kernel` [dim × outDim], `bias` [outDim].
 */
export interface EncoderWeights {
  table: Float32Array;
  kernel: Float32Array;
  bias: Float32Array;
}

/** Token bags of many texts: text i owns `ids[offsets[i] .. offsets[i+1])`. */
export interface Bags {
  offsets: Int32Array;
  ids: Int32Array;
}

/**
 * Seeded initialisation as PyTorch does it for the same modules: table rows N(0, 1) (nn.Embedding), dense weights
 * and bias U(±1/sqrt(dim)) (nn.Linear), so the PyTorch reference and this model start from the same distribution.
 */
export function initWeights(
  config: EncoderConfig,
  seed: number,
  table: Float32Array = new Float32Array(config.buckets * config.dim),
): EncoderWeights {
  const bound = 1 / Math.sqrt(config.dim);
  return {
    table: fillNormal(table, seed, 'train/init/table'),
    kernel: fillUniform(new Float32Array(config.dim * config.outDim), seed, 'train/init/kernel', bound),
    bias: fillUniform(new Float32Array(config.outDim), seed, 'train/init/bias', bound),
  };
}

/**
 * The factor each row of a bag of `count` ids contributes with, as a float32 value. An empty bag pools to the
 * zero vector. Every loop below rounds to float32 after each operation, as the WASM kernel (row-kernel.ts) and
 * PyTorch do, so the kernel reproduces these loops bit for bit.
 */
export function poolScale(pooling: Pooling, count: number): number {
  if (count === 0) return 0;
  return Math.fround(pooling === 'mean' ? 1 / count : 1 / Math.fround(Math.sqrt(count)));
}

/** Pools the bags of texts `slots` from `table` into `out` [slots.length × dim]. */
export function poolBags(
  table: Float32Array,
  dim: number,
  bags: Bags,
  slots: ArrayLike<number>,
  pooling: Pooling,
  out = new Float32Array(slots.length * dim),
): Float32Array {
  out.fill(0, 0, slots.length * dim);
  for (let i = 0; i < slots.length; i++) {
    const start = bags.offsets[slots[i]];
    const end = bags.offsets[slots[i] + 1];
    const o = i * dim;
    for (let k = start; k < end; k++) {
      const r = bags.ids[k] * dim;
      for (let d = 0; d < dim; d++) out[o + d] += table[r + d];
    }
    const scale = poolScale(pooling, end - start);
    for (let d = 0; d < dim; d++) out[o + d] *= scale;
  }
  return out;
}

/**
 * Sums gradients per table row over one step: the sparse gradient of the table, in the order rows were first
 * touched (deterministic for a given batch). `reset()` costs the rows touched, not the table size.
 */
export class RowGradients {
  readonly slotOf: Int32Array;
  rows: Int32Array;
  values: Float32Array;
  count = 0;

  /** `storage`: fixed buffers for every row (the row kernel's), used instead of growing ones. */
  constructor(
    buckets: number,
    readonly dim: number,
    storage?: { rows: Int32Array; values: Float32Array },
  ) {
    this.slotOf = new Int32Array(buckets).fill(-1);
    this.rows = storage?.rows ?? new Int32Array(4096);
    this.values = storage?.values ?? new Float32Array(4096 * dim);
  }

  reset(): void {
    for (let i = 0; i < this.count; i++) this.slotOf[this.rows[i]] = -1;
    this.count = 0;
  }

  /** The slot of `row`, created zeroed on first use. */
  slot(row: number): number {
    let s = this.slotOf[row];
    if (s >= 0) return s;
    s = this.count++;
    if (s === this.rows.length) {
      const rows = new Int32Array(this.rows.length * 2);
      rows.set(this.rows);
      this.rows = rows;
      const values = new Float32Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.rows[s] = row;
    this.slotOf[row] = s;
    this.values.fill(0, s * this.dim, (s + 1) * this.dim);
    return s;
  }

  /** Adds the gradient of pooled vectors `grad` [slots.length × dim] to the rows of their bags. */
  scatter(grad: Float32Array, bags: Bags, slots: ArrayLike<number>, pooling: Pooling, offset = 0): void {
    const dim = this.dim;
    for (let i = 0; i < slots.length; i++) {
      const start = bags.offsets[slots[i]];
      const end = bags.offsets[slots[i] + 1];
      const scale = poolScale(pooling, end - start);
      const g = (offset + i) * dim;
      for (let k = start; k < end; k++) {
        const v = this.slot(bags.ids[k]) * dim;
        for (let d = 0; d < dim; d++) this.values[v + d] += Math.fround(grad[g + d] * scale);
      }
    }
  }

  /** Marks every row of the bags as touched (zero gradient if nothing is scattered), e.g. for momentum sync. */
  touch(bags: Bags, slots: ArrayLike<number>): void {
    for (let i = 0; i < slots.length; i++)
      for (let k = bags.offsets[slots[i]]; k < bags.offsets[slots[i] + 1]; k++) this.slot(bags.ids[k]);
  }
}
