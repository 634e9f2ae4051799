// Stage `train`: a multilingual dual encoder (hashed features → embedding table → pooling → dense → L2) trained
// with TensorFlow.js on the batches artifact, in its exact order, with in-batch InfoNCE or ALBEF's momentum
// distillation. Checkpoints let a killed run resume and end with the same weights; a NaN loss stops the run.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStage } from '../../pipelines/engine/index.ts';
import { BATCHES_OUTPUTS, batchesInfo, type BatchesSummary } from '../batches/index.ts';
import { TRAIN_OUTPUTS } from './outputs.ts';
import { readArrow, TABLES_SOURCES, tablesEnv, writeParquet } from '../common/tables.ts';
import { BACKEND_CHOICES, backendEnv, checkPlannedBackend, initBackend, type ActiveBackend } from './backend.ts';
import { restoreCheckpoint, writeCheckpoint } from './checkpoint.ts';
import type { EncoderConfig } from './encoder.ts';
import { saveEncoder } from './model-io.ts';
import { curveSchema } from './schema.ts';
import { HashedTokenizer, tokenizeUnique } from './tokenizer.ts';
import { RowKernel, rowKernelUnavailable } from './row-kernel.ts';
import { initialState, Trainer, type TrainerConfig } from './trainer.ts';
import { buildDevSet, evaluateDev, type DevMetrics } from './dev-eval.ts';
import { PAIRS_OUTPUTS } from '../pairs/index.ts';

const params = z.object({
  backend: z.enum(BACKEND_CHOICES).default('auto').describe('TF.js backend: auto tries node-gpu → node → wasm → cpu'),
  loss: z.enum(['infonce', 'albef']).default('infonce'),
  buckets: z
    .number()
    .int()
    .min(16)
    .max(2 ** 24)
    .default(2 ** 18)
    .describe('hashed feature buckets = embedding rows'),
  ngramMin: z.number().int().min(1).max(16).default(3),
  ngramMax: z.number().int().min(1).max(16).default(5),
  words: z.boolean().default(true).describe('whole words as features, besides their n-grams'),
  dim: z.number().int().min(2).max(4096).default(128).describe('embedding table width'),
  outDim: z.number().int().min(2).max(4096).default(128).describe('output vector width'),
  pooling: z
    .enum(['mean', 'sqrtn'])
    .default('sqrtn')
    .describe(
      'bag of feature rows → one vector: mean, or sum / √count (the default: higher dev mAP@20 for all six quick configurations)',
    ),
  lr: z
    .number()
    .positive()
    .max(10)
    .default(1e-3)
    .describe('peak learning rate of the dense layer (and a learnt temperature)'),
  tableLr: z
    .number()
    .positive()
    .max(10)
    .default(0.02)
    .describe(
      'peak learning rate of the embedding table (SparseAdam; rows start N(0, 1)): 20× the dense lr, chosen on the dev split',
    ),
  warmupSteps: z.number().int().min(0).default(0),
  schedule: z
    .enum(['constant', 'linear'])
    .default('constant')
    .describe('after warm-up: constant, or linear decay to 0'),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  temperature: z.number().min(0.001).max(0.5).default(0.05),
  learnTemperature: z.boolean().default(false),
  momentum: z.number().min(0).max(1).default(0.995).describe('albef: EMA factor of the momentum encoder'),
  queueSize: z
    .number()
    .int()
    .min(0)
    .max(1 << 20)
    .default(4096)
    .describe('albef: queued momentum features (extra negatives)'),
  alpha: z.number().min(0).max(1).default(0.4).describe('albef: distillation weight of the momentum targets'),
  gradCacheChunk: z
    .number()
    .int()
    .min(0)
    .default(512)
    .describe('backpropagate larger batches in chunks of this many texts (0: never)'),
  maxSteps: z.number().int().min(0).default(0).describe('stop after this many steps (0: every batch)'),
  patience: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'early stopping: stop after this many dev evaluations (one per epoch) without a better dev mAP@20 (0: never stop early)',
    ),
  checkpointEvery: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('also checkpoint every this many steps (0: only by time)'),
  checkpointSeconds: z
    .number()
    .min(0)
    .default(60)
    .describe('checkpoint once this many seconds have passed since the last one (0: only by steps; both 0: never)'),
  rowKernel: z
    .enum(['wasm', 'js'])
    .default('wasm')
    .describe('per-row loops (pooling, scatter, sparse Adam): WASM SIMD kernel, or plain JS (same bits, slower)'),
  rowKernelThreads: z
    .union([z.literal(1), z.literal(2)])
    .default(2)
    .describe("threads for the row kernel's SparseAdam: 2 splits the rows with a worker (same bits)"),
  seed: z.number().int().default(0),
});

