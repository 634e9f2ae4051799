// AssemblyScript source of the row kernel (compiled to rows.wasm by `npm run build:kernel`; row-kernel.ts loads
// it). The per-row loops of a training step, four lanes at a time with WASM SIMD: pooling bags of table rows,
// scattering pooled gradients back onto rows, PyTorch's SparseAdam on the touched rows, and the momentum table's
// lazy EMA. Every lane does the float32 operations of the JS reference in encoder.ts/optimizer.ts/trainer.ts in
// the same order (no fused multiply-add), so both give bit-identical results. Pointers are byte offsets into
// the memory the host passes in; `dim` is a multiple of 4.

/** out[i] = scales[i] · Σ table[ids[k]] for k in [offsets[i], offsets[i+1]). */
export function pool(table: usize, dim: i32, ids: usize, offsets: usize, scales: usize, n: i32, out: usize): void {
  const rowBytes = (<usize>dim) << 2;
  for (let i = 0; i < n; i++) {
    const start = load<i32>(offsets + ((<usize>i) << 2));
    const end = load<i32>(offsets + ((<usize>(i + 1)) << 2));
    const o = out + <usize>i * rowBytes;
    for (let d: usize = 0; d < rowBytes; d += 16) v128.store(o + d, f32x4.splat(0));
    // Four rows per pass: the sums keep their order ((o + r0) + r1) + ..., but the four random rows are fetched
    // at once, and a row fetch (a cache and TLB miss in a 128 MiB table) is what pooling waits on.
    let k = start;
    for (; k + 4 <= end; k += 4) {
      const at = ids + ((<usize>k) << 2);
      const r0 = table + <usize>load<i32>(at) * rowBytes;
      const r1 = table + <usize>load<i32>(at, 4) * rowBytes;
      const r2 = table + <usize>load<i32>(at, 8) * rowBytes;
      const r3 = table + <usize>load<i32>(at, 12) * rowBytes;
      for (let d: usize = 0; d < rowBytes; d += 16) {
        const sum = f32x4.add(
          f32x4.add(f32x4.add(f32x4.add(v128.load(o + d), v128.load(r0 + d)), v128.load(r1 + d)), v128.load(r2 + d)),
          v128.load(r3 + d),
        );
        v128.store(o + d, sum);
      }
    }
    for (; k < end; k++) {
      const r = table + <usize>load<i32>(ids + ((<usize>k) << 2)) * rowBytes;
      for (let d: usize = 0; d < rowBytes; d += 16) v128.store(o + d, f32x4.add(v128.load(o + d), v128.load(r + d)));
    }
    const s = f32x4.splat(load<f32>(scales + ((<usize>i) << 2)));
    for (let d: usize = 0; d < rowBytes; d += 16) v128.store(o + d, f32x4.mul(v128.load(o + d), s));
  }
}

/** values[slotIds[k]] += grad[i] · scales[i] for every id k of text i. */
export function scatter(
  values: usize,
  dim: i32,
  slotIds: usize,
  offsets: usize,
  scales: usize,
  n: i32,
  grad: usize,
): void {
  const rowBytes = (<usize>dim) << 2;
  for (let i = 0; i < n; i++) {
    const start = load<i32>(offsets + ((<usize>i) << 2));
    const end = load<i32>(offsets + ((<usize>(i + 1)) << 2));
    const g = grad + <usize>i * rowBytes;
    const s = f32x4.splat(load<f32>(scales + ((<usize>i) << 2)));
    for (let k = start; k < end; k++) {
      const v = values + <usize>load<i32>(slotIds + ((<usize>k) << 2)) * rowBytes;
      for (let d: usize = 0; d < rowBytes; d += 16)
        v128.store(v + d, f32x4.add(v128.load(v + d), f32x4.mul(v128.load(g + d), s)));
    }
  }
}

/**
 * torch.optim.SparseAdam on rows[0..count): m += (g − m)(1 − β1); v += (g² − v)(1 − β2);
 * p −= stepSize · m / (√v + eps). `oneMinusBeta1`, `oneMinusBeta2`, `eps` and `stepSize` come rounded to float32.
 */
export function sparseAdam(
  param: usize,
  m: usize,
  v: usize,
  dim: i32,
  rows: usize,
  values: usize,
  count: i32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
  stepSize: f32,
): void {
  const rowBytes = (<usize>dim) << 2;
  const c1 = f32x4.splat(oneMinusBeta1);
  const c2 = f32x4.splat(oneMinusBeta2);
  const e = f32x4.splat(eps);
  const lr = f32x4.splat(stepSize);
  for (let s = 0; s < count; s++) {
    const p = <usize>load<i32>(rows + ((<usize>s) << 2)) * rowBytes;
    const g0 = values + <usize>s * rowBytes;
    for (let d: usize = 0; d < rowBytes; d += 16) {
      const g = v128.load(g0 + d);
      const mi = f32x4.add(v128.load(m + p + d), f32x4.mul(f32x4.sub(g, v128.load(m + p + d)), c1));
      v128.store(m + p + d, mi);
      const vi = f32x4.add(v128.load(v + p + d), f32x4.mul(f32x4.sub(f32x4.mul(g, g), v128.load(v + p + d)), c2));
      v128.store(v + p + d, vi);
      v128.store(
        param + p + d,
        f32x4.sub(v128.load(param + p + d), f32x4.div(f32x4.mul(lr, mi), f32x4.add(f32x4.sqrt(vi), e))),
      );
    }
  }
}

/** target[r] = online[r] + keep[s] · (target[r] − online[r]) for r = rows[s], s in [0, count). */
export function emaRows(target: usize, online: usize, dim: i32, rows: usize, keep: usize, count: i32): void {
  const rowBytes = (<usize>dim) << 2;
  for (let s = 0; s < count; s++) {
    const r = <usize>load<i32>(rows + ((<usize>s) << 2)) * rowBytes;
    const k = f32x4.splat(load<f32>(keep + ((<usize>s) << 2)));
    for (let d: usize = 0; d < rowBytes; d += 16) {
      const o = v128.load(online + r + d);
      v128.store(target + r + d, f32x4.add(o, f32x4.mul(k, f32x4.sub(v128.load(target + r + d), o))));
    }
  }
}
