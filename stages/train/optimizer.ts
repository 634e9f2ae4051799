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

/**
 * torch.optim.SparseAdam on the touched rows: moments of untouched rows stay as they are, and the bias correction
 * uses the global step, as PyTorch does (`step` counts optimizer steps, from 1).
 */
export function sparseAdamStep(param: Float32Array, state: AdamState, grads: RowGradients, lr: number, step: number, c: AdamConfig): void {
  const { beta1, beta2, eps } = c;
  const stepSize = (lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
  const dim = grads.dim;
  const { m, v } = state;
  for (let s = 0; s < grads.count; s++) {
    const p = grads.rows[s] * dim;
    const g0 = s * dim;
    for (let d = 0; d < dim; d++) {
      const g = grads.values[g0 + d];
      const i = p + d;
      const mi = (m[i] += (g - m[i]) * (1 - beta1));
      const vi = (v[i] += (g * g - v[i]) * (1 - beta2));
      param[i] -= (stepSize * mi) / (Math.sqrt(vi) + eps);
    }
  }
}

/** torch.optim.Adam (no weight decay, no amsgrad) on a whole array. */
export function adamStep(param: Float32Array, state: AdamState, grad: Float32Array, lr: number, step: number, c: AdamConfig): void {
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
