// Our trainer on a peer-format batches file (bench/train-peer/index.ts writes it), in its own process so its peak
// memory is its own: `node --import tsx bench/train/ours.ts --dir D --backend wasm --loss infonce --warmup 3
// --steps 20 [--row-kernel wasm|js] [--threads 1|2]`. Prints one JSON line shaped like the PyTorch peer's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, type BackendChoice } from '../../stages/train/backend.ts';
import type { Bags } from '../../stages/train/encoder.ts';
import { RowKernel, rowKernelUnavailable } from '../../stages/train/row-kernel.ts';
import { initialState, Trainer, type LossKind, type TrainerConfig } from '../../stages/train/trainer.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    loss: { type: 'string', default: 'infonce' },
    queue: { type: 'string', default: '4096' },
    warmup: { type: 'string', default: '3' },
    steps: { type: 'string', default: '20' },
    'row-kernel': { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '2' },
  },
});
const dir = values.dir!;
const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as {
  buckets: number;
  dim: number;
  temperature: number;
  lr: number;
  batches: number;
};
const bin = await readFile(join(dir, 'batches.bin'));
const words = new Int32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);

// All texts of all batches in one bag set: batch i's questions, then its passages.
const offsets = [0];
const ids: number[] = [];
const batches: { q: Int32Array; p: Int32Array }[] = [];
let at = 0;
for (let b = 0; b < meta.batches; b++) {
  const size = words[at++];
  const slots = (): Int32Array => {
    const off = words.subarray(at, at + size + 1);
    at += size + 1;
    const first = offsets.length - 1;
    for (let i = 0; i < size; i++) {
      for (let k = off[i]; k < off[i + 1]; k++) ids.push(words[at + k]);
      offsets.push(ids.length);
    }
    at += off[size];
    return Int32Array.from({ length: size }, (_, i) => first + i);
  };
  const q = slots();
  const p = slots();
  batches.push({ q, p });
}
const bags: Bags = { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids) };

const backend = await initBackend(values.backend as BackendChoice);
const loss = values.loss as LossKind;
const config: TrainerConfig = {
  encoder: { buckets: meta.buckets, dim: meta.dim, outDim: meta.dim, pooling: 'mean' },
  loss,
  lr: meta.lr,
  tableLr: meta.lr,
  warmupSteps: 0,
  schedule: 'constant',
  totalSteps: 1e9,
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  temperature: meta.temperature,
  learnTemperature: false,
  momentum: 0.995,
  queueSize: loss === 'albef' ? Number(values.queue) : 0,
  alpha: 0.4,
  gradCacheChunk: 0,
};
const threads = values.threads === '1' ? 1 : 2;
const kernel =
  values['row-kernel'] === 'wasm'
    ? RowKernel.create({ buckets: meta.buckets, dim: meta.dim, momentum: loss === 'albef', threads })
    : null;
if (values['row-kernel'] === 'wasm' && !kernel)
  throw new Error(
    `row kernel unavailable: ${rowKernelUnavailable({ buckets: meta.buckets, dim: meta.dim, momentum: loss === 'albef' })}`,
  );
const trainer = new Trainer(config, initialState(config, 0, kernel));
const warmup = Number(values.warmup);
// The kernel's worker loads in the background; measure once it takes its share.
await kernel?.untilParallel();
const steps = Number(values.steps);
let pairs = 0;
let began = 0;
let last = 0;
for (let s = 0; s < warmup + steps; s++) {
  if (s === warmup) began = performance.now();
  const { q, p } = batches[s % batches.length];
  last = trainer.step(bags, q, p).loss;
  if (s >= warmup) pairs += q.length;
}
const seconds = (performance.now() - began) / 1000;
kernel?.close();
process.stdout.write(
  `${JSON.stringify({ backend: backend.name, simd: backend.simd ?? null, rowKernel: trainer.kernel ? 'wasm-simd' : 'js', threads: kernel?.parallelSteps ? 2 : 1, loss, steps, pairs, seconds, pairsPerSecond: pairs / seconds, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), finalLoss: last })}\n`,
);