export type TrainParams = z.output<typeof params>;

export interface TrainSummary {
  [key: string]: unknown;
  rows: { curve: number };
  backend: Omit<ActiveBackend, 'tried'>;
  /** Where the per-row loops ran: the WASM SIMD kernel or JS. */
  rowKernel: 'wasm-simd' | 'js';
  /** Steps whose SparseAdam ran on two threads. */
  rowKernelParallelSteps: number;
  loss: TrainParams['loss'];
  steps: number;
  pairs: number;
  /** Training wall time, tokenisation and writing excluded. */
  seconds: number;
  pairsPerSecond: number;
  batchSize: number;
  /** Negatives per question: in the batch, and from the queue (albef). */
  negatives: { inBatch: number; queue: number };
  /** Mean loss over the first and the last tenth of the steps. */
  lossFirst: number;
  lossLast: number;
  temperature: number;
  /** Top-1 in-batch accuracy (question → passage) of the final weights on the last batches (up to 10). */
  finalInBatchAccuracy: number;
  resumedFromStep: number;
  peakRssMiB: number;
  tokenizer: { texts: number; distinct: number; featuresPerText: number; emptyTexts: number };
  /** Retrieval on the pairs' dev split (dev-eval.ts): before training, at each epoch's end, and at the last step. */
  dev: {
    queries: number;
    pool: number;
    history: DevPoint[];
    best: DevPoint | null;
    final: DevPoint | null;
    stoppedEarly: boolean;
  };
}

/** One dev evaluation: after `step` optimizer steps, during epoch `epoch` (-1: before training). */
export interface DevPoint extends DevMetrics {
  step: number;
  epoch: number;
}

interface CurveRow {
  step: number;
  batch_id: number;
  epoch: number;
  kind: string;
  batch_size: number;
  negatives: number;
  loss: number;
  lr: number;
  temperature: number;
  pairs_per_second: number;
}

