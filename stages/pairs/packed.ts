// Compact columns to send results from workers: strings as one UTF-8 buffer plus byte offsets, numbers as Int32Array.
// Structured-cloning object graphs of ~100k strings costs more than building them (measured); these are a few
// ArrayBuffers that postMessage transfers without copying.

export interface PackedStrings {
  /** UTF-8 bytes of all strings, concatenated. */
  bytes: Uint8Array;
  /** n + 1 byte offsets: string i is bytes[offsets[i], offsets[i+1]). */
  offsets: Int32Array;
}

/** A batch of rows in columns; every column has the same length. */
export interface PackedColumns {
  strings: Record<string, PackedStrings>;
  ints: Record<string, Int32Array>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function packStrings(values: readonly string[]): PackedStrings {
  const offsets = new Int32Array(values.length + 1);
  const parts = values.map((v) => encoder.encode(v));
  let total = 0;
  parts.forEach((p, i) => {
    total += p.length;
    offsets[i + 1] = total;
  });
  const bytes = new Uint8Array(total);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  return { bytes, offsets };
}

export function unpackStrings(p: PackedStrings): string[] {
  const out = new Array<string>(p.offsets.length - 1);
  for (let i = 0; i < out.length; i++) out[i] = decoder.decode(p.bytes.subarray(p.offsets[i], p.offsets[i + 1]));
  return out;
}

/** Column-builder for one batch: push strings and ints by column name, then `pack()`. */
export class ColumnBuilder<S extends string, I extends string> {
  private readonly s: Record<string, string[]> = {};
  private readonly n: Record<string, number[]> = {};
  constructor(stringNames: readonly S[], intNames: readonly I[]) {
    for (const k of stringNames) this.s[k] = [];
    for (const k of intNames) this.n[k] = [];
  }
  push(row: Record<S, string> & Record<I, number>): void {
    for (const k of Object.keys(this.s)) this.s[k].push((row as Record<string, string>)[k]);
    for (const k of Object.keys(this.n)) this.n[k].push((row as Record<string, number>)[k]);
  }
  pack(): PackedColumns {
    const strings: Record<string, PackedStrings> = {};
    const ints: Record<string, Int32Array> = {};
    for (const [k, v] of Object.entries(this.s)) strings[k] = packStrings(v);
    for (const [k, v] of Object.entries(this.n)) ints[k] = Int32Array.from(v);
    return { strings, ints };
  }
}

/** Decoded view of a batch: strings as arrays, ints as Int32Array. */
export interface UnpackedColumns<S extends string, I extends string> {
  rows: number;
  s: Record<S, string[]>;
  i: Record<I, Int32Array>;
}

export function unpackColumns<S extends string, I extends string>(p: PackedColumns): UnpackedColumns<S, I> {
  const s: Record<string, string[]> = {};
  const i: Record<string, Int32Array> = {};
  let rows = 0;
  for (const [k, v] of Object.entries(p.strings)) rows = (s[k] = unpackStrings(v)).length;
  for (const [k, v] of Object.entries(p.ints)) rows = (i[k] = v).length;
  return { rows, s: s as Record<S, string[]>, i: i as Record<I, Int32Array> };
}

/** The ArrayBuffers of a batch, for a transfer list. */
export function buffersOf(p: PackedColumns): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const v of Object.values(p.strings)) out.push(v.bytes.buffer as ArrayBuffer, v.offsets.buffer as ArrayBuffer);
  for (const v of Object.values(p.ints)) out.push(v.buffer as ArrayBuffer);
  return out;
}
