// One training step of the dual encoder, and the whole state it updates. Pooling, the table's sparse gradient and
// every optimizer update run on typed arrays; the dense layer, normalisation and loss run in TF.js. With
// `gradCacheChunk`, a large batch is embedded without gradients first, the loss gradient is taken with respect to
// the embeddings, and the encoder is backpropagated chunk by chunk (GradCache), so memory grows with the chunk,
// not with the batch, and the result equals the plain step's.
import { tf } from './backend.ts';
import { initWeights, poolBags, RowGradients, type Bags, type EncoderConfig, type EncoderWeights } from './encoder.ts';
import { albefLoss, albefTargets, infoNceLoss, scoped, topOneAccuracy, tower } from './graph.ts';
import {
  adamState,
  adamStep,
  sparseAdamConstants,
  sparseAdamStep,
  type AdamConfig,
  type AdamState,
} from './optimizer.ts';
import { RowKernel } from './row-kernel.ts';
import { fillNormal } from '../common/random.ts';

type T2 = import('@tensorflow/tfjs-core').Tensor2D;
type T1 = import('@tensorflow/tfjs-core').Tensor1D;
type Scalar = import('@tensorflow/tfjs-core').Scalar;
type Tensor = import('@tensorflow/tfjs-core').Tensor;

export type LossKind = 'infonce' | 'albef';

export interface TrainerConfig {
  encoder: EncoderConfig;
  loss: LossKind;
  /**
   * Peak learning rate of the dense layer (and a learnt τ), reached after `warmupSteps`; `linear` then decays it to 0
   * at `totalSteps`.
   */
  lr: number;
  /**
   * Peak learning rate of the embedding table, on the same schedule. The table starts N(0, 1) while Adam moves an
   * element by about lr per update, and a hashed feature's row is updated only in the steps whose batch holds it:
   * at the dense layer's 1e-3 the rows end within a few percent of their random init.
   */
  tableLr: number;
  warmupSteps: number;
  schedule: 'constant' | 'linear';
  totalSteps: number;
  adam: AdamConfig;
  /** Softmax temperature τ (its start value when learnt). */
  temperature: number;
  /** Learn τ with Adam, clamped to [0.001, 0.5] after each step as ALBEF does. */
  learnTemperature: boolean;
  /** albef: EMA factor of the momentum encoder. */
  momentum: number;
  /** albef: queued momentum features per side (extra negatives); 0 keeps only the batch. */
  queueSize: number;
  /** albef: weight of the momentum model's softmax in the targets. */
  alpha: number;
  /** Backpropagate in chunks of this many texts when a batch is larger; 0 never does. */
  gradCacheChunk: number;
}

/** ALBEF's momentum encoder and queues. Table rows are updated lazily: `synced[r]` is the step row r's EMA is at. */
export interface MomentumState {
  weights: EncoderWeights;
  synced: Int32Array;
  queueQ: Float32Array;
  queueP: Float32Array;
  /** Next queue row to overwrite. */
  queuePtr: number;
}

/** Everything a step changes: a checkpoint holding this resumes bit for bit. */
export interface TrainerState {
  /** Optimizer steps taken. */
  step: number;
  weights: EncoderWeights;
  adam: { table: AdamState; kernel: AdamState; bias: AdamState; temperature: AdamState };
  temperature: Float32Array;
  momentum: MomentumState | null;
}

export interface StepResult {
  loss: number;
  lr: number;
  temperature: number;
  /** Table rows the step updated. */
  touchedRows: number;
}

const TEMPERATURE_RANGE = [0.001, 0.5] as const;

/** The learning rate at 1-based step `step`. */
export function learningRate(
  c: Pick<TrainerConfig, 'lr' | 'warmupSteps' | 'schedule' | 'totalSteps'>,
  step: number,
): number {
  const warm = c.warmupSteps > 0 ? Math.min(1, step / c.warmupSteps) : 1;
  if (c.schedule === 'constant' || step <= c.warmupSteps) return c.lr * warm;
  const left = Math.max(0, c.totalSteps - step) / Math.max(1, c.totalSteps - c.warmupSteps);
  return c.lr * left;
}