export const trainStage = defineStage({
  name: 'train',
  version: 1,
  description:
    'TF.js dual encoder on the batches, in order: in-batch InfoNCE or ALBEF momentum distillation, sparse Adam, checkpoints',
  params,
  // `dev`: the pairs artifact the batches came from; only its split "dev" is read (the number to select by).
  inputs: { batches: [BATCHES_OUTPUTS.batches], dev: [PAIRS_OUTPUTS.pairs] },
  outputs: TRAIN_OUTPUTS,
  // Which backend runs matters (float results differ), and the env records the one that will; how often state is
  // saved does not change the result (a resumed run equals an uninterrupted one).
  // The row kernel gives the same bits as the JS loops (tested), so it is a runtime choice too.
  runtimeParams: ['backend', 'checkpointEvery', 'checkpointSeconds', 'rowKernel', 'rowKernelThreads'],
  env: (p) => ({ ...backendEnv(p.backend), ...tablesEnv() }),
  sourceDir: new URL('.', import.meta.url),
  extraSources: [...TABLES_SOURCES, new URL('../common/random.ts', import.meta.url)],
  async run(ctx): Promise<TrainSummary> {
    const p = ctx.params;
    if (p.ngramMin > p.ngramMax) throw new Error(`train: ngramMin ${p.ngramMin} > ngramMax ${p.ngramMax}`);
    const backend = checkPlannedBackend(ctx.env, await initBackend(p.backend), 'train.backend');
    ctx.log.info({ backend }, `TF.js backend ${backend.name}`);

    const input = ctx.input('batches');
    const batchesFile = input.output(BATCHES_OUTPUTS.batches);
    const { columns } = await readArrow(batchesFile);
    const batchId = columns.batch_id as Int32Array;
    const questions = columns.question as string[];
    const passages = columns.passage as string[];
    const n = questions.length;
    if (n === 0) throw new Error(`train: ${batchesFile} has no rows`);
    const starts = batchStarts(batchId);
    const total = p.maxSteps > 0 ? Math.min(p.maxSteps, starts.length - 1) : starts.length - 1;

    const tokenizer = new HashedTokenizer({
      buckets: p.buckets,
      ngramMin: p.ngramMin,
      ngramMax: p.ngramMax,
      words: p.words,
    });
    const encoded = tokenizeUnique([...questions, ...passages], tokenizer);
    const bags = { offsets: encoded.offsets, ids: encoded.ids };
    const distinct = encoded.offsets.length - 1;
    let emptyTexts = 0;
    for (let i = 0; i < distinct; i++) if (encoded.offsets[i + 1] === encoded.offsets[i]) emptyTexts++;
    if (emptyTexts > 0)
      ctx.log.warn(`${emptyTexts} distinct texts have no word-like token: they embed as the normalised bias`);

    const devSet = buildDevSet((await readArrow(ctx.input('dev').output(PAIRS_OUTPUTS.pairs))).columns);
    const devEncoded = tokenizeUnique([...devSet.queries, ...devSet.passages], tokenizer);
    const devBags = { offsets: devEncoded.offsets, ids: devEncoded.ids };
    const devQ = devEncoded.index.subarray(0, devSet.queries.length);
    const devP = devEncoded.index.subarray(devSet.queries.length);
    if (devSet.queries.length === 0)
      ctx.log.warn(`the dev input has no split "dev" QA rows: no dev evaluation, no early stopping`);

    const encoder: EncoderConfig = { buckets: p.buckets, dim: p.dim, outDim: p.outDim, pooling: p.pooling };
    const config: TrainerConfig = {
      encoder,
      loss: p.loss,
      lr: p.lr,
      tableLr: p.tableLr,
      warmupSteps: p.warmupSteps,
      schedule: p.schedule,
      totalSteps: total,
      adam: { beta1: p.beta1, beta2: p.beta2, eps: p.eps },
      temperature: p.temperature,
      learnTemperature: p.learnTemperature,
      momentum: p.momentum,
      queueSize: p.loss === 'albef' ? p.queueSize : 0,
      alpha: p.alpha,
      gradCacheChunk: p.gradCacheChunk,
    };
    let kernel: RowKernel | null = null;
    if (p.rowKernel === 'wasm') {
      const shape = { buckets: p.buckets, dim: p.dim, momentum: p.loss === 'albef', threads: p.rowKernelThreads };
      kernel = RowKernel.create(shape);
      if (!kernel) ctx.log.warn(`row kernel unavailable (${rowKernelUnavailable(shape)}): per-row loops run in JS`);
    }
    try {
      const state = initialState(config, ctx.seed, kernel);
      const trainer = new Trainer(config, state);
      const inputSha =
        input.manifest.files.find((f) => f.path === BATCHES_OUTPUTS.batches.path)?.sha256 ?? input.fingerprint;
      const key = createHash('sha256')
        .update(
          JSON.stringify({ config, seed: ctx.seed, inputSha, backend: backend.name, tokenizer: tokenizer.toJSON() }),
        )
        .digest('hex');
      const meta = { encoder, tokenizer: tokenizer.toJSON(), key };

      let curve: CurveRow[] = [];
      let dev: DevPoint[] = [];
      const resumed = await restoreCheckpoint<{ curve: CurveRow[]; dev?: DevPoint[] }>(ctx.checkpointDir, key, state);
      if (resumed) {
        curve = resumed.progress.curve;
        dev = resumed.progress.dev ?? [];
        ctx.log.info(`resuming from ${resumed.path} (step ${resumed.step} of ${total})`);
      }
      const resumedFromStep = state.step;
      const queue = config.queueSize;
      const kinds = columns.kind as string[];
      const epochs = columns.epoch as Int32Array;

      let trainSeconds = 0;
      let pairsTrained = 0;
      // By time as well as by steps: a checkpoint writes the table and its Adam moments (hundreds of MiB, fsynced),
      // so a fixed step interval costs a short run more than its training (B = 32 on the quick profile: one every
      // 1.2 s), and a long run's worth of lost work is what matters, not its step count.
      const checkpointing = p.checkpointEvery > 0 || p.checkpointSeconds > 0;
      let lastCheckpoint = performance.now();
      const checkpoint = async () => {
        await writeCheckpoint(ctx.checkpointDir, meta, state, { curve, dev });
        lastCheckpoint = performance.now();
      };
      const evaluate = (epoch: number): DevPoint => {
        const m = evaluateDev(devSet, trainer.embed(devBags, devQ), trainer.embed(devBags, devP), p.outDim);
        const point = { step: state.step, epoch, ...roundMetrics(m) };
        dev.push(point);
        ctx.log.info(
          point,
          `dev at step ${state.step}: mAP@20 ${point.map20}, mono R@1 ${point.monoR1}, cross R@1 ${point.crossR1}`,
        );
        return point;
      };
      const hasDev = devSet.queries.length > 0;
      if (hasDev && dev.length === 0) evaluate(-1);
      // A run resumed from a checkpoint written at its early stop stops there again.
      let stoppedEarly =
        p.patience > 0 &&
        dev.length > 0 &&
        dev[dev.length - 1].step === state.step &&
        state.step < total &&
        sinceBest(dev) >= p.patience;
      let stopAt = stoppedEarly ? state.step : total;
      while (state.step < stopAt) {
        if (ctx.signal.aborted) {
          // Stopped (Ctrl-C or a failure elsewhere): keep what was learnt, so the next run resumes here.
          if (checkpointing && state.step > resumedFromStep) await checkpoint();
          ctx.signal.throwIfAborted();
        }
        const b = state.step;
        const from = starts[b];
        const to = starts[b + 1];
        const began = performance.now();
        const result = trainer.step(bags, encoded.index.subarray(from, to), encoded.index.subarray(n + from, n + to));
        const seconds = (performance.now() - began) / 1000;
        trainSeconds += seconds;
        pairsTrained += to - from;
        curve.push({
          step: state.step,
          batch_id: batchId[from],
          epoch: epochs[from],
          kind: kinds[from],
          batch_size: to - from,
          negatives: to - from - 1 + queue,
          loss: result.loss,
          lr: result.lr,
          temperature: result.temperature,
          pairs_per_second: (to - from) / Math.max(seconds, 1e-9),
        });
        ctx.progress(state.step, total, `loss ${result.loss.toFixed(3)}`);
        // An epoch ends here: evaluate on dev, and stop when `patience` evaluations in a row brought no better mAP@20.
        const epochEnds = state.step === total || epochs[starts[state.step]] !== epochs[from];
        if (hasDev && epochEnds && !dev.some((d) => d.step === state.step)) {
          evaluate(epochs[from]);
          if (p.patience > 0 && state.step < total && sinceBest(dev) >= p.patience) {
            stoppedEarly = true;
            stopAt = state.step;
            ctx.log.info(`early stop at step ${state.step}: dev mAP@20 not better for ${p.patience} evaluation(s)`);
          }
        }
        const byStep = p.checkpointEvery > 0 && state.step % p.checkpointEvery === 0;
        const byTime = p.checkpointSeconds > 0 && performance.now() - lastCheckpoint >= p.checkpointSeconds * 1000;
        if ((byStep || byTime) && state.step < total) {
          await checkpoint();
          ctx.log.info(`checkpoint at step ${state.step}`);
        }
        // Let the event loop see a signal between steps.
        if (state.step % 16 === 0) await new Promise((r) => setImmediate(r));
      }

      const done = state.step;
      const last = Math.min(10, done);
      let accuracy = 0;
      for (let b = done - last; b < done; b++) {
        accuracy +=
          trainer.accuracy(
            bags,
            encoded.index.subarray(starts[b], starts[b + 1]),
            encoded.index.subarray(n + starts[b], n + starts[b + 1]),
          ) / last;
      }

      const modelDir = join(ctx.outDir, TRAIN_OUTPUTS.model.path);
      await mkdir(modelDir);
      await saveEncoder(modelDir, encoder, tokenizer.toJSON(), state.weights, {
        loss: p.loss,
        steps: done,
        seed: ctx.seed,
        batches: batchesMetadata(input.fingerprint, batchesInfo(input)),
        backend: backend.name,
      });
      await writeFile(
        join(ctx.outDir, TRAIN_OUTPUTS.curveJson.path),
        `${JSON.stringify({ schema: 'hybrid-xlr/training-curve@1', rows: curve, dev })}\n`,
      );
      await writeParquet(join(ctx.outDir, TRAIN_OUTPUTS.curve.path), curveSchema, curveColumns(curve));

      const tenth = Math.max(1, Math.floor(curve.length / 10));
      const mean = (rows: CurveRow[]) => rows.reduce((s, r) => s + r.loss, 0) / rows.length;
      const { tried: _tried, ...backendInfo } = backend;
      return {
        rows: { curve: curve.length },
        backend: backendInfo,
        rowKernel: trainer.kernel ? 'wasm-simd' : 'js',
        rowKernelParallelSteps: kernel?.parallelSteps ?? 0,
        loss: p.loss,
        steps: done,
        pairs: starts[done],
        seconds: round(trainSeconds),
        pairsPerSecond: Math.round(pairsTrained / Math.max(trainSeconds, 1e-9)),
        batchSize: starts[1] - starts[0],
        negatives: { inBatch: starts[1] - starts[0] - 1, queue },
        lossFirst: round(mean(curve.slice(0, tenth))),
        lossLast: round(mean(curve.slice(-tenth))),
        temperature: state.temperature[0],
        finalInBatchAccuracy: round(accuracy),
        resumedFromStep,
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        tokenizer: { texts: 2 * n, distinct, featuresPerText: round(encoded.ids.length / distinct), emptyTexts },
        dev: {
          queries: devSet.queries.length,
          pool: devSet.passages.length,
          history: dev,
          best: bestOf(dev),
          final: dev.at(-1) ?? null,
          stoppedEarly,
        },
      };
    } finally {
      // Stops the row kernel's worker thread; its memory goes with the kernel.
      kernel?.close();
    }
  },
});

