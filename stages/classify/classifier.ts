// The probe: a softmax layer (multinomial logistic regression) on frozen features, trained with TF.js's Adam on
// standardised inputs, minibatches in a seeded order, early stopping on a held-out set's loss (the best epoch's
// weights are kept). Zero initialisation: the problem is convex, so nothing random is needed there, and the seed only
// orders the minibatches. Predictions and losses are computed in plain JS (float64 sums) from the final weights, so
// evaluating — thousands of times under a greedy attack — costs no TF.js call and depends on no backend.
import { createRng, shuffleInPlace } from '../common/random.ts';
import { tf } from '../train/index.ts';

export interface LabelledSet {
  /** Row-major features [n × dim]. */
  x: Float32Array;
  /** Class of each row, 0 … classes − 1. */
  y: Int32Array;
}

export interface ClassifierOptions {
  classes: number;
  lr: number;
  maxEpochs: number;
  batchSize: number;
  /** Epochs without a better held-out loss before stopping. */
  patience: number;
  /** L2 penalty on the weights (not the bias), added to the mean cross-entropy. */
  l2: number;
  seed: number;
  /** Names the random stream of the minibatch order, so two probes with one seed do not share it. */
  stream: string;
}

export interface Classifier {
  dim: number;
  classes: number;
  /** Standardisation from the training rows: x' = (x − mean) · scale. */
  mean: Float32Array;
  scale: Float32Array;
  /** [dim × classes], row-major, for standardised inputs. */
  weights: Float32Array;
  bias: Float32Array;
  epochs: number;
  bestEpoch: number;
  heldOutLoss: number;
  heldOutAccuracy: number;
}

function rowsOf(set: LabelledSet, dim: number): number {
  if (dim < 1 || set.x.length % dim !== 0 || set.x.length / dim !== set.y.length) {
    throw new Error(`classifier: ${set.x.length} feature values do not make ${set.y.length} rows of width ${dim}`);
  }
  return set.y.length;
}

export async function trainClassifier(
  train: LabelledSet,
  heldOut: LabelledSet,
  dim: number,
  opts: ClassifierOptions,
): Promise<Classifier> {
  const n = rowsOf(train, dim);
  rowsOf(heldOut, dim);
  if (n === 0 || heldOut.y.length === 0)
    throw new Error('classifier: the training and held-out sets must not be empty');
  for (const y of [...train.y, ...heldOut.y])
    if (!(y >= 0 && y < opts.classes)) throw new Error(`classifier: label ${y} is outside 0…${opts.classes - 1}`);
  const k = opts.classes;
  const { mean, scale } = standardisation(train.x, n, dim);
  const xs = standardise(train.x, mean, scale);

  const W = tf.variable(tf.zeros([dim, k]), true);
  const b = tf.variable(tf.zeros([k]), true);
  const optimizer = tf.train.adam(opts.lr);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(opts.seed, opts.stream);
  const bx = new Float32Array(Math.min(opts.batchSize, n) * dim);
  const by = new Int32Array(Math.min(opts.batchSize, n));
  let best: Classifier | undefined;
  let epoch = 0;
  let stale = 0;
  try {
    while (epoch < opts.maxEpochs) {
      epoch++;
      shuffleInPlace(order, rng);
      for (let start = 0; start < n; start += opts.batchSize) {
        const m = Math.min(opts.batchSize, n - start);
        for (let i = 0; i < m; i++) {
          const r = order[start + i];
          bx.set(xs.subarray(r * dim, (r + 1) * dim), i * dim);
          by[i] = train.y[r];
        }
        tf.tidy(() => {
          const x = tf.tensor2d(bx.subarray(0, m * dim), [m, dim]);
          const y = tf.oneHot(tf.tensor1d(by.subarray(0, m), 'int32'), k);
          optimizer.minimize(
            () => {
              const logits = tf.add(tf.matMul(x, W), b);
              const ce = tf.losses.softmaxCrossEntropy(y, logits);
              return tf.add(ce, tf.mul(tf.sum(tf.square(W)), opts.l2)) as import('@tensorflow/tfjs-core').Scalar;
            },
            false,
            [W, b],
          );
        });
      }
      const current: Classifier = {
        dim,
        classes: k,
        mean,
        scale,
        weights: W.dataSync() as Float32Array,
        bias: b.dataSync() as Float32Array,
        epochs: epoch,
        bestEpoch: epoch,
        heldOutLoss: 0,
        heldOutAccuracy: 0,
      };
      const evalHeld = evaluateSet(current, heldOut);
      current.heldOutLoss = evalHeld.loss;
      current.heldOutAccuracy = evalHeld.accuracy;
      // A strictly lower loss (by a margin above float noise) counts as progress; ties keep the earlier epoch.
      if (!best || current.heldOutLoss < best.heldOutLoss - 1e-7) {
        best = current;
        stale = 0;
      } else if (++stale >= opts.patience) {
        break;
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    W.dispose();
    b.dispose();
    optimizer.dispose();
  }
  return { ...best!, epochs: epoch };
}

/** Per-feature mean and 1/std of the training rows; a constant feature gets scale 1 (it standardises to 0). */
function standardisation(x: Float32Array, n: number, dim: number): { mean: Float32Array; scale: Float32Array } {
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const v = x[i * dim + d];
      sum[d] += v;
      sq[d] += v * v;
    }
  }
  const mean = new Float32Array(dim);
  const scale = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    const m = sum[d] / n;
    const variance = Math.max(0, sq[d] / n - m * m);
    mean[d] = m;
    scale[d] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 1;
  }
  return { mean, scale };
}

function standardise(x: Float32Array, mean: Float32Array, scale: Float32Array): Float32Array {
  const dim = mean.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean[i % dim]) * scale[i % dim];
  return out;
}

/** Log-probabilities of each class for rows [n × dim] → [n × classes] (float64). */
export function logProbabilities(c: Classifier, x: Float32Array): Float64Array {
  const { dim, classes: k } = c;
  const n = x.length / dim;
  const out = new Float64Array(n * k);
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) z[j] = c.bias[j];
    for (let d = 0; d < dim; d++) {
      const v = (x[i * dim + d] - c.mean[d]) * c.scale[d];
      if (v === 0) continue;
      for (let j = 0; j < k; j++) z[j] += v * c.weights[d * k + j];
    }
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, z[j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(z[j] - max);
    const log = max + Math.log(sum);
    for (let j = 0; j < k; j++) out[i * k + j] = z[j] - log;
  }
  return out;
}

/** The most probable class of each row (the lowest index on a tie). */
export function predict(c: Classifier, x: Float32Array): Int32Array {
  const lp = logProbabilities(c, x);
  const n = lp.length / c.classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let j = 1; j < c.classes; j++) if (lp[i * c.classes + j] > lp[i * c.classes + arg]) arg = j;
    out[i] = arg;
  }
  return out;
}

/** Mean cross-entropy and accuracy on a labelled set. */
export function evaluateSet(c: Classifier, set: LabelledSet): { loss: number; accuracy: number } {
  const lp = logProbabilities(c, set.x);
  const pred = predict(c, set.x);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < set.y.length; i++) {
    loss -= lp[i * c.classes + set.y[i]];
    if (pred[i] === set.y[i]) correct++;
  }
  return { loss: loss / set.y.length, accuracy: correct / set.y.length };
}