/**
 * The state before the first step. With `kernel`, the table, its Adam moments and the momentum table are the
 * kernel's arrays, and the trainer runs its row loops there; without, plain arrays and the JS loops.
 */
export function initialState(config: TrainerConfig, seed: number, kernel: RowKernel | null = null): TrainerState {
  if (
    kernel &&
    (kernel.table.length !== config.encoder.buckets * config.encoder.dim ||
      kernel.dim !== config.encoder.dim ||
      (config.loss === 'albef') !== (kernel.momentumTable !== null))
  ) {
    throw new Error(
      `trainer: the row kernel's shape does not match the encoder (${config.encoder.buckets} × ${config.encoder.dim}, loss ${config.loss})`,
    );
  }
  const weights = initWeights(config.encoder, seed, kernel?.table);
  const { buckets, dim, outDim } = config.encoder;
  let momentum: MomentumState | null = null;
  if (config.loss === 'albef') {
    const normalRows = (stream: string) => {
      const q = fillNormal(new Float32Array(config.queueSize * outDim), seed, stream);
      for (let r = 0; r < config.queueSize; r++) normalizeRow(q, r, outDim);
      return q;
    };
    // ALBEF starts the momentum model as a copy and fills the queues with random unit vectors.
    momentum = {
      weights: {
        table: copyOf(weights.table, kernel?.momentumTable),
        kernel: weights.kernel.slice(),
        bias: weights.bias.slice(),
      },
      synced: new Int32Array(buckets),
      queueQ: normalRows('train/init/queue-q'),
      queueP: normalRows('train/init/queue-p'),
      queuePtr: 0,
    };
  }
  // Touch the table's moments now: a zeroed 128 MiB array is mapped lazily, and faulting its pages in one by one
  // as batches reach new rows costs the first few hundred steps far more than the update itself.
  const tableAdam = kernel ? { m: kernel.adamM, v: kernel.adamV } : adamState(buckets * dim);
  tableAdam.m.fill(1).fill(0);
  tableAdam.v.fill(1).fill(0);
  return {
    step: 0,
    weights,
    adam: { table: tableAdam, kernel: adamState(dim * outDim), bias: adamState(outDim), temperature: adamState(1) },
    temperature: Float32Array.of(config.temperature),
    momentum,
  };
}

function copyOf(source: Float32Array, target: Float32Array | null | undefined): Float32Array {
  if (!target) return source.slice();
  target.set(source);
  return target;
}

function normalizeRow(x: Float32Array, r: number, width: number): void {
  let s = 0;
  for (let d = 0; d < width; d++) s += x[r * width + d] ** 2;
  const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
  for (let d = 0; d < width; d++) x[r * width + d] *= inv;
}

export class Trainer {
  private readonly rowGrads: RowGradients;
  private readonly momentumRows: RowGradients | null;
  /** The WASM row kernel, when the state's big arrays live in its memory (initialState with a kernel). */
  readonly kernel: RowKernel | null;

  constructor(
    readonly config: TrainerConfig,
    readonly state: TrainerState,
  ) {
    const { buckets, dim } = config.encoder;
    if (state.weights.table.length !== buckets * dim)
      throw new Error(`trainer: table has ${state.weights.table.length} values, expected ${buckets}×${dim}`);
    const kernel = RowKernel.owning(state.weights.table);
    const inKernel = (a: Float32Array) => kernel !== null && kernel.owns(a);
    this.kernel =
      kernel &&
      inKernel(state.adam.table.m) &&
      inKernel(state.adam.table.v) &&
      (!state.momentum || inKernel(state.momentum.weights.table))
        ? kernel
        : null;
    this.rowGrads = new RowGradients(
      buckets,
      dim,
      this.kernel ? { rows: this.kernel.gradRows, values: this.kernel.gradValues } : undefined,
    );
    this.momentumRows = config.loss === 'albef' ? new RowGradients(buckets, dim) : null;
  }

