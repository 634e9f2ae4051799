// Row tables: a column's Parquet leaf (physical type, present values, definition and repetition
// levels) and the choice of dictionary encoding for it.

import type { ColumnSpec, ColumnType } from './types.ts';
import { bitWidthOf } from './rle.ts';
import type { Canon } from './validate.ts';

/** Dictionaries above this many entries are not tried: their indexes would need > 20 bits. */
const MAX_DICTIONARY = 1 << 20;

export type Physical = 'BYTE_ARRAY' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'BOOLEAN';
export type LeafValues = string[] | Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array;

export interface Leaf {
  physical: Physical;
  /** Level entries: one per row for flat columns, one per element (or empty/null list) for lists. */
  entries: number;
  values: LeafValues;
  maxDef: number;
  maxRep: number;
  def?: Uint8Array;
  rep?: Uint8Array;
}

function physicalOf(type: ColumnType): Physical {
  switch (type) {
    case 'utf8':
    case 'list<utf8>':
      return 'BYTE_ARRAY';
    case 'int32':
    case 'list<int32>':
      return 'INT32';
    case 'int64':
      return 'INT64';
    case 'float32':
    case 'list<float32>':
      return 'FLOAT';
    case 'float64':
      return 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
  }
}

function newValues(physical: Physical, n: number): LeafValues {
  switch (physical) {
    case 'BYTE_ARRAY':
      return new Array<string>(n);
    case 'INT32':
      return new Int32Array(n);
    case 'INT64':
      return new BigInt64Array(n);
    case 'FLOAT':
      return new Float32Array(n);
    case 'DOUBLE':
      return new Float64Array(n);
    case 'BOOLEAN':
      return new Uint8Array(n);
  }
}

export function leafOf(spec: ColumnSpec, c: Canon): Leaf {
  const physical = physicalOf(spec.type);
  const nullable = spec.nullable === true;
  const rows = c.length;
  if (!spec.type.startsWith('list<')) {
    if (ArrayBuffer.isView(c)) {
      return {
        physical,
        entries: rows,
        values: c as LeafValues,
        maxDef: nullable ? 1 : 0,
        maxRep: 0,
        def: nullable ? new Uint8Array(rows).fill(1) : undefined,
      };
    }
    const arr = c as unknown[];
    // Validation guarantees no nulls here: the canonical array is the leaf.
    if (!nullable && physical === 'BYTE_ARRAY')
      return { physical, entries: rows, values: arr as string[], maxDef: 0, maxRep: 0 };
    let present = 0;
    for (let i = 0; i < rows; i++) if (arr[i] !== null) present++;
    const values = newValues(physical, present);
    const def = nullable ? new Uint8Array(rows) : undefined;
    let o = 0;
    for (let i = 0; i < rows; i++) {
      const v = arr[i];
      if (v === null) continue;
      if (def) def[i] = 1;
      (values as unknown[])[o++] = physical === 'BOOLEAN' ? (v ? 1 : 0) : v;
    }
    return { physical, entries: rows, values, maxDef: nullable ? 1 : 0, maxRep: 0, def };
  }
  // Lists: optional/required group → repeated group `list` → required `element`.
  const arr = c as (ArrayLike<unknown> | null)[];
  const maxDef = nullable ? 2 : 1;
  let entries = 0;
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const r = arr[i];
    const n = r === null ? 0 : r.length;
    count += n;
    entries += n === 0 ? 1 : n;
  }
  const values = newValues(physical, count);
  const def = new Uint8Array(entries);
  const rep = new Uint8Array(entries);
  let e = 0;
  let o = 0;
  for (let i = 0; i < rows; i++) {
    const r = arr[i];
    if (r === null || r.length === 0) {
      def[e++] = r === null ? 0 : maxDef - 1;
      continue;
    }
    for (let k = 0; k < r.length; k++) {
      rep[e] = k === 0 ? 0 : 1;
      def[e++] = maxDef;
      (values as unknown[])[o++] = r[k];
    }
  }
  return { physical, entries, values, maxDef, maxRep: 1, def, rep };
}

// ---- Dictionaries ----

/**
 * Dictionary for a BYTE_ARRAY or INT32 leaf, or undefined when PLAIN is smaller. Samples first (as
 * hyparquet-writer does) so that mostly-unique columns such as free text skip the full build.
 */
export function dictionaryOf(
  leaf: Leaf,
): { dict: (string | number)[]; indexes: Int32Array; bitWidth: number } | undefined {
  if (leaf.physical !== 'BYTE_ARRAY' && leaf.physical !== 'INT32') return undefined;
  const values = leaf.values as ArrayLike<string | number>;
  const n = values.length;
  if (n === 0) return undefined;
  const sample = Math.min(n, 1024);
  if (sample >= 64) {
    const seen = new Set<string | number>();
    for (let k = 0; k < sample; k++) seen.add(values[Math.floor((k * (n - 1)) / (sample - 1))]);
    if (seen.size > 0.9 * sample) return undefined;
  }
  const limit = Math.min(MAX_DICTIONARY, Math.max(16, n >>> 1));
  const index = new Map<string | number, number>();
  const dict: (string | number)[] = [];
  const indexes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let j = index.get(v);
    if (j === undefined) {
      j = dict.length;
      if (j >= limit) return undefined;
      index.set(v, j);
      dict.push(v);
    }
    indexes[i] = j;
  }
  const bitWidth = bitWidthOf(dict.length - 1);
  // Keep it when dictionary page + bit-packed indexes are at most half the PLAIN bytes.
  let dictBytes: number;
  let plainBytes: number;
  if (leaf.physical === 'INT32') {
    dictBytes = 4 * dict.length;
    plainBytes = 4 * n;
  } else {
    const counts = new Int32Array(dict.length);
    for (let i = 0; i < n; i++) counts[indexes[i]]++;
    dictBytes = 0;
    plainBytes = 0;
    for (let j = 0; j < dict.length; j++) {
      const len = 4 + Buffer.byteLength(dict[j] as string, 'utf8');
      dictBytes += len;
      plainBytes += len * counts[j];
    }
  }
  if (2 * (dictBytes + Math.ceil((n * bitWidth) / 8)) > plainBytes) return undefined;
  return { dict, indexes, bitWidth };
}