/**
 * What the model was trained on, kept in model.json so evaluation can label a model without the pipeline: the
 * batches artifact and the params that define the study's axes (a folder given outside a pipeline has none).
 */
function batchesMetadata(fingerprint: string, info: BatchesSummary | null): Record<string, unknown> {
  if (!info) return { fingerprint };
  // dictionary / warmupEpochs / dictionaryRows: how the batches treated the dictionary pairs (absent from batches made
  // before the warm-up existed), so a reader of the model (the report) can say what the strategies shared.
  const { dictionary, warmupEpochs, dictionaryRows } = info as Partial<BatchesSummary>;
  return {
    fingerprint,
    strategy: info.strategy,
    batchSize: info.batchSize,
    alpha: info.alpha,
    epochs: info.epochs,
    seed: info.seed,
    dictionary,
    warmupEpochs,
    dictionaryRows,
  };
}

/** Evaluations since the best dev mAP@20 (the first of equals counts as best): 0 when the last one is the best. */
export function sinceBest(history: readonly DevMetrics[]): number {
  let best = 0;
  for (let i = 1; i < history.length; i++) if (history[i].map20 > history[best].map20) best = i;
  return history.length - 1 - best;
}

function bestOf(history: DevPoint[]): DevPoint | null {
  return history.length === 0 ? null : history[history.length - 1 - sinceBest(history)];
}