  private pool(table: Float32Array, bags: Bags, slots: Int32Array): Float32Array {
    const { dim, pooling } = this.config.encoder;
    return this.kernel ? this.kernel.poolBags(table, bags, slots, pooling) : poolBags(table, dim, bags, slots, pooling);
  }

  private scatter(grad: Float32Array, bags: Bags, slots: Int32Array): void {
    const pooling = this.config.encoder.pooling;
    if (this.kernel) this.kernel.scatter(this.slotOf, grad, bags, slots, pooling, 0);
    else this.rowGrads.scatter(grad, bags, slots, pooling);
  }

  private readonly slotOf = (row: number): number => this.rowGrads.slot(row);

  /** One optimizer step on the batch whose question texts are `qSlots` and passage texts `pSlots` in `bags`. */
  step(bags: Bags, qSlots: Int32Array, pSlots: Int32Array): StepResult {
    const { config, state } = this;
    const t = state.step + 1;
    const lr = learningRate(config, t);
    const tableLr = learningRate({ ...config, lr: config.tableLr }, t);
    const g = this.gradients(bags, qSlots, pSlots);
    if (this.kernel) {
      const c = sparseAdamConstants(tableLr, t, config.adam);
      this.kernel.sparseAdam(this.rowGrads.count, c.oneMinusBeta1, c.oneMinusBeta2, c.eps, c.stepSize);
    } else {
      sparseAdamStep(state.weights.table, state.adam.table, this.rowGrads, tableLr, t, config.adam);
    }
    adamStep(state.weights.kernel, state.adam.kernel, g.kernel, lr, t, config.adam);
    adamStep(state.weights.bias, state.adam.bias, g.bias, lr, t, config.adam);
    if (config.learnTemperature) {
      adamStep(state.temperature, state.adam.temperature, Float32Array.of(g.temperature), lr, t, config.adam);
      state.temperature[0] = Math.min(TEMPERATURE_RANGE[1], Math.max(TEMPERATURE_RANGE[0], state.temperature[0]));
    }
    if (g.momentum) this.enqueue(g.momentum.qm, g.momentum.pm, qSlots.length);
    state.step = t;
    return { loss: g.loss, lr, temperature: state.temperature[0], touchedRows: this.rowGrads.count };
  }

  /**
   * The loss and gradients of the next step, without applying them: the table's sparse gradient is left in
   * `rowGradients` (rows in first-touched order). For albef this advances the momentum encoder to the next step,
   * as the step itself would.
   */
  gradients(bags: Bags, qSlots: Int32Array, pSlots: Int32Array): StepGradients {
    const { config, state } = this;
    const { dim, outDim, pooling } = config.encoder;
    const b = qSlots.length;
    if (pSlots.length !== b || b < 2)
      throw new Error(`trainer: a batch needs ≥ 2 aligned questions and passages (got ${b} and ${pSlots.length})`);
    const t = state.step + 1;
    const pooledQ = this.pool(state.weights.table, bags, qSlots);
    const pooledP = this.pool(state.weights.table, bags, pSlots);
    const momentum = config.loss === 'albef' ? this.momentumFeatures(bags, qSlots, pSlots, t) : null;

    const grads = scoped(() => {
      const temperature = tf.scalar(state.temperature[0]);
      const kernel = tf.tensor2d(state.weights.kernel, [dim, outDim]);
      const bias = tf.tensor1d(state.weights.bias);
      const m = momentum && {
        qm: tf.tensor2d(momentum.qm, [b, outDim]),
        pm: tf.tensor2d(momentum.pm, [b, outDim]),
        queueQ: tf.tensor2d(state.momentum!.queueQ, [config.queueSize, outDim]),
        queueP: tf.tensor2d(state.momentum!.queueP, [config.queueSize, outDim]),
      };
      const targets = m ? albefTargets(m, temperature, config.alpha) : null;
      const loss = (q: T2, p: T2, temp: Scalar): Scalar =>
        m ? albefLoss(q, p, m, targets!, temp) : infoNceLoss(q, p, temp);
      const chunk = config.gradCacheChunk;
      return chunk > 0 && b > chunk
        ? cachedGrads(pooledQ, pooledP, b, dim, kernel, bias, temperature, loss, chunk)
        : plainGrads(pooledQ, pooledP, b, dim, kernel, bias, temperature, loss);
    });
    if (!Number.isFinite(grads.loss)) throw new NonFiniteLossError(t, grads.loss);
    this.rowGrads.reset();
    this.scatter(grads.pooledQ, bags, qSlots);
    this.scatter(grads.pooledP, bags, pSlots);
    return {
      loss: grads.loss,
      kernel: grads.kernel,
      bias: grads.bias,
      temperature: grads.temperature,
      rows: this.rowGrads,
      momentum,
    };
  }

