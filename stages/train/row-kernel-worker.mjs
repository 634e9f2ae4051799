// The row kernel's second thread: the same WASM module on the same shared memory, running its share of a step's
// SparseAdam rows while the main thread runs the other share. Rows are independent, so the split changes no bit.
// Jobs arrive through a shared control block (its layout, CONTROL in row-kernel-abi.ts, comes in workerData) with
// Atomics, not messages: the main thread waits synchronously in the middle of a training step, where no event
// loop turns. Plain JavaScript, so it starts under any launcher (node --import tsx, the tsx CLI, ava).
import { workerData } from 'node:worker_threads';

const { module, memory, control, layout } = workerData;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ints = new Int32Array(control);
const floats = new Float32Array(control);

let seen = 0;
Atomics.store(ints, layout.ready, 1);
for (;;) {
  Atomics.wait(ints, layout.job, seen);
  seen = Atomics.load(ints, layout.job);
  if (seen < 0) break;
  try {
    kernel.sparseAdam(
      ints[layout.param],
      ints[layout.m],
      ints[layout.v],
      ints[layout.dim],
      ints[layout.rows],
      ints[layout.values],
      ints[layout.count],
      floats[layout.oneMinusBeta1],
      floats[layout.oneMinusBeta2],
      floats[layout.eps],
      floats[layout.stepSize],
    );
  } catch (error) {
    Atomics.store(ints, layout.failed, 1);
    console.error(error);
  }
  Atomics.store(ints, layout.done, seen);
  Atomics.notify(ints, layout.done);
}
