// The training step checked against TF.js itself: our out-of-graph pooling, sparse gradient and optimizers must
// give what a plain TF.js model with the table as a variable gives (the slow, obviously right path), GradCache must
// equal the plain step, the lazy momentum EMA must equal an eager one, and a run must be reproducible.
import test from 'ava';
import { initBackend, tf } from '../../stages/train/backend.ts';
import { initWeights, poolBags, type Bags } from '../../stages/train/encoder.ts';
import { l2Normalize } from '../../stages/train/graph.ts';
import { adamState, adamStep } from '../../stages/train/optimizer.ts';
import {
  initialState,
  learningRate,
  NonFiniteLossError,
  Trainer,
  type TrainerConfig,
} from '../../stages/train/trainer.ts';
import { createRng } from '../../stages/common/random.ts';
import { trainerConfig } from './fixture.ts';

const BUCKETS = 97;
const DIM = 8;
const OUT = 6;

function config(over: Partial<TrainerConfig> = {}): TrainerConfig {
  return trainerConfig({ buckets: BUCKETS, dim: DIM, outDim: OUT, pooling: 'mean' }, over);
}

/** 40 texts with 0–12 features each (text 7 has none), in overlapping buckets so rows are shared. */
function bags(): Bags {
  const rng = createRng(3, 'trainer-test');
  const offsets = [0];
  const ids: number[] = [];
  for (let i = 0; i < 40; i++) {
    const n = i === 7 ? 0 : rng.int(1, 12);
    for (let k = 0; k < n; k++) ids.push(rng.int(0, 30));
    offsets.push(ids.length);
  }
  return { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids) };
}

const Q = Int32Array.from([0, 2, 4, 6, 8, 10, 12, 14]);
const P = Int32Array.from([1, 3, 5, 7, 9, 11, 13, 15]);

test.before(async () => {
  await initBackend('cpu');
});