  /** Top-1 in-batch accuracy (question → passage) of the current weights on one batch, without training. */
  accuracy(bags: Bags, qSlots: Int32Array, pSlots: Int32Array): number {
    const q = this.embedPooled(this.pool(this.state.weights.table, bags, qSlots), qSlots.length);
    const p = this.embedPooled(this.pool(this.state.weights.table, bags, pSlots), pSlots.length);
    return tf.tidy(() =>
      topOneAccuracy(
        tf.tensor2d(q, [qSlots.length, this.config.encoder.outDim]),
        tf.tensor2d(p, [pSlots.length, this.config.encoder.outDim]),
      ),
    );
  }

  /** Unit-length vectors [slots.length × outDim] of texts `slots` of `bags` under the current weights. */
  embed(bags: Bags, slots: Int32Array): Float32Array {
    return this.embedPooled(this.pool(this.state.weights.table, bags, slots), slots.length);
  }

  private embedPooled(pooled: Float32Array, n: number, weights = this.state.weights): Float32Array {
    const { dim, outDim } = this.config.encoder;
    return tf.tidy(
      () =>
        tower(
          tf.tensor2d(pooled, [n, dim]),
          tf.tensor2d(weights.kernel, [dim, outDim]),
          tf.tensor1d(weights.bias),
        ).dataSync() as Float32Array,
    );
  }

  /**
   * ALBEF updates the momentum encoder at the start of each step, then embeds the batch with it. The dense part is
   * updated every step; a table row only when a batch reads it, with the closed form of the EMA over the steps it
   * missed (its online row did not change in between, since only batches that read a row change it): exact, and
   * its cost is the rows a batch touches, not the table.
   */
  private momentumFeatures(
    bags: Bags,
    qSlots: Int32Array,
    pSlots: Int32Array,
    t: number,
  ): { qm: Float32Array; pm: Float32Array } {
    const { config } = this;
    const mom = this.state.momentum!;
    const online = this.state.weights;
    const m = config.momentum;
    for (let i = 0; i < online.kernel.length; i++)
      mom.weights.kernel[i] = m * mom.weights.kernel[i] + (1 - m) * online.kernel[i];
    for (let i = 0; i < online.bias.length; i++)
      mom.weights.bias[i] = m * mom.weights.bias[i] + (1 - m) * online.bias[i];
    const rows = this.momentumRows!;
    rows.reset();
    rows.touch(bags, qSlots);
    rows.touch(bags, pSlots);
    this.catchUpRows(rows.rows, rows.count, t);
    const pooled = (slots: Int32Array) => this.pool(mom.weights.table, bags, slots);
    return {
      qm: this.embedPooled(pooled(qSlots), qSlots.length, mom.weights),
      pm: this.embedPooled(pooled(pSlots), pSlots.length, mom.weights),
    };
  }

