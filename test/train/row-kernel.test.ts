// The WASM SIMD row kernel against the JS loops it replaces: the same bits for pooling, scatter, SparseAdam and the
// momentum EMA, whole training runs with both losses and GradCache identical, its limits refused with a reason,
// and the committed rows.wasm exactly what its AssemblyScript source compiles to.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../stages/train/backend.ts';
import { poolBags, RowGradients, type Bags, type Pooling } from '../../stages/train/encoder.ts';
import { adamState, sparseAdamConstants, sparseAdamStep } from '../../stages/train/optimizer.ts';
import { RowKernel, rowKernelUnavailable } from '../../stages/train/row-kernel.ts';
import { initialState, Trainer, type TrainerConfig } from '../../stages/train/trainer.ts';
import { createRng, fillNormal } from '../../stages/common/random.ts';
import { trainerConfig } from './fixture.ts';

const BUCKETS = 211;
const DIM = 16;

test.before(async () => {
  await initBackend('cpu');
});

function bytes(a: Float32Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Texts with 0–40 ids over a small range, so rows repeat within and across texts; text 3 is empty. */
function bags(texts: number, seed: number): Bags {
  const rng = createRng(seed, 'row-kernel-test');
  const offsets = [0];
  const ids: number[] = [];
  for (let i = 0; i < texts; i++) {
    const n = i === 3 ? 0 : rng.int(1, 40);
    for (let k = 0; k < n; k++) ids.push(rng.int(0, BUCKETS - 1));
    offsets.push(ids.length);
  }
  return { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids) };
}

const kernelFor = (momentum = false): RowKernel => {
  const kernel = RowKernel.create({ buckets: BUCKETS, dim: DIM, momentum });
  if (!kernel)
    throw new Error(`row kernel unavailable: ${rowKernelUnavailable({ buckets: BUCKETS, dim: DIM, momentum })}`);
  return kernel;
};

for (const pooling of ['mean', 'sqrtn'] as Pooling[]) {
  test(`pool and scatter (${pooling}): the kernel's bits equal the JS loops'`, (t) => {
    const kernel = kernelFor();
    fillNormal(kernel.table, 1, 'table');
    const b = bags(60, 2);
    const slots = Int32Array.from({ length: 50 }, (_, i) => (i * 7) % 60);
    const js = poolBags(kernel.table.slice(), DIM, b, slots, pooling);
    const wasm = kernel.poolBags(kernel.table, b, slots, pooling);
    t.true(bytes(js).equals(bytes(wasm)), 'pooled vectors');

    const grad = fillNormal(new Float32Array(slots.length * DIM), 3, 'grad');
    const reference = new RowGradients(BUCKETS, DIM);
    reference.scatter(grad, b, slots, pooling);
    const ours = new RowGradients(BUCKETS, DIM, { rows: kernel.gradRows, values: kernel.gradValues });
    kernel.scatter((row) => ours.slot(row), grad, b, slots, pooling, 0);
    t.is(ours.count, reference.count);
    t.true(
      bytes(ours.rows.subarray(0, ours.count)).equals(bytes(reference.rows.subarray(0, reference.count))),
      'rows in first-touched order',
    );
    t.true(
      bytes(ours.values.subarray(0, ours.count * DIM)).equals(
        bytes(reference.values.subarray(0, reference.count * DIM)),
      ),
      'row gradients',
    );
  });
}

test('SparseAdam: the kernel updates the same rows to the same bits, over several steps', (t) => {
  const kernel = kernelFor();
  fillNormal(kernel.table, 4, 'table');
  const param = kernel.table.slice();
  const state = adamState(BUCKETS * DIM);
  const grads = new RowGradients(BUCKETS, DIM, { rows: kernel.gradRows, values: kernel.gradValues });
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  for (let step = 1; step <= 4; step++) {
    grads.reset();
    const rng = createRng(step, 'adam-rows');
    for (let i = 0; i < 30; i++) {
      const s = grads.slot(rng.int(0, BUCKETS - 1));
      for (let d = 0; d < DIM; d++) grads.values[s * DIM + d] += rng.float() - 0.5;
    }
    sparseAdamStep(param, state, grads, 0.01, step, adam);
    const c = sparseAdamConstants(0.01, step, adam);
    kernel.sparseAdam(grads.count, c.oneMinusBeta1, c.oneMinusBeta2, c.eps, c.stepSize);
  }
  t.true(bytes(kernel.table).equals(bytes(param)), 'weights');
  t.true(bytes(kernel.adamM).equals(bytes(state.m)), 'first moments');
  t.true(bytes(kernel.adamV).equals(bytes(state.v)), 'second moments');
});

function config(over: Partial<TrainerConfig>): TrainerConfig {
  return trainerConfig({ buckets: BUCKETS, dim: DIM, outDim: 12, pooling: 'mean' }, over);
}

const cases: [string, Partial<TrainerConfig>][] = [
  ['infonce', {}],
  [
    'infonce, sqrtn pooling, learnt temperature',
    { encoder: { buckets: BUCKETS, dim: DIM, outDim: 12, pooling: 'sqrtn' }, learnTemperature: true },
  ],
  ['albef with a queue', { loss: 'albef', queueSize: 24 }],
  ['albef, GradCache chunks of 4', { loss: 'albef', queueSize: 8, gradCacheChunk: 4 }],
];

