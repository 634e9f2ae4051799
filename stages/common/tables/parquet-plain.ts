// Row tables: Parquet PLAIN encoding of leaf values and the column-chunk statistics (min/max, null
// and NaN counts) computed from them.

import type { LeafValues, Physical } from './parquet-leaf.ts';
import { Sink, charCount } from './sink.ts';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** PLAIN-encodes values into `out`; for BYTE_ARRAY, returns where each value starts (n + 1 offsets). */
export function plainEncode(out: Sink, physical: Physical, values: LeafValues): Int32Array | undefined {
  const n = values.length;
  if (physical === 'BYTE_ARRAY') {
    const strings = values as string[];
    const starts = new Int32Array(n + 1);
    out.ensure(4 * n + 3 * charCount(strings));
    for (let i = 0; i < n; i++) {
      starts[i] = out.pos;
      out.utf8Plain(strings[i]);
    }
    starts[n] = out.pos;
    return starts;
  }
  if (physical === 'BOOLEAN') {
    const v = values as Uint8Array;
    out.ensure((n + 7) >> 3);
    const b = out.buf;
    let p = out.pos;
    for (let i = 0; i < n; i += 8) {
      let byte = 0;
      for (let k = 0; k < 8 && i + k < n; k++) byte |= v[i + k] << k;
      b[p++] = byte;
    }
    out.pos = p;
    return undefined;
  }
  const typed = values as Int32Array | BigInt64Array | Float32Array | Float64Array;
  out.ensure(typed.byteLength);
  if (LITTLE_ENDIAN) {
    out.buf.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), out.pos);
  } else {
    const dv = new DataView(out.buf.buffer, out.buf.byteOffset + out.pos, typed.byteLength);
    for (let i = 0; i < n; i++) {
      if (physical === 'INT32') dv.setInt32(i * 4, (typed as Int32Array)[i], true);
      else if (physical === 'INT64') dv.setBigInt64(i * 8, (typed as BigInt64Array)[i], true);
      else if (physical === 'FLOAT') dv.setFloat32(i * 4, (typed as Float32Array)[i], true);
      else dv.setFloat64(i * 8, (typed as Float64Array)[i], true);
    }
  }
  out.pos += typed.byteLength;
  return undefined;
}

function compareRanges(b: Uint8Array, a0: number, a1: number, c0: number, c1: number): number {
  const n = Math.min(a1 - a0, c1 - c0);
  for (let i = 0; i < n; i++) {
    const d = b[a0 + i] - b[c0 + i];
    if (d !== 0) return d;
  }
  return a1 - a0 - (c1 - c0);
}

type MinMax = number | bigint | boolean | Uint8Array;
export interface ChunkStatistics {
  min_value?: MinMax;
  max_value?: MinMax;
  null_count: bigint;
  nan_count?: bigint;
}

/**
 * min/max of a PLAIN byte-array run: `starts` index length prefixes in `b`. Values compare as
 * unsigned bytes (UTF-8 byte order = code point order), as Parquet requires. Returns copies.
 */
export function byteArrayMinMax(b: Uint8Array, starts: Int32Array, n: number): { min?: Uint8Array; max?: Uint8Array } {
  if (n === 0) return {};
  let min0 = starts[0] + 4;
  let min1 = starts[1];
  let max0 = min0;
  let max1 = min1;
  for (let i = 1; i < n; i++) {
    const a0 = starts[i] + 4;
    const a1 = starts[i + 1];
    if (compareRanges(b, a0, a1, min0, min1) < 0) {
      min0 = a0;
      min1 = a1;
    } else if (compareRanges(b, a0, a1, max0, max1) > 0) {
      max0 = a0;
      max1 = a1;
    }
  }
  // Copies: `b` is a Buffer, whose slice() is a view, and the buffer is reused for the next column.
  return { min: Uint8Array.prototype.slice.call(b, min0, min1), max: Uint8Array.prototype.slice.call(b, max0, max1) };
}

export function numericStatistics(physical: Physical, values: LeafValues, nulls: number): ChunkStatistics {
  const stats: ChunkStatistics = { null_count: BigInt(nulls) };
  const n = values.length;
  if (physical === 'BOOLEAN') {
    const v = values as Uint8Array;
    let ones = 0;
    for (let i = 0; i < n; i++) ones += v[i];
    if (n > 0) {
      stats.min_value = ones === n;
      stats.max_value = ones > 0;
    }
    return stats;
  }
  if (physical === 'INT64') {
    const v = values as BigInt64Array;
    if (n > 0) {
      let min = v[0];
      let max = v[0];
      for (let i = 1; i < n; i++) {
        const x = v[i];
        if (x < min) min = x;
        else if (x > max) max = x;
      }
      stats.min_value = min;
      stats.max_value = max;
    }
    return stats;
  }
  const v = values as Int32Array | Float32Array | Float64Array;
  let min = Infinity;
  let max = -Infinity;
  let nans = 0;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (x !== x) {
      nans++;
      continue;
    }
    seen++;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (physical === 'FLOAT' || physical === 'DOUBLE') stats.nan_count = BigInt(nans);
  if (seen > 0) {
    // The spec's signed-zero rule: a zero min is written as -0, a zero max as +0.
    stats.min_value = min === 0 ? -0 : min;
    stats.max_value = max === 0 ? 0 : max;
  }
  return stats;
}