  private enqueue(qm: Float32Array, pm: Float32Array, b: number): void {
    const mom = this.state.momentum!;
    const k = this.config.queueSize;
    const width = this.config.encoder.outDim;
    for (let i = 0; i < b && k > 0; i++) {
      mom.queueQ.set(qm.subarray(i * width, (i + 1) * width), mom.queuePtr * width);
      mom.queueP.set(pm.subarray(i * width, (i + 1) * width), mom.queuePtr * width);
      mom.queuePtr = (mom.queuePtr + 1) % k;
    }
  }

  /** Brings every momentum table row up to the current step (before saving it where a reader expects it current). */
  syncMomentum(): void {
    if (!this.state.momentum) return;
    const buckets = this.config.encoder.buckets;
    const all = new Int32Array(buckets);
    for (let r = 0; r < buckets; r++) all[r] = r;
    this.catchUpRows(all, buckets, this.state.step);
  }

  /**
   * Momentum table rows `rows[0..count)` through step `t`: the EMA over the steps each missed, in closed form
   * (m_t = p + β^k (m_{t−k} − p), float32), since its online row p has not changed since it was last synced.
   */
  private catchUpRows(rows: Int32Array, count: number, t: number): void {
    const mom = this.state.momentum!;
    // With the kernel, the due list is written straight into its memory.
    const due = this.kernel?.emaDue ?? this.dueRows ?? (this.dueRows = new Int32Array(this.config.encoder.buckets));
    const keeps =
      this.kernel?.emaKeep ?? this.dueKeeps ?? (this.dueKeeps = new Float32Array(this.config.encoder.buckets));
    let n = 0;
    for (let s = 0; s < count; s++) {
      const r = rows[s];
      const missed = t - mom.synced[r];
      if (missed <= 0) continue;
      due[n] = r;
      keeps[n++] = Math.fround(this.config.momentum ** missed);
      mom.synced[r] = t;
    }
    if (this.kernel) {
      this.kernel.emaRows(n);
      return;
    }
    const f = Math.fround;
    const online = this.state.weights.table;
    const table = mom.weights.table;
    const dim = this.config.encoder.dim;
    for (let s = 0; s < n; s++) {
      const keep = keeps[s];
      for (let d = due[s] * dim, end = d + dim; d < end; d++)
        table[d] = f(online[d] + f(keep * f(table[d] - online[d])));
    }
  }

  private dueRows: Int32Array | null = null;
  private dueKeeps: Float32Array | null = null;
}

/** A loss that is NaN or infinite: training stops at once, naming the step. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(`loss is ${loss} at step ${step}: training stopped (lower lr, or raise temperature); no model was written`);
    this.name = 'NonFiniteLossError';
  }
}

/** A step's gradients: dense ones as arrays, the table's as touched rows. */
export interface StepGradients {
  loss: number;
  kernel: Float32Array;
  bias: Float32Array;
  temperature: number;
  rows: RowGradients;
  /** albef: this batch's momentum features, queued after the update. */
  momentum: { qm: Float32Array; pm: Float32Array } | null;
}

interface StepGrads {
  loss: number;
  pooledQ: Float32Array;
  pooledP: Float32Array;
  kernel: Float32Array;
  bias: Float32Array;
  temperature: number;
}

type LossFn = (q: T2, p: T2, temperature: Scalar) => Scalar;

