// Row tables: validation and normalisation of appended columns. Every append is brought to one
// canonical in-memory form so that the same rows give the same bytes however they were chunked or
// typed by the caller:
//   numeric without nulls → typed array; numeric with nulls → (number|bigint|null)[];
//   utf8/bool → plain arrays; list<int32|float32> → typed array per row.
// A failure is a TableError naming the table, the column and the row.

import { TableError, type ColumnSpec, type Columns, type TableSchema } from './types.ts';

/** The canonical in-memory form of one column (see above). */
export type Canon = unknown[] | Int32Array | BigInt64Array | Float32Array | Float64Array;

const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function normalizeColumn(table: string, spec: ColumnSpec, values: ArrayLike<unknown>, rowBase: number): Canon {
  const fail = (row: number, msg: string): never => {
    throw new TableError(
      `table "${table}": column "${spec.name}" (${spec.type}) row ${rowBase + row}: ${msg}`,
      table,
      spec.name,
      rowBase + row,
    );
  };
  const nullable = spec.nullable === true;
  const n = values.length;
  const typedOk = (ctor: Function): boolean => values instanceof ctor;
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TableError(
      `table "${table}": column "${spec.name}" (${spec.type}): expected an array, got ${describe(values)}`,
      table,
      spec.name,
    );
  }
  if (ArrayBuffer.isView(values)) {
    const want =
      spec.type === 'int32'
        ? Int32Array
        : spec.type === 'int64'
          ? BigInt64Array
          : spec.type === 'float32'
            ? Float32Array
            : spec.type === 'float64'
              ? Float64Array
              : undefined;
    if (!want || !typedOk(want)) {
      throw new TableError(
        `table "${table}": column "${spec.name}" (${spec.type}): wrong type, got ${describe(values)}` +
          (want ? ` (expected ${want.name} or a plain array)` : ' (expected a plain array)'),
        table,
        spec.name,
      );
    }
    // Copied: the streaming writer keeps rows until a row group fills, and callers may reuse buffers.
    return (values as unknown as Int32Array).slice() as Canon;
  }
  const arr = values as unknown[];
  const nullCheck = (i: number, v: unknown): boolean => {
    if (v === null || v === undefined) {
      if (!nullable) fail(i, `null in non-nullable column`);
      return true;
    }
    return false;
  };
  switch (spec.type) {
    case 'utf8': {
      for (let i = 0; i < n; i++) {
        const v = arr[i];
        if (nullCheck(i, v)) continue;
        if (typeof v !== 'string') fail(i, `wrong type, expected string, got ${describe(v)}`);
        if (!isWellFormed(v as string)) fail(i, `string is not well-formed UTF-16 (lone surrogate)`);
      }
      return arr.map((v) => (v === undefined ? null : v));
    }
    case 'bool': {
      for (let i = 0; i < n; i++) {
        const v = arr[i];
        if (nullCheck(i, v)) continue;
        if (typeof v !== 'boolean') fail(i, `wrong type, expected boolean, got ${describe(v)}`);
      }
      return arr.map((v) => (v === undefined ? null : v));
    }
    case 'int32':
    case 'float32':
    case 'float64': {
      let nulls = 0;
      for (let i = 0; i < n; i++) {
        const v = arr[i];
        if (nullCheck(i, v)) {
          nulls++;
          continue;
        }
        if (typeof v !== 'number') fail(i, `wrong type, expected number, got ${describe(v)}`);
        if (spec.type === 'int32' && (!Number.isInteger(v) || (v as number) < INT32_MIN || (v as number) > INT32_MAX)) {
          fail(i, `not a 32-bit integer: ${describe(v)}`);
        }
      }
      if (nulls > 0) return arr.map((v) => (v === undefined ? null : v));
      const Ctor = spec.type === 'int32' ? Int32Array : spec.type === 'float32' ? Float32Array : Float64Array;
      return Ctor.from(arr as number[]);
    }
    case 'int64': {
      let nulls = 0;
      for (let i = 0; i < n; i++) {
        const v = arr[i];
        if (nullCheck(i, v)) {
          nulls++;
          continue;
        }
        if (typeof v !== 'bigint') fail(i, `wrong type, expected bigint, got ${describe(v)}`);
        if ((v as bigint) < INT64_MIN || (v as bigint) > INT64_MAX) fail(i, `not a 64-bit integer: ${describe(v)}`);
      }
      if (nulls > 0) return arr.map((v) => (v === undefined ? null : v));
      return BigInt64Array.from(arr as bigint[]);
    }
    case 'list<utf8>': {
      for (let i = 0; i < n; i++) {
        const v = arr[i];
        if (nullCheck(i, v)) continue;
        if (!Array.isArray(v)) fail(i, `wrong type, expected string[], got ${describe(v)}`);
        for (const e of v as unknown[]) {
          if (typeof e !== 'string') fail(i, `wrong element type, expected string, got ${describe(e)}`);
          if (!isWellFormed(e as string)) fail(i, `list element is not well-formed UTF-16 (lone surrogate)`);
        }
      }
      return arr.map((v) => (v === undefined || v === null ? null : (v as string[]).slice()));
    }
    case 'list<int32>':
    case 'list<float32>': {
      const Ctor = spec.type === 'list<int32>' ? Int32Array : Float32Array;
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const v = arr[i];
        if (nullCheck(i, v)) {
          out[i] = null;
          continue;
        }
        if (v instanceof Ctor) {
          out[i] = v.slice();
          continue;
        }
        if (!Array.isArray(v)) fail(i, `wrong type, expected ${Ctor.name} or number[], got ${describe(v)}`);
        for (const e of v as unknown[]) {
          if (typeof e !== 'number') fail(i, `wrong element type, expected number, got ${describe(e)}`);
          if (Ctor === Int32Array && (!Number.isInteger(e) || (e as number) < INT32_MIN || (e as number) > INT32_MAX)) {
            fail(i, `list element is not a 32-bit integer: ${describe(e)}`);
          }
        }
        out[i] = Ctor.from(v as number[]);
      }
      return out;
    }
  }
}