function roundMetrics(m: DevMetrics): DevMetrics {
  return { ...m, map20: round(m.map20), monoR1: round(m.monoR1), crossR1: round(m.crossR1) };
}

/** Row index where each batch starts, plus n: batches are contiguous runs of batch_id. */
export function batchStarts(batchId: Int32Array): Int32Array {
  const starts = [0];
  for (let i = 1; i < batchId.length; i++) {
    if (batchId[i] !== batchId[i - 1]) {
      if (batchId[i] < batchId[i - 1]) throw new Error(`train: batches.arrow is not sorted by batch_id (row ${i})`);
      starts.push(i);
    }
  }
  starts.push(batchId.length);
  return Int32Array.from(starts);
}

function curveColumns(rows: CurveRow[]) {
  return {
    step: Int32Array.from(rows, (r) => r.step),
    batch_id: Int32Array.from(rows, (r) => r.batch_id),
    epoch: Int32Array.from(rows, (r) => r.epoch),
    kind: rows.map((r) => r.kind),
    batch_size: Int32Array.from(rows, (r) => r.batch_size),
    negatives: Int32Array.from(rows, (r) => r.negatives),
    loss: Float64Array.from(rows, (r) => r.loss),
    lr: Float64Array.from(rows, (r) => r.lr),
    temperature: Float64Array.from(rows, (r) => r.temperature),
    pairs_per_second: Float64Array.from(rows, (r) => r.pairs_per_second),
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

// The public surface other stages and commands use: load a model, embed texts, describe a model, the backend.
export { TRAIN_OUTPUTS } from './outputs.ts';
export { embed, embedBags, embedTexts, DEFAULT_EMBED_BATCH, type EmbedOptions, type Embedded } from './embed.ts';
export {
  loadEncoder,
  describeEncoder,
  untrainedEncoder,
  MODEL_FILE,
  type LoadedEncoder,
  type EncoderDescription,
} from './model-io.ts';
export {
  BACKEND_CHOICES,
  backendEnv,
  checkPlannedBackend,
  initBackend,
  tf,
  type ActiveBackend,
  type BackendChoice,
} from './backend.ts';
export type { EncoderConfig } from './encoder.ts';
export { HashedTokenizer, type EncodedBatch, type TokenizerConfigInput } from './tokenizer.ts';

/**
 * The encoder and tokenizer a train run with default params builds (the untrained baseline's shape when no model is
 * given).
 */
export function defaultEncoderShape(): {
  config: EncoderConfig;
  tokenizer: { buckets: number; ngramMin: number; ngramMax: number; words: boolean };
} {
  const d = params.parse({});
  return {
    config: { buckets: d.buckets, dim: d.dim, outDim: d.outDim, pooling: d.pooling },
    tokenizer: { buckets: d.buckets, ngramMin: d.ngramMin, ngramMax: d.ngramMax, words: d.words },
  };
}