/** The whole step in one graph: pooled inputs → loss, differentiated end to end. */
function plainGrads(
  pooledQ: Float32Array,
  pooledP: Float32Array,
  b: number,
  dim: number,
  kernel: T2,
  bias: T1,
  temperature: Scalar,
  loss: LossFn,
): StepGrads {
  const f = (pq: Tensor, pp: Tensor, k: Tensor, bi: Tensor, temp: Tensor) =>
    loss(tower(pq as T2, k as T2, bi as T1), tower(pp as T2, k as T2, bi as T1), temp as Scalar);
  const { value, grads } = tf.valueAndGrads(f as (...args: Tensor[]) => Scalar)([
    tf.tensor2d(pooledQ, [b, dim]),
    tf.tensor2d(pooledP, [b, dim]),
    kernel,
    bias,
    temperature,
  ]);
  return {
    loss: value.dataSync()[0],
    pooledQ: grads[0].dataSync() as Float32Array,
    pooledP: grads[1].dataSync() as Float32Array,
    kernel: grads[2].dataSync() as Float32Array,
    bias: grads[3].dataSync() as Float32Array,
    temperature: grads[4].dataSync()[0],
  };
}

/**
 * GradCache (Gao et al. 2021): embed without keeping activations, take the loss gradient with respect to the
 * embeddings, then backpropagate each chunk with that gradient as its upstream. Only one chunk's activations and
 * the B × B (or B × (B + K)) similarity matrix are ever alive.
 */
function cachedGrads(
  pooledQ: Float32Array,
  pooledP: Float32Array,
  b: number,
  dim: number,
  kernel: T2,
  bias: T1,
  temperature: Scalar,
  loss: LossFn,
  chunk: number,
): StepGrads {
  const outDim = kernel.shape[1];
  const embed = (pooled: Float32Array): Float32Array => {
    const out = new Float32Array(b * outDim);
    for (let s = 0; s < b; s += chunk) {
      const n = Math.min(chunk, b - s);
      const e = tf.tidy(() =>
        tower(tf.tensor2d(pooled.subarray(s * dim, (s + n) * dim), [n, dim]), kernel, bias).dataSync(),
      );
      out.set(e, s * outDim);
    }
    return out;
  };
  const q = embed(pooledQ);
  const p = embed(pooledP);
  const lossGrads = scoped(() => {
    const { value, grads } = tf.valueAndGrads(((eq: Tensor, ep: Tensor, temp: Tensor) =>
      loss(eq as T2, ep as T2, temp as Scalar)) as (...args: Tensor[]) => Scalar)([
      tf.tensor2d(q, [b, outDim]),
      tf.tensor2d(p, [b, outDim]),
      temperature,
    ]);
    return {
      loss: value.dataSync()[0],
      q: grads[0].dataSync() as Float32Array,
      p: grads[1].dataSync() as Float32Array,
      temperature: grads[2].dataSync()[0],
    };
  });
  const gradKernel = new Float32Array(kernel.size);
  const gradBias = new Float32Array(bias.size);
  const backward = (pooled: Float32Array, upstream: Float32Array): Float32Array => {
    const out = new Float32Array(b * dim);
    for (let s = 0; s < b; s += chunk) {
      const n = Math.min(chunk, b - s);
      scoped(() => {
        const f = (pc: Tensor, k: Tensor, bi: Tensor) => tower(pc as T2, k as T2, bi as T1);
        const [gp, gk, gb] = tf.grads(f as (...args: Tensor[]) => Tensor)(
          [tf.tensor2d(pooled.subarray(s * dim, (s + n) * dim), [n, dim]), kernel, bias],
          tf.tensor2d(upstream.subarray(s * outDim, (s + n) * outDim), [n, outDim]),
        );
        out.set(gp.dataSync(), s * dim);
        addInto(gradKernel, gk.dataSync() as Float32Array);
        addInto(gradBias, gb.dataSync() as Float32Array);
      });
    }
    return out;
  };
  return {
    loss: lossGrads.loss,
    pooledQ: backward(pooledQ, lossGrads.q),
    pooledP: backward(pooledP, lossGrads.p),
    kernel: gradKernel,
    bias: gradBias,
    temperature: lossGrads.temperature,
  };
}

function addInto(acc: Float32Array, x: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}