/** Validates `columns` against `schema` (throws TableError) and returns the row count. */
export function validateColumns(schema: TableSchema, columns: Columns): number {
  return normalizeColumns(schema, columns, 0).rows;
}

export function normalizeColumns(
  schema: TableSchema,
  columns: Columns,
  rowBase: number,
): { rows: number; canon: Canon[] } {
  const t = schema.name;
  if (columns === null || typeof columns !== 'object') {
    throw new TableError(`table "${t}": columns must be an object of arrays`, t);
  }
  const declared = new Set(schema.columns.map((c) => c.name));
  for (const name of Object.keys(columns)) {
    if (!declared.has(name)) {
      throw new TableError(`table "${t}": unexpected column "${name}" (not in the schema)`, t, name);
    }
  }
  let rows = -1;
  let first = '';
  for (const spec of schema.columns) {
    const v = columns[spec.name];
    if (v === undefined) throw new TableError(`table "${t}": missing column "${spec.name}"`, t, spec.name);
    const len = (v as ArrayLike<unknown>)?.length;
    if (typeof len !== 'number') {
      throw new TableError(`table "${t}": column "${spec.name}" is not an array (got ${describe(v)})`, t, spec.name);
    }
    if (rows < 0) {
      rows = len;
      first = spec.name;
    } else if (len !== rows) {
      throw new TableError(
        `table "${t}": column "${spec.name}" has ${len} rows but column "${first}" has ${rows}`,
        t,
        spec.name,
      );
    }
  }
  const canon = schema.columns.map((spec) => normalizeColumn(t, spec, columns[spec.name]!, rowBase));
  return { rows: Math.max(rows, 0), canon };
}

export function sliceCanon(c: Canon, start: number, end: number): Canon {
  return ArrayBuffer.isView(c) ? (c.subarray(start, end) as Canon) : c.slice(start, end);
}

export function concatCanon(parts: Canon[]): Canon {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((s, p) => s + p.length, 0);
  if (parts.every((p) => ArrayBuffer.isView(p))) {
    const Ctor = (parts[0] as Int32Array).constructor as Int32ArrayConstructor;
    const out = new Ctor(total);
    let o = 0;
    for (const p of parts) {
      out.set(p as Int32Array, o);
      o += p.length;
    }
    return out;
  }
  const out = new Array<unknown>(total);
  let o = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) out[o++] = p[i];
  return out;
}
