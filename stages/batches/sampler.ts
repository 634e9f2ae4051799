// The batch sampler: turns eligible pair rows into the exact sequence of training batches for a strategy
// (mono / cross / hybrid), a batch size and a number of epochs. Pure: integer keys in, integer plans out.
import { createRng, shuffleInPlace } from '../common/random.ts';

export type Strategy = 'mono' | 'cross' | 'hybrid';
export type BatchKind = 'mono' | 'cross';

export interface SamplerInput {
  /** Kind of each eligible row: 0 = mono (question and passage in one language), 1 = cross. */
  kind: Uint8Array;
  /** Integer key of each row's question id: rows sharing it are translations of one question. */
  questionKey: Int32Array;
  /** Integer key of each row's positive passage. */
  passageKey: Int32Array;
  /**
   * 1: the row trains in the warm-up epochs only, before the strategy's epochs (dictionary rows, `dictionary:
   * "warmup"`).
   */
  warmup?: Uint8Array;
}

export interface SamplerParams {
  strategy: Strategy;
  batchSize: number;
  /** Hybrid only: probability that a batch is monolingual. */
  alpha: number;
  epochs: number;
  /** Epochs over the warm-up rows (cross-lingual batches whatever the strategy) before the strategy's `epochs`. */
  warmupEpochs?: number;
  seed: number;
  /** Drop the last, partial batch of each pool in each epoch (its rows are counted as dropped). */
  dropLast: boolean;
}

export interface BatchPlan {
  /** Per output row: index into the input rows. */
  row: Int32Array;
  /** Per batch: first output row (length batches + 1). */
  offsets: Int32Array;
  batchEpoch: Int32Array;
  batchKind: Uint8Array;
  stats: SamplerStats;
}

export interface SamplerStats {
  eligible: { mono: number; cross: number };
  batches: { mono: number; cross: number };
  rows: number;
  /** Rows that did not fit the batch they came up in (shared question or passage) and went into a later one. */
  deferred: number;
  /** Batches emitted below batchSize because every remaining row of the pool conflicted with them. */
  shortBatches: number;
  /** Rows left out: the dropped last partial batches (dropLast). */
  droppedLastPartial: number;
  /** Hybrid: batches whose drawn kind had run out in that epoch, so they came from the other pool. */
  forcedKind: number;
  /**
   * Warm-up rows, the epochs that ran over them (0 when there are none), and their batches (counted in batches.cross
   * too).
   */
  warmup: { eligible: number; epochs: number; batches: number };
}

/**
 * Batches of one kind come from that kind's pool, shuffled once per epoch from `(seed, epoch, kind)` alone, so
 * every batch size walks the same pair order; the mono/cross draw per batch is a separate stream. A row whose
 * question or passage is already in the batch waits in a FIFO for the next batch of its pool (in-batch
 * negatives must not include a translation of the positive).
 */
