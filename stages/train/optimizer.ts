// Adam in plain typed arrays, written to match PyTorch: `SparseAdam` for the embedding table (only the rows a
// batch touched move, and only their moments update: "lazy" Adam) and `Adam` for the small dense weights. The
// state is plain arrays so a checkpoint is a byte copy and a resumed run continues bit for bit.
import type { RowGradients } from './encoder.ts';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
}

/** First and second moments of one parameter array. */
export interface AdamState {
  m: Float32Array;
  v: Float32Array;
}

export function adamState(size: number): AdamState {
  return { m: new Float32Array(size), v: new Float32Array(size) };
}

/** SparseAdam's per-step constants, rounded to float32 as PyTorch holds them (and the row kernel takes them). */
export function sparseAdamConstants(
  lr: number,
  step: number,
  c: AdamConfig,
): { oneMinusBeta1: number; oneMinusBeta2: number; eps: number; stepSize: number } {
  return {
    oneMinusBeta1: Math.fround(1 - c.beta1),
    oneMinusBeta2: Math.fround(1 - c.beta2),
    eps: Math.fround(c.eps),
    stepSize: Math.fround((lr * Math.sqrt(1 - c.beta2 ** step)) / (1 - c.beta1 ** step)),
  };
}

/**
 * torch.optim.SparseAdam on the touched rows: moments of untouched rows stay as they are, and the bias correction
 * uses the global step, as PyTorch does (`step` counts optimizer steps, from 1). Float32 arithmetic throughout
 * (each operation rounded), so the row kernel's SIMD version gives the same bits.
 */
export function sparseAdamStep(
  param: Float32Array,
  state: AdamState,
  grads: RowGradients,
  lr: number,
  step: number,
  c: AdamConfig,
): void {
  const { oneMinusBeta1: c1, oneMinusBeta2: c2, eps, stepSize } = sparseAdamConstants(lr, step, c);
  const f = Math.fround;
  const dim = grads.dim;
  const { m, v } = state;
  for (let s = 0; s < grads.count; s++) {
    const p = grads.rows[s] * dim;
    const g0 = s * dim;
    for (let d = 0; d < dim; d++) {
      const g = grads.values[g0 + d];
      const i = p + d;
      const mi = (m[i] = f(m[i] + f(f(g - m[i]) * c1)));
      const vi = (v[i] = f(v[i] + f(f(f(g * g) - v[i]) * c2)));
      param[i] = f(param[i] - f(f(stepSize * mi) / f(f(Math.sqrt(vi)) + eps)));
    }
  }
}

/** torch.optim.Adam (no weight decay, no amsgrad) on a whole array. */
export function adamStep(
  param: Float32Array,
  state: AdamState,
  grad: Float32Array,
  lr: number,
  step: number,
  c: AdamConfig,
): void {
  const { beta1, beta2, eps } = c;
  const bc1 = 1 - beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  const { m, v } = state;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    m[i] = m[i] * beta1 + (1 - beta1) * g;
    v[i] = v[i] * beta2 + (1 - beta2) * g * g;
    param[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
  }
}
