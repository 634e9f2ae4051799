// Row tables: Parquet's RLE / bit-packed hybrid encoding, used for definition and repetition levels
// and for dictionary indexes.

import type { Sink } from './sink.ts';

/** Appends values[start, end) in the RLE/bit-packed hybrid encoding (no length prefix); returns the byte count. */
export function rleHybrid(
  out: Sink,
  values: Uint8Array | Int32Array,
  start: number,
  end: number,
  bitWidth: number,
): number {
  const begin = out.pos;
  out.ensure(Math.ceil((end - start) / 8) * (bitWidth + 8) + 16);
  const b = out.buf;
  let p = out.pos;
  const valueBytes = (bitWidth + 7) >> 3;
  let bpStart = start;
  let bpGroups = 0;
  const flush = (): void => {
    let h = (bpGroups << 1) | 1;
    while (h >= 0x80) {
      b[p++] = (h & 0x7f) | 0x80;
      h >>>= 7;
    }
    b[p++] = h;
    if (bitWidth === 0) return;
    const stop = bpStart + bpGroups * 8;
    let acc = 0;
    let bits = 0;
    for (let k = bpStart; k < stop; k++) {
      acc |= (k < end ? values[k] : 0) << bits;
      bits += bitWidth;
      while (bits >= 8) {
        b[p++] = acc & 255;
        acc >>>= 8;
        bits -= 8;
      }
    }
  };
  let i = start;
  while (i < end) {
    const v = values[i];
    let run = 1;
    while (i + run < end && values[i + run] === v) run++;
    if (run >= 8) {
      if (bpGroups > 0) {
        flush();
        bpGroups = 0;
      }
      let h = run << 1;
      while (h >= 0x80) {
        b[p++] = (h & 0x7f) | 0x80;
        h >>>= 7;
      }
      b[p++] = h;
      for (let j = 0; j < valueBytes; j++) b[p++] = (v >>> (8 * j)) & 255;
      i += run;
    } else {
      if (bpGroups === 0) bpStart = i;
      bpGroups++;
      i += 8;
    }
  }
  if (bpGroups > 0) flush();
  out.pos = p;
  return p - begin;
}

export function bitWidthOf(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}