export function planBatches(input: SamplerInput, params: SamplerParams): BatchPlan {
  const n = input.kind.length;
  const kinds: BatchKind[] = params.strategy === 'hybrid' ? ['mono', 'cross'] : [params.strategy];
  const warm = input.warmup;
  const main = (i: number) => !warm || warm[i] === 0;
  const byKind: Record<BatchKind, Int32Array> = {
    mono: indicesWhere(n, (i) => main(i) && input.kind[i] === 0),
    cross: indicesWhere(n, (i) => main(i) && input.kind[i] === 1),
  };
  const warmRows = warm ? indicesWhere(n, (i) => warm[i] === 1) : new Int32Array(0);
  const warmupEpochs = warmRows.length > 0 ? (params.warmupEpochs ?? 0) : 0;
  const stats: SamplerStats = {
    eligible: { mono: byKind.mono.length, cross: byKind.cross.length },
    batches: { mono: 0, cross: 0 },
    rows: 0,
    deferred: 0,
    shortBatches: 0,
    droppedLastPartial: 0,
    forcedKind: 0,
    warmup: { eligible: warmRows.length, epochs: warmupEpochs, batches: 0 },
  };
  const rows: number[] = [];
  const offsets: number[] = [0];
  const batchEpoch: number[] = [];
  const batchKind: number[] = [];
  const seenQuestion = new Int32Array(maxKey(input.questionKey) + 1).fill(-1);
  const seenPassage = new Int32Array(maxKey(input.passageKey) + 1).fill(-1);
  // One serial per fillBatch call (dropped fills included): a dropped partial batch must not leave its keys marked
  // for the next batch, which would defer rows that share nothing with that batch.
  let fillSerial = 0;
  const everDeferred = new Uint8Array(n);

  /** Emits one epoch's batches from `pools`, numbered `epoch`; `draws` picks each hybrid batch's kind. */
  const runEpoch = (pools: Map<BatchKind, Pool>, epoch: number, draws: ReturnType<typeof createRng> | null): number => {
    const poolKinds = [...pools.keys()];
    let emitted = 0;
    for (;;) {
      const open = poolKinds.filter((k) => !exhausted(pools.get(k)!));
      if (open.length === 0) break;
      let kind: BatchKind = poolKinds[0];
      let forced = false;
      if (draws) {
        // Always draw, even when forced, so the sequence of draws does not depend on pool sizes.
        kind = draws.float() < params.alpha ? 'mono' : 'cross';
        if (!open.includes(kind)) {
          kind = open[0];
          forced = true;
        }
      }
      const pool = pools.get(kind)!;
      const batch = fillBatch(pool, params.batchSize, fillSerial++, input, seenQuestion, seenPassage, everDeferred);
      const full = batch.length === params.batchSize;
      // A batch that comes up short once the pool's fresh rows are gone, with too few rows left waiting to fill
      // another, is the pool's last partial batch: no full batch can follow it in this epoch. With dropLast it
      // goes, together with the waiting rows (otherwise they would come out as more partial batches).
      const tail = !full && pool.cursor >= pool.order.length && pool.waiting.length < params.batchSize;
      if (tail && params.dropLast) {
        stats.droppedLastPartial += batch.length + pool.waiting.length;
        pool.waiting = [];
        continue;
      }
      const last = exhausted(pool);
      if (!full && !last) stats.shortBatches++;
      if (forced) stats.forcedKind++;
      for (const r of batch) rows.push(r);
      offsets.push(rows.length);
      batchEpoch.push(epoch);
      batchKind.push(kind === 'mono' ? 0 : 1);
      stats.batches[kind]++;
      emitted++;
    }
    return emitted;
  };

  // Warm-up first: the same cross-lingual batches for every strategy (their streams do not name the strategy).
  for (let e = 0; e < warmupEpochs; e++) {
    const order = shuffleInPlace(warmRows.slice(), createRng(params.seed, `warmup/${e}`));
    stats.warmup.batches += runEpoch(new Map([['cross', { order, cursor: 0, waiting: [] }]]), e, null);
  }
  // Then the strategy's epochs over the other rows, numbered after the warm-up.
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    const pools = new Map<BatchKind, Pool>();
    for (const kind of kinds) {
      const order = shuffleInPlace(byKind[kind].slice(), createRng(params.seed, `shuffle/${epoch}/${kind}`));
      pools.set(kind, { order, cursor: 0, waiting: [] });
    }
    runEpoch(
      pools,
      warmupEpochs + epoch,
      params.strategy === 'hybrid' ? createRng(params.seed, `kinds/${epoch}`) : null,
    );
  }
  stats.rows = rows.length;
  stats.deferred = everDeferred.reduce((sum, v) => sum + v, 0);
  return {
    row: Int32Array.from(rows),
    offsets: Int32Array.from(offsets),
    batchEpoch: Int32Array.from(batchEpoch),
    batchKind: Uint8Array.from(batchKind),
    stats,
  };
}

interface Pool {
  order: Int32Array;
  cursor: number;
  /** Rows that conflicted with an earlier batch, oldest first; they get the first chance at the next batch. */
  waiting: number[];
}

function exhausted(pool: Pool): boolean {
  return pool.cursor >= pool.order.length && pool.waiting.length === 0;
}

/**
 * Marks keys with the batch serial instead of clearing sets, so a batch costs O(rows looked at). When the pool
 * is exhausted while waiting rows still conflict, the batch closes short and they go first into the next one.
 */
function fillBatch(
  pool: Pool,
  size: number,
  serial: number,
  input: SamplerInput,
  seenQuestion: Int32Array,
  seenPassage: Int32Array,
  everDeferred: Uint8Array,
): number[] {
  const batch: number[] = [];
  const stillWaiting: number[] = [];
  const tryAdd = (row: number): boolean => {
    const q = input.questionKey[row];
    const p = input.passageKey[row];
    if (seenQuestion[q] === serial || seenPassage[p] === serial) return false;
    seenQuestion[q] = serial;
    seenPassage[p] = serial;
    batch.push(row);
    return true;
  };
  let i = 0;
  for (; i < pool.waiting.length && batch.length < size; i++) {
    if (!tryAdd(pool.waiting[i])) stillWaiting.push(pool.waiting[i]);
  }
  for (; i < pool.waiting.length; i++) stillWaiting.push(pool.waiting[i]);
  while (batch.length < size && pool.cursor < pool.order.length) {
    const row = pool.order[pool.cursor++];
    if (!tryAdd(row)) {
      stillWaiting.push(row);
      everDeferred[row] = 1;
    }
  }
  pool.waiting = stillWaiting;
  return batch;
}

function indicesWhere(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}

function maxKey(keys: Int32Array): number {
  let max = -1;
  for (const k of keys) if (k > max) max = k;
  return max;
}
