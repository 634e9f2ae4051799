// The row kernel: the training step's per-row loops (pooling, gradient scatter, SparseAdam, momentum EMA) in WASM
// SIMD (kernel/rows.as.ts, compiled to kernel/rows.wasm). The big arrays it works on (the table, its Adam moments,
// the momentum table, the table's gradient rows) live in the kernel's memory as ordinary Float32Array views, so
// the rest of the trainer, checkpoints and model saving use them as before; per-step inputs (token ids, scales,
// pooled vectors) are copied in by chunks. The results are bit-identical to the JS loops (encoder.ts,
// optimizer.ts, trainer.ts), which stay as the reference and the fallback.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type Bags, poolScale, type Pooling } from './encoder.ts';
import { CONTROL, type KernelExports } from './row-kernel-abi.ts';

export interface RowKernelShape {
  buckets: number;
  dim: number;
  /** Also hold a momentum table (ALBEF). */
  momentum: boolean;
  /** 2: SparseAdam runs on two threads (the second a worker on the same memory); 1 (default): one. */
  threads?: 1 | 2;
}

/** Below this many rows a step's SparseAdam stays on one thread: the handoff would cost more than it saves. */
const PARALLEL_MIN_ROWS = 512;
/** How long the main thread waits for the worker's half before giving up on it. */
const WORKER_TIMEOUT_MS = 60_000;
const WORKER_URL = new URL('./row-kernel-worker.mjs', import.meta.url);

/** Ids and texts copied into the kernel per call; larger bags are processed in several calls. */
const CHUNK_IDS = 1 << 20;
const CHUNK_TEXTS = 1024;
const PAGE = 65536;
/** wasm32 memories stop at 4 GiB (65,536 pages). */
const MAX_PAGES = 65536;

let compiled: WebAssembly.Module | null | undefined;
/** Each kernel by its memory's buffer: the trainer finds the kernel its state's arrays belong to. */
const owners = new WeakMap<ArrayBufferLike, RowKernel>();

/** The compiled kernel, or null where this runtime cannot compile it (no WASM SIMD). */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(new URL('./kernel/rows.wasm', import.meta.url)));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Why the kernel cannot serve this shape, or null when it can. */
export function rowKernelUnavailable(shape: RowKernelShape): string | null {
  if (shape.dim % 4 !== 0) return `dim ${shape.dim} is not a multiple of 4`;
  if (Math.ceil(layoutBytes(shape) / PAGE) > MAX_PAGES)
    return `a ${shape.buckets} × ${shape.dim} table with its state exceeds the 4 GiB of a wasm32 memory`;
  if (!kernelModule()) return 'this runtime cannot compile WebAssembly SIMD';
  return null;
}