for (const [name, over] of cases) {
  test(`a training run with the kernel is byte-identical to one without: ${name}`, (t) => {
    const c = config(over);
    const b = bags(80, 5);
    const run = (kernel: RowKernel | null) => {
      const trainer = new Trainer(c, initialState(c, 11, kernel));
      t.is(trainer.kernel, kernel);
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) {
        const q = Int32Array.from({ length: 10 }, (_, i) => (step * 13 + 2 * i) % 80);
        const p = Int32Array.from({ length: 10 }, (_, i) => (step * 13 + 2 * i + 1) % 80);
        losses.push(trainer.step(b, q, p).loss);
      }
      trainer.syncMomentum();
      return { losses, state: trainer.state };
    };
    const js = run(null);
    const wasm = run(kernelFor(c.loss === 'albef'));
    t.deepEqual(wasm.losses, js.losses);
    t.true(bytes(wasm.state.weights.table).equals(bytes(js.state.weights.table)), 'table');
    t.true(bytes(wasm.state.weights.kernel).equals(bytes(js.state.weights.kernel)), 'dense kernel');
    t.true(bytes(wasm.state.adam.table.m).equals(bytes(js.state.adam.table.m)), 'Adam m');
    t.true(bytes(wasm.state.adam.table.v).equals(bytes(js.state.adam.table.v)), 'Adam v');
    if (c.loss === 'albef') {
      t.true(
        bytes(wasm.state.momentum!.weights.table).equals(bytes(js.state.momentum!.weights.table)),
        'momentum table',
      );
      t.true(bytes(wasm.state.momentum!.queueQ).equals(bytes(js.state.momentum!.queueQ)), 'queue');
    }
  });
}

test('SparseAdam on two threads (a worker on the shared memory) gives the one-thread bits', async (t) => {
  const buckets = 4096;
  const c = trainerConfig({ buckets, dim: DIM, outDim: 12, pooling: 'mean' }, { loss: 'albef', queueSize: 16 });
  // 120 texts of 1–60 ids over 4,096 rows: a step of 30 + 30 texts touches well over the 512 rows that split.
  const rng = createRng(9, 'two-threads');
  const offsets = [0];
  const ids: number[] = [];
  for (let i = 0; i < 120; i++) {
    const n = rng.int(1, 60);
    for (let k = 0; k < n; k++) ids.push(rng.int(0, buckets - 1));
    offsets.push(ids.length);
  }
  const b: Bags = { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids) };
  const run = async (threads: 1 | 2) => {
    const kernel = RowKernel.create({ buckets, dim: DIM, momentum: true, threads })!;
    try {
      // The worker loads in the background; until it is up, the main thread does all rows.
      await kernel.untilParallel();
      const trainer = new Trainer(c, initialState(c, 3, kernel));
      for (let step = 0; step < 4; step++) {
        const q = Int32Array.from({ length: 30 }, (_, i) => (step * 7 + 2 * i) % 120);
        const p = Int32Array.from({ length: 30 }, (_, i) => (step * 7 + 2 * i + 1) % 120);
        trainer.step(b, q, p);
      }
      return {
        table: Buffer.from(bytes(kernel.table)),
        m: Buffer.from(bytes(kernel.adamM)),
        v: Buffer.from(bytes(kernel.adamV)),
        parallel: kernel.parallelSteps,
      };
    } finally {
      kernel.close();
    }
  };
  const one = await run(1);
  const two = await run(2);
  t.is(one.parallel, 0);
  t.is(two.parallel, 4, 'every step split its SparseAdam across the threads');
  t.true(two.table.equals(one.table), 'table');
  t.true(two.m.equals(one.m) && two.v.equals(one.v), 'Adam moments');
});

test('a kernel that does not match the encoder is refused; shapes it cannot serve say why', (t) => {
  const c = config({ loss: 'albef', queueSize: 4 });
  t.throws(() => initialState(c, 1, kernelFor(false)), { message: /row kernel's shape does not match the encoder/ });
  t.regex(rowKernelUnavailable({ buckets: 64, dim: 6, momentum: false }) ?? '', /dim 6 is not a multiple of 4/);
  t.regex(
    rowKernelUnavailable({ buckets: 1 << 22, dim: 256, momentum: true }) ?? '',
    /exceeds the 4 GiB of a wasm32 memory/,
  );
  t.is(RowKernel.create({ buckets: 64, dim: 6, momentum: false }), null);
  t.is(rowKernelUnavailable({ buckets: 1 << 18, dim: 128, momentum: true }), null);
});

test('rows.wasm is what its AssemblyScript source compiles to (npm run build:kernel)', async (t) => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-kernel-'));
  try {
    const script = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).scripts['build:kernel'] as string;
    const args = script.split(/\s+/).slice(1);
    args[args.indexOf('-o') + 1] = join(dir, 'rows.wasm');
    await promisify(execFile)(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), ...args], {
      cwd: root,
    });
    const built = await readFile(join(dir, 'rows.wasm'));
    const committed = await readFile(join(root, 'stages/train/kernel/rows.wasm'));
    t.true(built.equals(committed), 'stages/train/kernel/rows.wasm is stale: run npm run build:kernel');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
