// The part of the model that runs in TF.js: the dense layer with L2 normalisation, and the two losses (symmetric
// in-batch InfoNCE, and ALBEF's momentum-distilled alignment against queues of momentum features). Pooled inputs
// come from encoder.ts; TF.js differentiates everything from there on.
import { tf } from './backend.ts';

type T2 = import('@tensorflow/tfjs-core').Tensor2D;
type T1 = import('@tensorflow/tfjs-core').Tensor1D;
type Scalar = import('@tensorflow/tfjs-core').Scalar;
type Tensor = import('@tensorflow/tfjs-core').Tensor;

/** Runs `fn` in a TF.js scope: every tensor it creates and does not return is disposed (tidy for any result). */
export function scoped<R>(fn: () => R): R {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/**
 * a · b, with a gradient that transposes explicitly. tfjs-backend-wasm runs matMul with a transpose flag on a
 * slow path (10× slower at 512×128), and TF.js's own matMul gradient uses those flags; an explicit transpose
 * followed by a plain matMul is fast on every backend.
 */
export const matMul = tf.customGrad(((a: T2, b: T2, save: (tensors: Tensor[]) => void) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: T2, saved: T2[]) => [tf.matMul(dy, tf.transpose(saved[1])), tf.matMul(tf.transpose(saved[0]), dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: T2, b: T2) => T2;

/** a · bᵀ through the fast path above. */
export function matMulT(a: T2, b: T2): T2 {
  return matMul(a, tf.transpose(b));
}

/** PyTorch's F.normalize(dim=1): x / max(‖x‖, 1e-12). */
export function l2Normalize(x: T2): T2 {
  const norm = tf.sqrt(tf.sum(tf.square(x), 1, true));
  return tf.div(x, tf.maximum(norm, 1e-12));
}

/** Output vectors of pooled inputs: normalize(pooled · kernel + bias). */
export function tower(pooled: T2, kernel: T2, bias: T1): T2 {
  return l2Normalize(tf.add(matMul(pooled, kernel), bias));
}

/** Mean over rows of −log p(target) with soft or one-hot targets (rows sum to 1). */
function softCrossEntropy(logits: T2, targets: T2): Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), targets), 1))) as Scalar;
}

/**
 * Symmetric in-batch InfoNCE: question i's positive is passage i, every other passage of the batch is a negative,
 * and the same from the passages' side: (CE(S) + CE(Sᵀ)) / 2 with S = q·pᵀ / τ.
 */
export function infoNceLoss(q: T2, p: T2, temperature: Scalar): Scalar {
  const logits = tf.div(matMulT(q, p), temperature) as T2;
  const eye = tf.eye(q.shape[0]) as T2;
  return tf.div(tf.add(softCrossEntropy(logits, eye), softCrossEntropy(tf.transpose(logits), eye)), 2) as Scalar;
}

/** Momentum features and queues that ALBEF's loss compares against; none of them receives a gradient. */
export interface MomentumInputs {
  /** Momentum-encoder features of this batch's questions and passages [B × E]. */
  qm: T2;
  pm: T2;
  /** Queued momentum features of earlier batches [K × E]. */
  queueQ: T2;
  queueP: T2;
}

/**
 * ALBEF's soft targets: alpha · softmax(momentum similarities) + (1 − alpha) · one-hot on the in-batch positive,
 * over [this batch's momentum features ; queue], for both directions.
 */
export function albefTargets(m: MomentumInputs, temperature: Scalar, alpha: number): { q2p: T2; p2q: T2 } {
  return tf.tidy(() => {
    const pAll = tf.concat([m.pm, m.queueP]);
    const qAll = tf.concat([m.qm, m.queueQ]);
    const b = m.qm.shape[0];
    const hard = tf.pad(tf.eye(b), [
      [0, 0],
      [0, pAll.shape[0] - b],
    ]) as T2;
    const soft = (x: T2, all: T2) => tf.softmax(tf.div(matMulT(x, all), temperature)) as T2;
    return {
      q2p: tf.add(tf.mul(soft(m.qm, pAll), alpha), tf.mul(hard, 1 - alpha)) as T2,
      p2q: tf.add(tf.mul(soft(m.pm, qAll), alpha), tf.mul(hard, 1 - alpha)) as T2,
    };
  });
}

/**
 * ALBEF's image–text contrastive loss ported to question–passage: online features against [momentum batch ;
 * queue], with the soft targets above. The queue makes the negatives per query B − 1 + K, whatever the batch size.
 */
export function albefLoss(q: T2, p: T2, m: MomentumInputs, targets: { q2p: T2; p2q: T2 }, temperature: Scalar): Scalar {
  const pAll = tf.concat([m.pm, m.queueP]);
  const qAll = tf.concat([m.qm, m.queueQ]);
  const q2p = tf.div(matMulT(q, pAll), temperature) as T2;
  const p2q = tf.div(matMulT(p, qAll), temperature) as T2;
  return tf.div(tf.add(softCrossEntropy(q2p, targets.q2p), softCrossEntropy(p2q, targets.p2q)), 2) as Scalar;
}

/** Fraction of questions whose own passage scores highest among `candidates` (top-1 in-batch accuracy). */
export function topOneAccuracy(q: T2, candidates: T2): number {
  return tf.tidy(() => {
    const best = tf.argMax(matMulT(q, candidates), 1);
    const hits = tf.equal(best, tf.range(0, q.shape[0], 1, 'int32'));
    return tf.mean(tf.cast(hits, 'float32')).dataSync()[0];
  });
}