function layoutBytes({ buckets, dim, momentum }: RowKernelShape): number {
  const table = align(buckets * dim * 4);
  const rows = align(buckets * 4);
  const chunk =
    2 * align(CHUNK_IDS * 4) + align((CHUNK_TEXTS + 1) * 4) + align(CHUNK_TEXTS * 4) + align(CHUNK_TEXTS * dim * 4);
  // table, Adam m and v, gradient values, [momentum table], gradient rows, EMA rows and keeps, chunk buffers.
  return table * (momentum ? 5 : 4) + 3 * rows + chunk;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

export class RowKernel {
  readonly table: Float32Array;
  readonly adamM: Float32Array;
  readonly adamV: Float32Array;
  readonly momentumTable: Float32Array | null;
  /** Gradient rows of one step, capacity `buckets` (a step cannot touch more). */
  readonly gradRows: Int32Array;
  readonly gradValues: Float32Array;
  /** Momentum rows due for their EMA catch-up and their factors: the trainer fills them, `emaRows` applies them. */
  readonly emaDue: Int32Array;
  readonly emaKeep: Float32Array;
  private readonly ids: Int32Array;
  private readonly slotIds: Int32Array;
  private readonly offsets: Int32Array;
  private readonly scales: Float32Array;
  private readonly vectors: Float32Array;
  private readonly k: KernelExports;
  private worker: { thread: Worker; control: Int32Array; floats: Float32Array; job: number } | null = null;
  /** SparseAdam calls split across the two threads so far. */
  parallelSteps = 0;
  readonly dim: number;

  /** A kernel for this shape, or null (with the reason from `rowKernelUnavailable`) where it cannot run. */
  static create(shape: RowKernelShape): RowKernel | null {
    return rowKernelUnavailable(shape) === null ? new RowKernel(shape) : null;
  }

  private constructor(shape: RowKernelShape) {
    const { buckets, dim } = shape;
    this.dim = dim;
    // Pages nobody writes stay unmapped zeros: reserving the gradient buffer for every row costs address space,
    // not memory.
    // Shared, so a worker can run the same module on it; sized once, since growing would detach every view.
    const pages = Math.ceil(layoutBytes(shape) / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.k = new WebAssembly.Instance(kernelModule()!, { env: { memory } }).exports as unknown as KernelExports;
    if (shape.threads === 2) {
      const control = new SharedArrayBuffer(CONTROL.size * 4);
      const thread = new Worker(WORKER_URL, {
        workerData: { module: kernelModule(), memory, control, layout: CONTROL },
      });
      // The worker must never keep the process alive; close() stops it, and exit stops it anyway.
      thread.unref();
      this.worker = { thread, control: new Int32Array(control), floats: new Float32Array(control), job: 0 };
    }
    let offset = 0;
    const f32 = (n: number): Float32Array => {
      const view = new Float32Array(memory.buffer, offset, n);
      offset += align(n * 4);
      return view;
    };
    const i32 = (n: number): Int32Array => {
      const view = new Int32Array(memory.buffer, offset, n);
      offset += align(n * 4);
      return view;
    };
    this.table = f32(buckets * dim);
    this.adamM = f32(buckets * dim);
    this.adamV = f32(buckets * dim);
    this.gradValues = f32(buckets * dim);
    this.momentumTable = shape.momentum ? f32(buckets * dim) : null;
    this.gradRows = i32(buckets);
    this.emaDue = i32(buckets);
    this.emaKeep = f32(buckets);
    this.ids = i32(CHUNK_IDS);
    this.slotIds = i32(CHUNK_IDS);
    this.offsets = i32(CHUNK_TEXTS + 1);
    this.scales = f32(CHUNK_TEXTS);
    this.vectors = f32(CHUNK_TEXTS * dim);
    owners.set(memory.buffer, this);
  }

  /** The kernel whose memory holds `array`, if any (the kernel only reads and writes its own memory). */
  static owning(array: Float32Array | Int32Array): RowKernel | null {
    return owners.get(array.buffer as ArrayBuffer) ?? null;
  }

  owns(array: Float32Array | Int32Array): boolean {
    return array.buffer === this.table.buffer;
  }

  /** poolBags (encoder.ts) from `table`, which must be this kernel's table or momentum table. */
  poolBags(
    table: Float32Array,
    bags: Bags,
    slots: ArrayLike<number>,
    pooling: Pooling,
    out = new Float32Array(slots.length * this.dim),
  ): Float32Array {
    this.chunks(bags, slots, pooling, (from, n) => {
      this.k.pool(
        table.byteOffset,
        this.dim,
        this.ids.byteOffset,
        this.offsets.byteOffset,
        this.scales.byteOffset,
        n,
        this.vectors.byteOffset,
      );
      out.set(this.vectors.subarray(0, n * this.dim), from * this.dim);
    });
    return out;
  }

  /**
   * RowGradients.scatter (encoder.ts) into this kernel's gradient buffer: `slot(id)` gives (creating it, zeroed)
   * the gradient row of a table row; `grad` rows [offset + i] belong to slots[i].
   */
  scatter(
    slot: (row: number) => number,
    grad: Float32Array,
    bags: Bags,
    slots: ArrayLike<number>,
    pooling: Pooling,
    offset: number,
  ): void {
    const dim = this.dim;
    this.chunks(bags, slots, pooling, (from, n, idCount) => {
      for (let j = 0; j < idCount; j++) this.slotIds[j] = slot(this.ids[j]);
      this.vectors.set(grad.subarray((offset + from) * dim, (offset + from + n) * dim));
      this.k.scatter(
        this.gradValues.byteOffset,
        dim,
        this.slotIds.byteOffset,
        this.offsets.byteOffset,
        this.scales.byteOffset,
        n,
        this.vectors.byteOffset,
      );
    });
  }

  /**
   * sparseAdamStep (optimizer.ts) on this kernel's table and moments, from its gradient buffer's first `count` rows.
   * With a worker, it takes the second half of the rows while this thread does the first.
   */
  sparseAdam(count: number, oneMinusBeta1: number, oneMinusBeta2: number, eps: number, stepSize: number): void {
    const rows = this.gradRows.byteOffset;
    const values = this.gradValues.byteOffset;
    const w = this.worker;
    // Until the worker has started (loading it takes a moment, and this thread must not block while it loads),
    // this thread does every row.
    if (!w || count < PARALLEL_MIN_ROWS || Atomics.load(w.control, CONTROL.ready) !== 1) {
      this.k.sparseAdam(
        this.table.byteOffset,
        this.adamM.byteOffset,
        this.adamV.byteOffset,
        this.dim,
        rows,
        values,
        count,
        oneMinusBeta1,
        oneMinusBeta2,
        eps,
        stepSize,
      );
      return;
    }
    const half = count >> 1;
    const c = w.control;
    c[CONTROL.param] = this.table.byteOffset;
    c[CONTROL.m] = this.adamM.byteOffset;
    c[CONTROL.v] = this.adamV.byteOffset;
    c[CONTROL.dim] = this.dim;
    c[CONTROL.rows] = rows + half * 4;
    c[CONTROL.values] = values + half * this.dim * 4;
    c[CONTROL.count] = count - half;
    w.floats[CONTROL.oneMinusBeta1] = oneMinusBeta1;
    w.floats[CONTROL.oneMinusBeta2] = oneMinusBeta2;
    w.floats[CONTROL.eps] = eps;
    w.floats[CONTROL.stepSize] = stepSize;
    const job = ++w.job;
    Atomics.store(c, CONTROL.job, job);
    Atomics.notify(c, CONTROL.job);
    this.k.sparseAdam(
      this.table.byteOffset,
      this.adamM.byteOffset,
      this.adamV.byteOffset,
      this.dim,
      rows,
      values,
      half,
      oneMinusBeta1,
      oneMinusBeta2,
      eps,
      stepSize,
    );
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (let done = Atomics.load(c, CONTROL.done); done !== job; done = Atomics.load(c, CONTROL.done)) {
      if (Date.now() > deadline)
        throw new Error(`row kernel: its worker thread did not finish SparseAdam within ${WORKER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(c, CONTROL.done, done, 100);
    }
    if (c[CONTROL.failed])
      throw new Error('row kernel: its worker thread failed in SparseAdam (its error is on stderr)');
    this.parallelSteps++;
  }

  /** Whether the worker thread is up and takes half of each large SparseAdam (it starts in the background). */
  get parallel(): boolean {
    return this.worker !== null && Atomics.load(this.worker.control, CONTROL.ready) === 1;
  }

  /** Waits (up to `timeoutMs`) for the worker thread to start taking its share; false if there is none by then. */
  async untilParallel(timeoutMs = 20_000): Promise<boolean> {
    for (let waited = 0; this.worker && !this.parallel && waited < timeoutMs; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    return this.parallel;
  }

  /** Stops the worker thread, if any. The arrays stay usable; SparseAdam continues on one thread. */
  close(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    Atomics.store(w.control, CONTROL.job, -1);
    Atomics.notify(w.control, CONTROL.job);
    void w.thread.terminate();
  }

  /** The momentum table's rows `emaDue[0..count)` move toward the online table with factors `emaKeep`. */
  emaRows(count: number): void {
    this.k.emaRows(
      this.momentumTable!.byteOffset,
      this.table.byteOffset,
      this.dim,
      this.emaDue.byteOffset,
      this.emaKeep.byteOffset,
      count,
    );
  }

  /**
   * Copies the bags of `slots` into the chunk buffers, as many texts per call of `run` as fit, with their scales
   * and offsets relative to the chunk. A bag is never split (a split would change the order of a row's sums).
   */
  private chunks(
    bags: Bags,
    slots: ArrayLike<number>,
    pooling: Pooling,
    run: (from: number, n: number, idCount: number) => void,
  ): void {
    let from = 0;
    while (from < slots.length) {
      let n = 0;
      let idCount = 0;
      this.offsets[0] = 0;
      while (from + n < slots.length && n < CHUNK_TEXTS) {
        const start = bags.offsets[slots[from + n]];
        const length = bags.offsets[slots[from + n] + 1] - start;
        if (idCount + length > CHUNK_IDS) {
          if (n > 0) break;
          throw new RangeError(
            `row kernel: a text has ${length} token ids, more than the ${CHUNK_IDS} it can pool at once (train with rowKernel "js")`,
          );
        }
        this.ids.set(bags.ids.subarray(start, start + length), idCount);
        idCount += length;
        this.scales[n] = poolScale(pooling, length);
        this.offsets[++n] = idCount;
      }
      run(from, n, idCount);
      from += n;
    }
  }
}
