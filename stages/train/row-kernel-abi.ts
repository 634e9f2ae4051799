// What the row kernel's WASM module exports, and the control block its main thread and worker share: one Int32
// slot each (floats are read through a Float32Array over the same buffer, at the same index).

export interface KernelExports {
  pool(table: number, dim: number, ids: number, offsets: number, scales: number, n: number, out: number): void;
  scatter(values: number, dim: number, slotIds: number, offsets: number, scales: number, n: number, grad: number): void;
  sparseAdam(
    param: number,
    m: number,
    v: number,
    dim: number,
    rows: number,
    values: number,
    count: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    eps: number,
    stepSize: number,
  ): void;
  emaRows(target: number, online: number, dim: number, rows: number, keep: number, count: number): void;
}

export const CONTROL = {
  /** Job number the main thread posts (−1: stop); the worker waits on it. */
  job: 0,
  /** Job number the worker finished; the main thread waits on it. */
  done: 1,
  /** Set by the worker when its job threw. */
  failed: 2,
  /** Set by the worker once it waits for jobs; until then the main thread does all the work itself. */
  ready: 3,
  param: 4,
  m: 5,
  v: 6,
  dim: 7,
  rows: 8,
  values: 9,
  count: 10,
  oneMinusBeta1: 11,
  oneMinusBeta2: 12,
  eps: 13,
  stepSize: 14,
  size: 15,
} as const;