function close(
  t: import('ava').ExecutionContext,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  t.is(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  t.true(worst <= tol, `${what}: max relative error ${worst} > ${tol}`);
}

test('step gradients equal those of a plain TF.js model (table as a variable, gather + mean)', (t) => {
  const c = config();
  const trainer = new Trainer(c, initialState(c, 1));
  const b = bags();
  const ours = trainer.gradients(b, Q, P);

  const w = trainer.state.weights;
  const { value, grads } = tf.tidy(() => {
    const table = tf.tensor2d(w.table, [BUCKETS, DIM]);
    const kernel = tf.tensor2d(w.kernel, [DIM, OUT]);
    const bias = tf.tensor1d(w.bias);
    const embed = (tab: import('@tensorflow/tfjs-core').Tensor2D, slots: Int32Array) => {
      const rows = Array.from(slots, (s) => {
        const ids = b.ids.subarray(b.offsets[s], b.offsets[s + 1]);
        return ids.length === 0 ? tf.zeros([DIM]) : tf.mean(tf.gather(tab, tf.tensor1d(ids, 'int32')), 0);
      });
      return l2Normalize(tf.add(tf.matMul(tf.stack(rows) as import('@tensorflow/tfjs-core').Tensor2D, kernel), bias));
    };
    return tf.valueAndGrads((tab: import('@tensorflow/tfjs-core').Tensor) => {
      const q = embed(tab as import('@tensorflow/tfjs-core').Tensor2D, Q);
      const p = embed(tab as import('@tensorflow/tfjs-core').Tensor2D, P);
      const logits = tf.div(tf.matMul(q, p, false, true), c.temperature);
      const labels = tf.oneHot(tf.range(0, Q.length, 1, 'int32'), Q.length);
      return tf.div(
        tf.add(
          tf.losses.softmaxCrossEntropy(labels, logits),
          tf.losses.softmaxCrossEntropy(labels, tf.transpose(logits)),
        ),
        2,
      ) as import('@tensorflow/tfjs-core').Scalar;
    })([table]);
  });
  t.true(Math.abs(ours.loss - value.dataSync()[0]) < 1e-5, `loss ${ours.loss} vs ${value.dataSync()[0]}`);
  const dense = grads[0].dataSync();
  const fromRows = new Float32Array(BUCKETS * DIM);
  for (let s = 0; s < ours.rows.count; s++)
    fromRows.set(ours.rows.values.subarray(s * DIM, (s + 1) * DIM), ours.rows.rows[s] * DIM);
  close(t, fromRows, dense, 1e-5, 'table gradient');
  // Rows no text of the batch reads have no entry at all: the update is sparse.
  const touched = new Set(Array.from(ours.rows.rows.subarray(0, ours.rows.count)));
  const read = new Set([...Q, ...P].flatMap((s) => Array.from(b.ids.subarray(b.offsets[s], b.offsets[s + 1]))));
  t.deepEqual(
    [...touched].sort((x, y) => x - y),
    [...read].sort((x, y) => x - y),
  );
});

for (const loss of ['infonce', 'albef'] as const) {
  test(`GradCache (chunks of 3) gives the plain step's loss and gradients: ${loss}`, (t) => {
    const over = loss === 'albef' ? { loss, queueSize: 5, learnTemperature: true } : { loss, learnTemperature: true };
    const plain = new Trainer(config(over), initialState(config(over), 2));
    const cached = new Trainer(config({ ...over, gradCacheChunk: 3 }), initialState(config(over), 2));
    const b = bags();
    for (let step = 0; step < 3; step++) {
      const a = plain.gradients(b, Q, P);
      const c = cached.gradients(b, Q, P);
      t.true(Math.abs(a.loss - c.loss) < 1e-6, `step ${step}: loss ${a.loss} vs ${c.loss}`);
      close(t, c.kernel, a.kernel, 1e-5, `step ${step}: kernel`);
      close(t, c.bias, a.bias, 1e-5, `step ${step}: bias`);
      t.true(Math.abs(a.temperature - c.temperature) < 1e-5, 'temperature gradient');
      close(
        t,
        c.rows.values.subarray(0, c.rows.count * DIM),
        a.rows.values.subarray(0, a.rows.count * DIM),
        1e-5,
        `step ${step}: table rows`,
      );
      plain.step(b, Q, P);
      cached.step(b, Q, P);
    }
  });
}

test('sparse Adam is Adam on the touched rows and leaves every other row and moment alone', (t) => {
  const c = config();
  const trainer = new Trainer(c, initialState(c, 4));
  const b = bags();
  const before = trainer.state.weights.table.slice();
  const g = trainer.gradients(b, Q, P);
  const rows = Array.from(g.rows.rows.subarray(0, g.rows.count));
  const grads = g.rows.values.slice(0, g.rows.count * DIM);
  trainer.step(b, Q, P);
  const after = trainer.state.weights.table;
  for (let r = 0; r < BUCKETS; r++) {
    const slot = rows.indexOf(r);
    const want = before.slice(r * DIM, (r + 1) * DIM);
    // torch.optim.SparseAdam at step 1: m = (1−β1)g, v = (1−β2)g², p −= lr·sqrt(1−β2)/(1−β1) · m / (sqrt(v) + eps).
    for (let d = 0; slot >= 0 && d < DIM; d++) {
      const g1 = grads[slot * DIM + d];
      want[d] -= ((c.tableLr * Math.sqrt(1 - 0.999)) / (1 - 0.9)) * ((0.1 * g1) / (Math.sqrt(0.001 * g1 * g1) + 1e-8));
    }
    close(t, after.subarray(r * DIM, (r + 1) * DIM), want, 1e-6, `row ${r}${slot >= 0 ? ' (touched)' : ''}`);
  }
  // The dense layer's Adam is torch.optim.Adam: with a large gradient its first step moves each weight by ≈ lr.
  const w = Float32Array.of(1, 1);
  adamStep(w, adamState(2), Float32Array.of(3, -3), 0.1, 1, c.adam);
  close(t, w, [0.9, 1.1], 1e-6, 'Adam first step');
});

test('the lazy momentum table equals an eager EMA of every row, every step', (t) => {
  const c = config({ loss: 'albef', queueSize: 4, momentum: 0.8 });
  const trainer = new Trainer(c, initialState(c, 5));
  const b = bags();
  const eager = trainer.state.weights.table.slice();
  const batches = [
    [Q, P],
    [Int32Array.from([16, 18, 20, 22]), Int32Array.from([17, 19, 21, 23])],
    [Int32Array.from([24, 26, 28]), Int32Array.from([25, 27, 29])],
    [Q, P],
  ] as const;
  for (const [q, p] of batches) {
    // ALBEF: momentum update at the start of the step, with the online weights as they are.
    const online = trainer.state.weights.table;
    for (let i = 0; i < eager.length; i++) eager[i] = 0.8 * eager[i] + 0.2 * online[i];
    trainer.step(b, q, p);
  }
  trainer.syncMomentum();
  close(t, trainer.state.momentum!.weights.table, eager, 1e-6, 'momentum table');
});

test('the queue holds the latest momentum features, oldest overwritten first', (t) => {
  const c = config({ loss: 'albef', queueSize: 10 });
  const trainer = new Trainer(c, initialState(c, 6));
  const b = bags();
  const g = trainer.gradients(b, Q, P);
  // gradients() advanced the momentum model; step() would too. Rebuild to compare a real step.
  const fresh = new Trainer(c, initialState(c, 6));
  fresh.step(b, Q, P);
  t.deepEqual(Array.from(fresh.state.momentum!.queueP.subarray(0, 8 * OUT)), Array.from(g.momentum!.pm));
  t.is(fresh.state.momentum!.queuePtr, 8);
  fresh.step(b, Q, P);
  t.is(fresh.state.momentum!.queuePtr, 6);
});

test('same seed, same batches: byte-identical weights; another seed: different', (t) => {
  const run = (seed: number, loss: 'infonce' | 'albef') => {
    const c = config({ loss, queueSize: loss === 'albef' ? 6 : 0 });
    const trainer = new Trainer(c, initialState(c, seed));
    const b = bags();
    for (let i = 0; i < 5; i++) trainer.step(b, Q, P);
    return (
      Buffer.from(trainer.state.weights.table.buffer).toString('base64') +
      Buffer.from(trainer.state.weights.kernel.buffer).toString('base64')
    );
  };
  for (const loss of ['infonce', 'albef'] as const) {
    t.is(run(7, loss), run(7, loss), loss);
    t.not(run(7, loss), run(8, loss), loss);
  }
});

test('training lowers the loss on a batch it sees again and again', (t) => {
  const c = config({ lr: 0.05 });
  const trainer = new Trainer(c, initialState(c, 9));
  const b = bags();
  const first = trainer.step(b, Q, P).loss;
  let last = first;
  for (let i = 0; i < 40; i++) last = trainer.step(b, Q, P).loss;
  t.true(last < first / 4, `loss ${first} → ${last}`);
});

test('a NaN loss stops the step with an error naming it, before any weight moves', (t) => {
  const c = config();
  const trainer = new Trainer(c, initialState(c, 10));
  const b = bags();
  trainer.step(b, Q, P);
  trainer.state.weights.table[b.ids[b.offsets[Q[0]]] * DIM] = Number.NaN;
  const kernel = trainer.state.weights.kernel.slice();
  const error = t.throws(() => trainer.step(b, Q, P), { instanceOf: NonFiniteLossError });
  t.is(error!.step, 2);
  t.regex(error!.message, /loss is NaN at step 2/);
  t.deepEqual(trainer.state.weights.kernel, kernel);
  t.is(trainer.state.step, 1);
});

test('two learning rates: the table moves by tableLr, the dense layer by lr, both on the one schedule', (t) => {
  // Adam's first step moves every weight with a clear gradient by about its lr, whatever the gradient's size.
  const maxMove = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
  for (const [lr, tableLr] of [
    [1e-3, 0.1],
    [0.1, 1e-3],
  ]) {
    const c = config({ lr, tableLr, warmupSteps: 2 });
    const trainer = new Trainer(c, initialState(c, 5));
    const table = trainer.state.weights.table.slice();
    const kernel = trainer.state.weights.kernel.slice();
    const result = trainer.step(bags(), Q, P);
    t.is(result.lr, lr / 2, 'the step reports the dense lr, warmed up');
    close(
      t,
      [maxMove(trainer.state.weights.table, table)],
      [tableLr / 2],
      tableLr * 0.01,
      `table moved by tableLr/2 (lr ${lr}, tableLr ${tableLr})`,
    );
    close(
      t,
      [maxMove(trainer.state.weights.kernel, kernel)],
      [lr / 2],
      lr * 0.01,
      `kernel moved by lr/2 (lr ${lr}, tableLr ${tableLr})`,
    );
  }
});

test('learning rate: linear warm-up, then constant or linear decay to zero', (t) => {
  const c = { lr: 1, warmupSteps: 4, totalSteps: 12 };
  t.deepEqual(
    [1, 2, 4, 8].map((s) => learningRate({ ...c, schedule: 'constant' }, s)),
    [0.25, 0.5, 1, 1],
  );
  t.deepEqual(
    [4, 8, 12].map((s) => learningRate({ ...c, schedule: 'linear' }, s)),
    [1, 0.5, 0],
  );
});

test('pooling: mean of the rows, the zero vector for an empty bag; init is seeded', (t) => {
  const w = initWeights({ buckets: BUCKETS, dim: DIM, outDim: OUT, pooling: 'mean' }, 1);
  t.deepEqual(w.table, initWeights({ buckets: BUCKETS, dim: DIM, outDim: OUT, pooling: 'mean' }, 1).table);
  const b: Bags = { offsets: Int32Array.of(0, 2, 2), ids: Int32Array.of(3, 5) };
  const pooled = poolBags(w.table, DIM, b, [0, 1], 'mean');
  const want = Array.from({ length: DIM }, (_, d) => (w.table[3 * DIM + d] + w.table[5 * DIM + d]) / 2);
  close(t, pooled.subarray(0, DIM), want, 1e-6, 'mean');
  t.deepEqual(Array.from(pooled.subarray(DIM)), new Array(DIM).fill(0));
});
