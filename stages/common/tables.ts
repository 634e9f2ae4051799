// Row tables on disk: the one module through which stages write and read Arrow IPC and Parquet.
//
// Other teams read our datasets with DuckDB, pandas, Spark and pyarrow, so the files must be plain,
// typed and stable: every Parquet/Arrow library lives behind this file (swapping the Parquet
// writer touches nothing else), every write is validated against a declared TableSchema,
// published atomically (tmp file + rename), and byte-for-byte reproducible so content hashes of
// cached artifacts stay stable across runs.
//
// Writers: apache-arrow for the IPC file format. Parquet: our own column-chunk encoder below (pure
// TS: PLAIN/dictionary values, RLE levels, snappy), with hyparquet-writer's Thrift code for page
// headers and the footer; it streams row groups and writes real 3-level LISTs and key-value metadata.
// See stages/common/TABLES.md for the choice, measurements and known limits.

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import {
  AsyncByteQueue,
  Bool,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Utf8,
  makeData,
  tableFromIPC,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';
import {
  parquetMetadataAsync,
  parquetRead,
  type ColumnChunk,
  type ColumnMetaData,
  type FileMetaData,
  type OffsetIndex,
  type PageHeader,
  type RowGroup,
  type Statistics,
} from 'hyparquet';
import { ByteWriter, type SchemaElement } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';

// ---------------------------------------------------------------------------------------------
// Public types (the `pairs` stage codes against these names; keep them stable).

export type ColumnType =
  | 'utf8'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'bool'
  | 'list<utf8>'
  | 'list<int32>'
  | 'list<float32>';
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  description: string;
}
export interface TableSchema {
  name: string;
  description: string;
  columns: readonly ColumnSpec[];
}
// Column values, one array per column, all of equal length:
//   utf8 → string[] (or (string|null)[] when nullable); int32 → Int32Array | number[]; int64 → BigInt64Array | bigint[];
//   float32 → Float32Array | number[]; float64 → Float64Array | number[]; bool → boolean[];
//   list<utf8> → string[][]; list<int32> → (Int32Array|number[])[]; list<float32> → (Float32Array|number[])[]
export type Columns = Record<string, ArrayLike<unknown>>;
export interface WriteResult {
  rows: number;
  bytes: number;
}
export interface ParquetOptions {
  /**
   * Default 'zstd' where this runtime has a zstd codec (node:zlib zstd, Node >= 22.15), otherwise
   * 'snappy' (see `defaultParquetCompression`). Asking for 'zstd' explicitly where it is missing
   * throws rather than silently writing something else.
   */
  compression?: 'zstd' | 'snappy' | 'uncompressed';
  /** Rows per Parquet row group and per Arrow record batch (default 100_000). */
  rowGroupSize?: number;
}
export type ParquetCompression = NonNullable<ParquetOptions['compression']>;

export const COLUMN_TYPES: readonly ColumnType[] = [
  'utf8',
  'int32',
  'int64',
  'float32',
  'float64',
  'bool',
  'list<utf8>',
  'list<int32>',
  'list<float32>',
];
export const DEFAULT_ROW_GROUP_SIZE = 100_000;
/** Parquet key-value metadata key (and Arrow schema metadata key) holding `schemaJson(schema)`. */
export const SCHEMA_METADATA_KEY = 'hybrid-xlr.schema';
// A fixed string, not a version: created_by is part of the file bytes, and bumping a dependency
// must not change the content hash of every cached table.
const CREATED_BY = 'hybrid-xlr tables';

/** Every validation failure: names the table, and the column and row where there is one. */
export class TableError extends Error {
  constructor(
    message: string,
    readonly table: string,
    readonly column?: string,
    readonly row?: number,
  ) {
    super(message);
    this.name = 'TableError';
  }
}

// ---------------------------------------------------------------------------------------------
// Codecs. Node 20 has no zstd in node:zlib; Node >= 22.15 / 23.8 does. We use it when present
// rather than pulling in a WASM codec, and say so loudly (TABLES.md) because it changes the default.

type ZstdZlib = {
  zstdCompressSync?: (b: Uint8Array, o?: object) => Buffer;
  zstdDecompressSync?: (b: Uint8Array) => Buffer;
  constants: Record<string, number>;
};
const zz = zlib as unknown as ZstdZlib;

/** Whether this runtime can write and read zstd Parquet. */
export function zstdAvailable(): boolean {
  return typeof zz.zstdCompressSync === 'function' && typeof zz.zstdDecompressSync === 'function';
}

/** The compression `writeParquet`/`writeTable` use when none is given. */
export function defaultParquetCompression(): ParquetCompression {
  return zstdAvailable() ? 'zstd' : 'snappy';
}

/**
 * The environment values that decide the bytes of the tables a stage writes with default options. Stages return
 * it from `env()`, so an artifact written as snappy on Node 20 is never served to a run that would write zstd.
 */
export function tablesEnv(): Record<string, string> {
  return { parquetCompression: defaultParquetCompression() };
}

function zstdCompress(input: Uint8Array): Uint8Array {
  const level = zz.constants.ZSTD_c_compressionLevel;
  return zz.zstdCompressSync!(input, level === undefined ? {} : { params: { [level]: 3 } });
}

function parquetCodec(compression: ParquetCompression): 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED' {
  if (compression === 'zstd') {
    if (!zstdAvailable()) {
      throw new Error(
        `zstd Parquet compression needs node:zlib zstd (Node >= 22.15); this is Node ${process.versions.node}. ` +
          `Use compression 'snappy' or leave it unset for the runtime default.`,
      );
    }
    return 'ZSTD';
  }
  if (compression === 'snappy') return 'SNAPPY';
  if (compression === 'uncompressed') return 'UNCOMPRESSED';
  throw new Error(`unknown Parquet compression ${JSON.stringify(compression)}`);
}

// ---------------------------------------------------------------------------------------------
// Schema helpers

export function schemaJson(schema: TableSchema): object {
  return {
    name: schema.name,
    description: schema.description,
    columns: schema.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.nullable === true,
      description: c.description,
    })),
  };
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function schemaMarkdown(schema: TableSchema): string {
  const lines = [
    `**${mdCell(schema.name)}**: ${mdCell(schema.description)}`,
    '',
    '| column | type | nullable | description |',
    '| --- | --- | --- | --- |',
  ];
  for (const c of schema.columns) {
    lines.push(
      `| \`${mdCell(c.name)}\` | \`${c.type}\` | ${c.nullable ? 'yes' : 'no'} | ${mdCell(c.description)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

function checkSchema(schema: TableSchema): void {
  const seen = new Set<string>();
  if (!schema.name) throw new TableError('table schema has an empty name', '');
  for (const c of schema.columns) {
    if (!c.name) throw new TableError(`table "${schema.name}": a column has an empty name`, schema.name);
    if (seen.has(c.name)) {
      throw new TableError(`table "${schema.name}": column "${c.name}" is declared twice`, schema.name, c.name);
    }
    seen.add(c.name);
    if (!COLUMN_TYPES.includes(c.type)) {
      throw new TableError(
        `table "${schema.name}": column "${c.name}" has unknown type ${JSON.stringify(c.type)}`,
        schema.name,
        c.name,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Validation and normalisation. Every append is brought to one canonical in-memory form so that
// the same rows give the same bytes however they were chunked or typed by the caller:
//   numeric without nulls → typed array; numeric with nulls → (number|bigint|null)[];
//   utf8/bool → plain arrays; list<int32|float32> → typed array per row.

type Canon = unknown[] | Int32Array | BigInt64Array | Float32Array | Float64Array;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
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

function normalizeColumn(
  table: string,
  spec: ColumnSpec,
  values: ArrayLike<unknown>,
  rowBase: number,
): Canon {
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
      spec.type === 'int32' ? Int32Array
      : spec.type === 'int64' ? BigInt64Array
      : spec.type === 'float32' ? Float32Array
      : spec.type === 'float64' ? Float64Array
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

function normalizeColumns(
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

function sliceCanon(c: Canon, start: number, end: number): Canon {
  return ArrayBuffer.isView(c) ? (c.subarray(start, end) as Canon) : c.slice(start, end);
}

function concatCanon(parts: Canon[]): Canon {
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

// ---------------------------------------------------------------------------------------------
// Byte buffers. Writers keep their buffers from one row group to the next: on the 2-core VM the
// benchmarks ran on, the first write to freshly allocated memory costs ~3.5 ms per MiB (page faults),
// against ~0.05 ms per MiB once touched, so allocating a new buffer per row group was a large part of
// the write time.

/** A growable byte buffer. Every byte exposed by `bytes()` has been written explicitly. */
class Sink {
  buf: Buffer;
  pos = 0;
  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }
  /**
   * Makes room for `n` more bytes. Callers reserve the worst case up front (3 bytes per UTF-16 unit):
   * pages that are never written cost no memory, while growing later would copy and touch more.
   */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  reset(): void {
    this.pos = 0;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
  append(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 255;
    b[p + 1] = (v >>> 8) & 255;
    b[p + 2] = (v >>> 16) & 255;
    b[p + 3] = (v >>> 24) & 255;
    this.pos = p + 4;
  }
  varint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }
  /**
   * Writes `s` as UTF-8 at `p` (room for 3 bytes per UTF-16 unit must be ensured) and returns the byte
   * count. Lone surrogates never get here: validation rejects them.
   */
  private utf8At(s: string, p: number): number {
    if (s.length >= 24) return this.buf.write(s, p, 'utf8');
    // Short strings: a JS loop beats the call into C++.
    const b = this.buf;
    let o = p;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) b[o++] = c;
      else if (c < 0x800) {
        b[o++] = 0xc0 | (c >> 6);
        b[o++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c < 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        b[o++] = 0xf0 | (c >> 18);
        b[o++] = 0x80 | ((c >> 12) & 63);
        b[o++] = 0x80 | ((c >> 6) & 63);
        b[o++] = 0x80 | (c & 63);
      } else {
        b[o++] = 0xe0 | (c >> 12);
        b[o++] = 0x80 | ((c >> 6) & 63);
        b[o++] = 0x80 | (c & 63);
      }
    }
    return o - p;
  }
  /** A string as UTF-8. */
  utf8(s: string): void {
    this.ensure(3 * s.length);
    this.pos += this.utf8At(s, this.pos);
  }
  /** A string as a Parquet PLAIN BYTE_ARRAY: 4-byte little-endian length, then UTF-8. */
  utf8Plain(s: string): void {
    this.ensure(4 + 3 * s.length);
    const p = this.pos;
    const n = this.utf8At(s, p + 4);
    const b = this.buf;
    b[p] = n & 255;
    b[p + 1] = (n >>> 8) & 255;
    b[p + 2] = (n >>> 16) & 255;
    b[p + 3] = (n >>> 24) & 255;
    this.pos = p + 4 + n;
  }
}

// ---------------------------------------------------------------------------------------------
// Arrow encoding. Built straight from typed buffers with makeData: the generic builders are
// several times slower on 1M-row text columns.

function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'utf8':
      return new Utf8();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'list<utf8>':
      return new List(new Field('item', new Utf8(), false));
    case 'list<int32>':
      return new List(new Field('item', new Int32(), false));
    case 'list<float32>':
      return new List(new Field('item', new Float32(), false));
  }
}

function arrowSchemaOf(schema: TableSchema): Schema {
  const fields = schema.columns.map(
    (c) => new Field(c.name, arrowType(c.type), c.nullable === true, new Map([['description', c.description]])),
  );
  return new Schema(
    fields,
    new Map([
      ['hybrid-xlr.table', schema.name],
      ['hybrid-xlr.description', schema.description],
      [SCHEMA_METADATA_KEY, JSON.stringify(schemaJson(schema))],
    ]),
  );
}

function validity(values: ArrayLike<unknown>): { bitmap?: Uint8Array; nulls: number } {
  let nulls = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === null) nulls++;
  if (nulls === 0) return { nulls };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nulls };
}

/** UTF-16 code units in `values` (nulls count 0). */
function charCount(values: ArrayLike<unknown>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s !== null) n += (s as string).length;
  }
  return n;
}

/** UTF-8 bytes and offsets; the bytes are a view into `sink`, valid until the sink is reused. */
function utf8Buffers(values: ArrayLike<unknown>, sink: Sink): { offsets: Int32Array; data: Uint8Array } {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  sink.reset();
  sink.ensure(3 * charCount(values));
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s !== null) {
      sink.utf8(s as string);
      if (sink.pos > INT32_MAX) throw new Error('Arrow utf8 batch over 2 GiB; lower rowGroupSize');
    }
    offsets[i + 1] = sink.pos;
  }
  return { offsets, data: sink.bytes() };
}

function arrowData(type: ColumnType, dtype: DataType, c: Canon, sink: () => Sink): Data {
  const length = c.length;
  if (ArrayBuffer.isView(c)) {
    return makeData({ type: dtype as Int32, length, nullCount: 0, data: c as Int32Array });
  }
  const { bitmap, nulls } = validity(c);
  switch (type) {
    case 'utf8': {
      const { offsets, data } = utf8Buffers(c, sink());
      return makeData({ type: dtype as Utf8, length, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data });
    }
    case 'bool': {
      const bits = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (c[i] === true) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: dtype as Bool, length, nullCount: nulls, nullBitmap: bitmap, data: bits });
    }
    case 'int32':
    case 'float32':
    case 'float64':
    case 'int64': {
      const Ctor =
        type === 'int32' ? Int32Array : type === 'float32' ? Float32Array : type === 'float64' ? Float64Array : BigInt64Array;
      const data = new Ctor(length);
      for (let i = 0; i < length; i++) if (c[i] !== null) (data as Int32Array)[i] = c[i] as number;
      return makeData({ type: dtype as Int32, length, nullCount: nulls, nullBitmap: bitmap, data: data as Int32Array });
    }
    case 'list<utf8>':
    case 'list<int32>':
    case 'list<float32>': {
      const offsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) {
        const row = c[i] as ArrayLike<unknown> | null;
        if (row !== null) total += row.length;
        offsets[i + 1] = total;
      }
      const childType = (dtype as List).children[0]!.type;
      let child: Data;
      if (type === 'list<utf8>') {
        const flat = new Array<unknown>(total);
        let o = 0;
        for (let i = 0; i < length; i++) {
          const row = c[i] as string[] | null;
          if (row !== null) for (const s of row) flat[o++] = s;
        }
        const { offsets: co, data } = utf8Buffers(flat, sink());
        child = makeData({ type: childType as Utf8, length: total, nullCount: 0, valueOffsets: co, data });
      } else {
        const flat = type === 'list<int32>' ? new Int32Array(total) : new Float32Array(total);
        for (let i = 0; i < length; i++) {
          const row = c[i] as Int32Array | null;
          if (row !== null) flat.set(row, offsets[i]!);
        }
        child = makeData({ type: childType as Int32, length: total, nullCount: 0, data: flat as Int32Array });
      }
      return makeData({ type: dtype as List, length, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, child });
    }
  }
}

/**
 * One record batch. Text bytes go into `scratch[column]`, reused for every other batch: a batch's
 * buffers are referenced until its write completes, which is before the batch after next is built.
 */
function arrowBatch(schema: TableSchema, arrowSchema: Schema, canon: Canon[], rows: number, scratch: Sink[]): RecordBatch {
  const children = schema.columns.map((spec, i) =>
    arrowData(spec.type, arrowSchema.fields[i]!.type, canon[i]!, () => (scratch[i] ??= new Sink())),
  );
  const struct = makeData({ type: new Struct(arrowSchema.fields), length: rows, nullCount: 0, children });
  return new RecordBatch(arrowSchema, struct);
}

// The Arrow writer normally queues bytes for an async reader; collecting them synchronously lets
// us write each record batch to disk before building the next, which bounds memory.
class CollectingSink extends AsyncByteQueue<Uint8Array> {
  chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }
  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Parquet encoding

function parquetSchemaOf(schema: TableSchema): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: schema.columns.length }];
  const leaf = (t: string): Partial<SchemaElement> => {
    switch (t) {
      case 'utf8':
        return { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
      case 'int32':
        return { type: 'INT32' };
      case 'int64':
        return { type: 'INT64' };
      case 'float32':
        return { type: 'FLOAT' };
      case 'float64':
        return { type: 'DOUBLE' };
      case 'bool':
        return { type: 'BOOLEAN' };
    }
    throw new Error(`no Parquet leaf for ${t}`);
  };
  for (const c of schema.columns) {
    const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
    const m = /^list<(.+)>$/.exec(c.type);
    if (m) {
      // The standard 3-level LIST layout (group LIST / repeated group list / element), which
      // DuckDB, Spark and pyarrow all map to a native list type.
      out.push({ name: c.name, repetition_type, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      out.push({ name: 'element', repetition_type: 'REQUIRED', ...leaf(m[1]!) } as SchemaElement);
    } else {
      out.push({ name: c.name, repetition_type, ...leaf(c.type) } as SchemaElement);
    }
  }
  return out;
}

// Our own column-chunk encoder. hyparquet-writer's ParquetWriter spent most of its time in per-value
// work: a TextEncoder and a Uint8Array per string, a DataView call and a capacity check per output byte
// (bit-packing, snappy), copies of every page's values and levels, and a fresh buffer per page. The
// encoder below keeps hyparquet-writer's Thrift code (page headers, footer, offset indexes) and does
// the per-value work on typed arrays and reused buffers. TABLES.md has the measurements.
//
// Layout, per column chunk (as hyparquet-writer wrote it): an optional PLAIN dictionary page, then
// DATA_PAGE_V2 pages of about PAGE_SIZE value bytes, each starting on a row. utf8 and int32 values
// (list elements too) are RLE_DICTIONARY-encoded when the dictionary page plus the bit-packed indexes
// are at most half the PLAIN bytes (hyparquet-writer's rule); a sample or more distinct values than
// half the rows skips the attempt. Everything else is PLAIN (booleans bit-packed). Levels use the
// RLE/bit-packed hybrid. Every decision depends only on the row group's values, so the same rows
// give the same bytes. Statistics (min/max, null and NaN counts) are written for every column chunk.

const PAGE_SIZE = 1 << 20;
/** Dictionaries above this many entries are not tried: their indexes would need > 20 bits. */
const MAX_DICTIONARY = 1 << 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---- Snappy ----
// The raw Snappy format, compressed as hyparquet-writer's snappyjs port does (one 16K-entry hash table
// over the whole page, matches up to 64 KiB back, hash lookups spaced out after 32 misses), so files
// are as small as before; but written straight into a preallocated buffer instead of a DataView call
// and a capacity check per output byte: 1.6-1.7x faster on the bench's text.

const snappyTable = new Int32Array(1 << 14);

function load32(s: Uint8Array, i: number): number {
  return s[i] | (s[i + 1] << 8) | (s[i + 2] << 16) | (s[i + 3] << 24);
}

function snappyLiteral(dst: Uint8Array, d: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start - 1;
  if (n < 60) dst[d++] = n << 2;
  else if (n < 0x100) {
    dst[d++] = 60 << 2;
    dst[d++] = n;
  } else if (n < 0x10000) {
    dst[d++] = 61 << 2;
    dst[d++] = n & 255;
    dst[d++] = n >>> 8;
  } else if (n < 0x1000000) {
    dst[d++] = 62 << 2;
    dst[d++] = n & 255;
    dst[d++] = (n >>> 8) & 255;
    dst[d++] = n >>> 16;
  } else {
    dst[d++] = 63 << 2;
    dst[d++] = n & 255;
    dst[d++] = (n >>> 8) & 255;
    dst[d++] = (n >>> 16) & 255;
    dst[d++] = n >>> 24;
  }
  if (end - start < 32) {
    for (let i = start; i < end; i++) dst[d++] = src[i];
    return d;
  }
  dst.set(src.subarray(start, end), d);
  return d + (end - start);
}

function snappyCopy(dst: Uint8Array, d: number, offset: number, length: number): number {
  while (length >= 68) {
    dst[d++] = (63 << 2) | 2;
    dst[d++] = offset & 255;
    dst[d++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    dst[d++] = (59 << 2) | 2;
    dst[d++] = offset & 255;
    dst[d++] = offset >>> 8;
    length -= 60;
  }
  if (length >= 12 || offset >= 2048) {
    dst[d++] = ((length - 1) << 2) | 2;
    dst[d++] = offset & 255;
    dst[d++] = offset >>> 8;
    return d;
  }
  dst[d++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
  dst[d++] = offset & 255;
  return d;
}

/** Snappy-compresses `src`, appending to `out`. Deterministic; any Snappy decoder reads it. */
function snappyCompressTo(out: Sink, src: Uint8Array): void {
  const n = src.length;
  out.ensure(32 + n + Math.ceil(n / 6)); // Snappy's worst case
  out.varint(n);
  const dst = out.buf;
  let d = out.pos;
  let nextEmit = 0;
  if (n >= 16) {
    let bits = 8;
    while (bits < 14 && 1 << bits < n) bits++;
    const shift = 32 - bits;
    const table = snappyTable;
    table.fill(-1, 0, 1 << bits);
    const limit = n - 15; // load32 at any position <= limit stays inside src
    let s = 1;
    let nextHash = Math.imul(load32(src, s), 0x1e35a7bd) >>> shift;
    let candidate = 0;
    search: for (;;) {
      // Look for a 4-byte match, probing less often the longer none is found.
      let skip = 32;
      let nextS = s;
      for (;;) {
        s = nextS;
        const h = nextHash;
        nextS = s + (skip++ >> 5);
        if (nextS > limit) break search;
        nextHash = Math.imul(load32(src, nextS), 0x1e35a7bd) >>> shift;
        candidate = table[h];
        table[h] = s;
        if (candidate >= 0 && s - candidate <= 0xffff && load32(src, s) === load32(src, candidate)) break;
      }
      d = snappyLiteral(dst, d, src, nextEmit, s);
      // Emit copies while the next position matches too.
      for (;;) {
        const start = s;
        s += 4;
        for (let i = candidate + 4; s < n && src[i] === src[s]; i++) s++;
        d = snappyCopy(dst, d, start - candidate, s - start);
        nextEmit = s;
        if (s >= limit) break search;
        table[Math.imul(load32(src, s - 1), 0x1e35a7bd) >>> shift] = s - 1;
        const x = load32(src, s);
        const h = Math.imul(x, 0x1e35a7bd) >>> shift;
        candidate = table[h];
        table[h] = s;
        if (candidate < 0 || s - candidate > 0xffff || x !== load32(src, candidate)) break;
      }
      s++;
      nextHash = Math.imul(load32(src, s), 0x1e35a7bd) >>> shift;
    }
  }
  if (nextEmit < n) d = snappyLiteral(dst, d, src, nextEmit, n);
  out.pos = d;
}

// ---- RLE / bit-packed hybrid (levels and dictionary indexes) ----

/** Appends values[start, end) in the RLE/bit-packed hybrid encoding (no length prefix); returns the byte count. */
function rleHybrid(out: Sink, values: Uint8Array | Int32Array, start: number, end: number, bitWidth: number): number {
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

function bitWidthOf(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

// ---- Columns → leaf values and levels ----

type Physical = 'BYTE_ARRAY' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'BOOLEAN';
type LeafValues = string[] | Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array;

interface Leaf {
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

function leafOf(spec: ColumnSpec, c: Canon): Leaf {
  const physical = physicalOf(spec.type);
  const nullable = spec.nullable === true;
  const rows = c.length;
  if (!spec.type.startsWith('list<')) {
    if (ArrayBuffer.isView(c)) {
      return { physical, entries: rows, values: c as LeafValues, maxDef: nullable ? 1 : 0, maxRep: 0, def: nullable ? new Uint8Array(rows).fill(1) : undefined };
    }
    const arr = c as unknown[];
    // Validation guarantees no nulls here: the canonical array is the leaf.
    if (!nullable && physical === 'BYTE_ARRAY') return { physical, entries: rows, values: arr as string[], maxDef: 0, maxRep: 0 };
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
function dictionaryOf(leaf: Leaf): { dict: (string | number)[]; indexes: Int32Array; bitWidth: number } | undefined {
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

// ---- PLAIN values and statistics ----

/** PLAIN-encodes values into `out`; for BYTE_ARRAY, returns where each value starts (n + 1 offsets). */
function plainEncode(out: Sink, physical: Physical, values: LeafValues): Int32Array | undefined {
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
interface ChunkStatistics {
  min_value?: MinMax;
  max_value?: MinMax;
  null_count: bigint;
  nan_count?: bigint;
}

/**
 * min/max of a PLAIN byte-array run: `starts` index length prefixes in `b`. Values compare as
 * unsigned bytes (UTF-8 byte order = code point order), as Parquet requires. Returns copies.
 */
function byteArrayMinMax(b: Uint8Array, starts: Int32Array, n: number): { min?: Uint8Array; max?: Uint8Array } {
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

function numericStatistics(physical: Physical, values: LeafValues, nulls: number): ChunkStatistics {
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

// ---- Column chunks and the file ----

type Codec = 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED';
type PageEncodingStats = NonNullable<ColumnMetaData['encoding_stats']>[number];
type PageLocation = OffsetIndex['page_locations'][number];

interface EncodedChunk {
  chunk: ColumnChunk;
  offsetIndex?: OffsetIndex;
}

/**
 * Writes Parquet files row group by row group. The caller writes `take()`'s bytes to the file in
 * order; offsets in the footer count from the first byte of `start()`.
 */
class ParquetEncoder {
  private out = new Sink(1 << 16);
  private spare = new Sink(1 << 16);
  private readonly plain = new Sink(1 << 20);
  private readonly page = new Sink(1 << 16);
  private readonly levels = new Sink(1 << 12);
  private readonly packed = new Sink(1 << 16);
  private readonly header = new ByteWriter(256);
  private offset = 0;
  private rows = 0n;
  private readonly rowGroups: RowGroup[] = [];
  private readonly indexes: EncodedChunk[] = [];
  private readonly elements: SchemaElement[];
  /** path_in_schema of each column's leaf. */
  private readonly paths: string[][];

  constructor(
    private readonly schema: TableSchema,
    private readonly codec: Codec,
  ) {
    this.elements = parquetSchemaOf(schema);
    this.paths = schema.columns.map((c) => (c.type.startsWith('list<') ? [c.name, 'list', 'element'] : [c.name]));
    this.out.u32(0x31524150); // PAR1
  }

  /**
   * Bytes produced since the last call. They stay valid until the call after next: two output buffers
   * alternate, so one row group can be on its way to disk while the next is encoded.
   */
  take(): Uint8Array {
    const bytes = this.out.bytes();
    this.offset += bytes.length;
    [this.out, this.spare] = [this.spare, this.out];
    this.out.reset();
    return bytes;
  }

  writeRowGroup(canon: Canon[], rows: number): void {
    const start = this.offset + this.out.pos;
    const columns: ColumnChunk[] = [];
    let totalBytes = 0n;
    this.schema.columns.forEach((spec, i) => {
      const encoded = this.writeColumn(leafOf(spec, canon[i]!), this.paths[i]!);
      columns.push(encoded.chunk);
      this.indexes.push(encoded);
      totalBytes += encoded.chunk.meta_data!.total_uncompressed_size;
    });
    this.rows += BigInt(rows);
    this.rowGroups.push({
      columns,
      total_byte_size: totalBytes,
      num_rows: BigInt(rows),
      total_compressed_size: BigInt(this.offset + this.out.pos - start),
    });
  }

  finish(kvMetadata: { key: string; value: string }[], createdBy: string): void {
    const w = new ByteWriter(1 << 16);
    w.offset = this.offset + this.out.pos;
    writeIndexes(w, this.indexes);
    writeMetadata(w, {
      version: 2,
      created_by: createdBy,
      schema: this.elements,
      num_rows: this.rows,
      row_groups: this.rowGroups,
      key_value_metadata: kvMetadata,
    } as FileMetaData);
    w.appendUint32(0x31524150); // PAR1
    this.out.append(w.getBytes());
  }

  private filePos(): number {
    return this.offset + this.out.pos;
  }

  /** Compresses `src` into `this.page` (reset first) unless the codec is UNCOMPRESSED; returns the bytes to write. */
  private compress(src: Uint8Array): Uint8Array {
    if (this.codec === 'UNCOMPRESSED') return src;
    if (this.codec === 'ZSTD') return zstdCompress(src);
    this.page.reset();
    snappyCompressTo(this.page, src);
    return this.page.bytes();
  }

  private writeHeader(h: PageHeader): number {
    const w = this.header;
    w.index = 0;
    w.offset = 0;
    writePageHeader(w, h);
    this.out.append(new Uint8Array(w.buffer, 0, w.index));
    return w.index;
  }

  private writeColumn(leaf: Leaf, path: string[]): EncodedChunk {
    const { physical, values, entries, def, rep, maxDef } = leaf;
    const chunkStart = this.filePos();
    const count = values.length;
    const nulls = entries - count;
    let uncompressed = 0;
    let dictionaryPageOffset: bigint | undefined;

    const dictionary = dictionaryOf(leaf);
    this.plain.reset();
    let starts: Int32Array | undefined;
    let statistics: ChunkStatistics;
    if (dictionary) {
      // Dictionary page: the distinct values, PLAIN. Statistics come from it: every entry occurs.
      const d = dictionary.dict;
      starts = plainEncode(this.plain, physical, physical === 'INT32' ? Int32Array.from(d as number[]) : (d as string[]));
      if (physical === 'BYTE_ARRAY') {
        const { min, max } = byteArrayMinMax(this.plain.buf, starts!, d.length);
        statistics = { null_count: BigInt(nulls), min_value: min, max_value: max };
      } else {
        statistics = numericStatistics(physical, Int32Array.from(d as number[]), nulls);
      }
      const raw = this.plain.bytes();
      const body = this.compress(raw);
      dictionaryPageOffset = BigInt(this.filePos());
      const hs = this.writeHeader({
        type: 'DICTIONARY_PAGE',
        uncompressed_page_size: raw.length,
        compressed_page_size: body.length,
        dictionary_page_header: { num_values: d.length, encoding: 'PLAIN' },
      });
      this.out.append(body);
      uncompressed += hs + raw.length;
    } else {
      starts = plainEncode(this.plain, physical, values);
      if (physical === 'BYTE_ARRAY') {
        const { min, max } = byteArrayMinMax(this.plain.buf, starts!, count);
        statistics = { null_count: BigInt(nulls), min_value: min, max_value: max };
      } else {
        statistics = numericStatistics(physical, values, nulls);
      }
    }
    const encoding = dictionary ? 'RLE_DICTIONARY' : 'PLAIN';
    const width = physical === 'INT32' || physical === 'FLOAT' ? 4 : physical === 'INT64' || physical === 'DOUBLE' ? 8 : 0;
    const valueBytes = (v0: number, v1: number): number =>
      dictionary ? ((v1 - v0) * dictionary.bitWidth) / 8
      : starts ? starts[v1] - starts[v0]
      : physical === 'BOOLEAN' ? (v1 - v0) / 8
      : (v1 - v0) * width;

    // Pages: cut at ~PAGE_SIZE value bytes, only where a row starts.
    const dataPageOffset = BigInt(this.filePos());
    const locations: PageLocation[] = [];
    const defWidth = bitWidthOf(maxDef);
    let pages = 0;
    let e0 = 0;
    let v0 = 0;
    let firstRow = 0;
    const writePage = (e1: number, v1: number): void => {
      const pageOffset = this.filePos();
      this.levels.reset();
      const repBytes = rep ? rleHybrid(this.levels, rep, e0, e1, 1) : 0;
      const defBytes = def ? rleHybrid(this.levels, def, e0, e1, defWidth) : 0;
      let raw: Uint8Array;
      if (dictionary) {
        this.packed.reset();
        this.packed.u8(dictionary.bitWidth);
        rleHybrid(this.packed, dictionary.indexes, v0, v1, dictionary.bitWidth);
        raw = this.packed.bytes();
      } else if (starts) {
        raw = this.plain.buf.subarray(starts[v0], starts[v1]);
      } else if (physical === 'BOOLEAN') {
        this.packed.reset();
        plainEncode(this.packed, physical, (values as Uint8Array).subarray(v0, v1));
        raw = this.packed.bytes();
      } else {
        raw = this.plain.buf.subarray(v0 * width, v1 * width);
      }
      let pageRows = e1 - e0;
      if (rep) {
        pageRows = 0;
        for (let e = e0; e < e1; e++) if (rep[e] === 0) pageRows++;
      }
      const body = this.compress(raw);
      const levelBytes = this.levels.pos;
      const hs = this.writeHeader({
        type: 'DATA_PAGE_V2',
        uncompressed_page_size: levelBytes + raw.length,
        compressed_page_size: levelBytes + body.length,
        data_page_header_v2: {
          num_values: e1 - e0,
          num_nulls: e1 - e0 - (v1 - v0),
          num_rows: pageRows,
          encoding,
          definition_levels_byte_length: defBytes,
          repetition_levels_byte_length: repBytes,
          is_compressed: true,
        },
      });
      this.out.append(this.levels.bytes());
      this.out.append(body);
      uncompressed += hs + levelBytes + raw.length;
      locations.push({ offset: BigInt(pageOffset), compressed_page_size: this.filePos() - pageOffset, first_row_index: BigInt(firstRow) });
      firstRow += pageRows;
      pages++;
      e0 = e1;
      v0 = v1;
    };
    if (!def && !rep) {
      // Flat required column: entries are values.
      for (let v = 0; v < count; v++) {
        if (v > v0 && valueBytes(v0, v) >= PAGE_SIZE) writePage(v, v);
      }
    } else {
      let v = 0;
      for (let e = 0; e < entries; e++) {
        if (e > e0 && (!rep || rep[e] === 0) && valueBytes(v0, v) >= PAGE_SIZE) writePage(e, v);
        if (def![e] === maxDef) v++;
      }
    }
    writePage(entries, count);

    const encodingStats: PageEncodingStats[] = [];
    if (dictionary) encodingStats.push({ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 });
    encodingStats.push({ page_type: 'DATA_PAGE_V2', encoding, count: pages });
    const chunk: ColumnChunk = {
      file_offset: BigInt(chunkStart),
      meta_data: {
        type: physical,
        encodings: dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : ['PLAIN'],
        path_in_schema: path,
        codec: this.codec,
        num_values: BigInt(entries),
        total_uncompressed_size: BigInt(uncompressed),
        total_compressed_size: BigInt(this.filePos() - chunkStart),
        data_page_offset: dataPageOffset,
        dictionary_page_offset: dictionaryPageOffset,
        statistics: statistics as Statistics,
        encoding_stats: encodingStats,
      },
    };
    return { chunk, offsetIndex: pages > 1 ? { page_locations: locations } : undefined };
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming writer

export interface TableWriterOptions extends ParquetOptions {
  /** Which files to write; default both (`${basePath}.arrow` and `${basePath}.parquet`). */
  formats?: readonly ('arrow' | 'parquet')[];
}

export interface TableWriter {
  /** Validates and buffers rows; full row groups / record batches are written as they fill. */
  append(columns: Columns): Promise<void>;
  /** Rows appended so far. */
  readonly rows: number;
  /** Writes the remaining rows and footers, then renames the files into place. */
  close(): Promise<{ arrow?: WriteResult; parquet?: WriteResult }>;
  /** Removes the temporary files; nothing appears at the final paths. */
  abort(): Promise<void>;
}

interface Target {
  final: string;
  tmp: string;
  fh: FileHandle;
  bytes: number;
  /** The write in flight, if any: at most one per file, so memory stays bounded by one row group. */
  inflight: Promise<void>;
}

function tmpPath(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

async function openTarget(final: string): Promise<Target> {
  const tmp = tmpPath(final);
  const fh = await open(tmp, 'wx');
  return { final, tmp, fh, bytes: 0, inflight: Promise.resolve() };
}

/**
 * Starts writing `bytes` once the previous write to `t` is done, without waiting for it: the copy into
 * the page cache (~0.5 GB/s here) runs on libuv's thread pool while the next row group is encoded.
 * Waits for the previous write first, so its error surfaces here and at most one is in flight.
 * `bytes` must not be modified until `t.inflight` settles.
 */
async function queueWrite(t: Target, bytes: Uint8Array | Uint8Array[]): Promise<void> {
  await t.inflight;
  t.inflight = writeAll(t, bytes);
  t.inflight.catch(() => undefined); // handled by the next queueWrite or by close()
}

// writev rather than concatenating: a record batch is tens of MB in many small buffers.
async function writeAll(t: Target, bytes: Uint8Array | Uint8Array[]): Promise<void> {
  const parts = Array.isArray(bytes) ? bytes : [bytes];
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  if (total === 0) return;
  const { bytesWritten } = await t.fh.writev(parts);
  if (bytesWritten < total) {
    const rest = Buffer.concat(parts).subarray(bytesWritten);
    let off = 0;
    while (off < rest.byteLength) off += (await t.fh.write(rest, off, rest.byteLength - off)).bytesWritten;
  }
  t.bytes += total;
}

/** Awaits every promise, then throws the first error, so nothing is left running on failure. */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

class StreamingTableWriter implements TableWriter {
  private pending: Canon[][] = [];
  private pendingRows = 0;
  private total = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'closed' | 'failed' = 'open';
  private arrowWriter?: RecordBatchFileWriter;
  private arrowSink?: CollectingSink;
  private readonly arrowSchema: Schema;
  private readonly arrowScratch: Sink[][] = [[], []];
  private batches = 0;
  private parquetEncoder?: ParquetEncoder;

  constructor(
    private readonly schema: TableSchema,
    private readonly arrow: Target | undefined,
    private readonly parquet: Target | undefined,
    private readonly rowGroupSize: number,
    codec: 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED',
  ) {
    this.arrowSchema = arrowSchemaOf(schema);
    if (arrow) {
      this.arrowSink = new CollectingSink();
      this.arrowWriter = new RecordBatchFileWriter();
      this.arrowWriter.reset(this.arrowSink, this.arrowSchema);
    }
    if (parquet) {
      this.parquetEncoder = new ParquetEncoder(schema, codec);
    }
  }

  get rows(): number {
    return this.total;
  }

  // Calls are serialised so an un-awaited append cannot interleave row groups.
  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      if (this.state !== 'open') throw new Error(`table "${this.schema.name}": writer is ${this.state}`);
      try {
        return await fn();
      } catch (err) {
        await this.discard();
        throw err;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  append(columns: Columns): Promise<void> {
    return this.run(async () => {
      const { rows, canon } = normalizeColumns(this.schema, columns, this.total);
      if (rows === 0) return;
      this.total += rows;
      let start = 0;
      while (start < rows) {
        const take = Math.min(rows - start, this.rowGroupSize - this.pendingRows);
        this.pending.push(canon.map((c) => (start === 0 && take === rows ? c : sliceCanon(c, start, start + take))));
        this.pendingRows += take;
        start += take;
        if (this.pendingRows === this.rowGroupSize) await this.flushGroup();
      }
    });
  }

  private async flushGroup(): Promise<void> {
    if (this.pendingRows === 0) return;
    const rows = this.pendingRows;
    const canon = this.schema.columns.map((_, i) => concatCanon(this.pending.map((p) => p[i]!)));
    this.pending = [];
    this.pendingRows = 0;
    if (this.arrowWriter && this.arrow) {
      this.arrowWriter.write(arrowBatch(this.schema, this.arrowSchema, canon, rows, this.arrowScratch[this.batches++ % 2]!));
      await queueWrite(this.arrow, this.arrowSink!.take());
    }
    if (this.parquetEncoder && this.parquet) {
      this.parquetEncoder.writeRowGroup(canon, rows);
      await queueWrite(this.parquet, this.parquetEncoder.take());
    }
  }

  close(): Promise<{ arrow?: WriteResult; parquet?: WriteResult }> {
    return this.run(async () => {
      await this.flushGroup();
      if (this.arrowWriter && this.arrow) {
        this.arrowWriter.close();
        await queueWrite(this.arrow, this.arrowSink!.take());
      }
      if (this.parquetEncoder && this.parquet) {
        this.parquetEncoder.finish([{ key: SCHEMA_METADATA_KEY, value: JSON.stringify(schemaJson(this.schema)) }], CREATED_BY);
        await queueWrite(this.parquet, this.parquetEncoder.take());
      }
      const targets = [this.arrow, this.parquet].filter((t): t is Target => t !== undefined);
      // Both files are flushed to disk (in parallel) before either is renamed into place.
      await settleAll(
        targets.map(async (t) => {
          await t.inflight;
          await t.fh.sync();
          await t.fh.close();
        }),
      );
      // Rename only once every file is complete, so a failure leaves none of them in place.
      for (const t of targets) await rename(t.tmp, t.final);
      this.state = 'closed';
      const result: { arrow?: WriteResult; parquet?: WriteResult } = {};
      if (this.arrow) result.arrow = { rows: this.total, bytes: this.arrow.bytes };
      if (this.parquet) result.parquet = { rows: this.total, bytes: this.parquet.bytes };
      return result;
    });
  }

  private async discard(): Promise<void> {
    this.state = 'failed';
    this.pending = [];
    for (const t of [this.arrow, this.parquet]) {
      if (!t) continue;
      await t.inflight.catch(() => undefined);
      await t.fh.close().catch(() => undefined);
      await unlink(t.tmp).catch(() => undefined);
    }
  }

  abort(): Promise<void> {
    const done = this.chain.then(async () => {
      if (this.state === 'open') await this.discard();
    });
    this.chain = done.catch(() => undefined);
    return done;
  }
}

function resolveOptions(schema: TableSchema, options: ParquetOptions | undefined) {
  checkSchema(schema);
  const rowGroupSize = options?.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new TableError(`table "${schema.name}": rowGroupSize must be a positive integer, got ${rowGroupSize}`, schema.name);
  }
  const codec = parquetCodec(options?.compression ?? defaultParquetCompression());
  return { rowGroupSize, codec };
}

async function openWriter(
  paths: { arrow?: string; parquet?: string },
  schema: TableSchema,
  options: ParquetOptions | undefined,
): Promise<StreamingTableWriter> {
  const { rowGroupSize, codec } = resolveOptions(schema, options);
  const arrow = paths.arrow === undefined ? undefined : await openTarget(paths.arrow);
  let parquet: Target | undefined;
  try {
    parquet = paths.parquet === undefined ? undefined : await openTarget(paths.parquet);
  } catch (err) {
    if (arrow) {
      await arrow.fh.close().catch(() => undefined);
      await unlink(arrow.tmp).catch(() => undefined);
    }
    throw err;
  }
  return new StreamingTableWriter(schema, arrow, parquet, rowGroupSize, codec);
}

/**
 * Opens a writer for `${basePath}.arrow` and `${basePath}.parquet` that takes rows in chunks.
 * Memory is bounded by one row group: rows are buffered until `rowGroupSize` of them are
 * pending, then written as one Arrow record batch and one Parquet row group. Row-group
 * boundaries depend only on the row count, so the files are byte-identical to `writeTable`'s.
 */
export async function openTableWriter(
  basePath: string,
  schema: TableSchema,
  options?: TableWriterOptions,
): Promise<TableWriter> {
  const formats = options?.formats ?? ['arrow', 'parquet'];
  return openWriter(
    {
      arrow: formats.includes('arrow') ? `${basePath}.arrow` : undefined,
      parquet: formats.includes('parquet') ? `${basePath}.parquet` : undefined,
    },
    schema,
    options,
  );
}

async function writeOnce(
  paths: { arrow?: string; parquet?: string },
  schema: TableSchema,
  columns: Columns,
  options: ParquetOptions | undefined,
): Promise<{ arrow?: WriteResult; parquet?: WriteResult }> {
  resolveOptions(schema, options);
  // Validate before creating any file, so a bad table leaves no trace on disk.
  normalizeColumns(schema, columns, 0);
  const w = await openWriter(paths, schema, options);
  try {
    await w.append(columns);
    return await w.close();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

export async function writeArrow(path: string, schema: TableSchema, columns: Columns): Promise<WriteResult> {
  return (await writeOnce({ arrow: path }, schema, columns, undefined)).arrow!;
}

export async function writeParquet(
  path: string,
  schema: TableSchema,
  columns: Columns,
  options?: ParquetOptions,
): Promise<WriteResult> {
  return (await writeOnce({ parquet: path }, schema, columns, options)).parquet!;
}

/** Writes `${basePath}.arrow` and `${basePath}.parquet` (default zstd). */
export async function writeTable(
  basePath: string,
  schema: TableSchema,
  columns: Columns,
  options?: ParquetOptions,
): Promise<{ arrow: WriteResult; parquet: WriteResult }> {
  const r = await writeOnce({ arrow: `${basePath}.arrow`, parquet: `${basePath}.parquet` }, schema, columns, options);
  return { arrow: r.arrow!, parquet: r.parquet! };
}

// ---------------------------------------------------------------------------------------------
// Reading. Meant for tests, checks and modest tables: both readers load the whole file.

function arrowTypeName(type: ColumnType): string {
  return String(arrowType(type));
}

function canonFromValues(type: ColumnType, values: unknown[]): Canon {
  const hasNull = values.some((v) => v === null || v === undefined);
  const clean = hasNull ? values.map((v) => (v === undefined ? null : v)) : values;
  switch (type) {
    case 'int32':
      return hasNull ? clean : Int32Array.from(values as number[]);
    case 'float32':
      return hasNull ? clean : Float32Array.from(values as number[]);
    case 'float64':
      return hasNull ? clean : Float64Array.from(values as number[]);
    case 'int64':
      return hasNull ? clean : BigInt64Array.from(values as bigint[]);
    case 'list<int32>':
      return clean.map((r) => (r === null ? null : Int32Array.from(r as ArrayLike<number>)));
    case 'list<float32>':
      return clean.map((r) => (r === null ? null : Float32Array.from(r as ArrayLike<number>)));
    case 'list<utf8>':
      return clean.map((r) => (r === null ? null : Array.from(r as ArrayLike<string>)));
    default:
      return clean;
  }
}

function checkNulls(schema: TableSchema, spec: ColumnSpec, c: Canon, path: string): void {
  if (spec.nullable || ArrayBuffer.isView(c)) return;
  for (let i = 0; i < c.length; i++) {
    if (c[i] === null) {
      throw new TableError(
        `table "${schema.name}": ${path}: column "${spec.name}" row ${i}: null in non-nullable column`,
        schema.name,
        spec.name,
        i,
      );
    }
  }
}

function checkColumnNames(schema: TableSchema, names: string[], path: string): void {
  const want = schema.columns.map((c) => c.name);
  if (names.length !== want.length || names.some((n, i) => n !== want[i])) {
    throw new TableError(
      `table "${schema.name}": ${path} has columns [${names.join(', ')}], schema expects [${want.join(', ')}]`,
      schema.name,
    );
  }
}

/**
 * UTF-8 decoding that keeps every code point: the default TextDecoder, which apache-arrow and hyparquet use, drops
 * a leading U+FEFF from each value, and the shipped XQuAD-R text holds some.
 */
const TEXT = new TextDecoder('utf-8', { ignoreBOM: true });

/** A utf8 vector's values, decoded from its buffers (a sliced child's offsets are sliced with it, its bytes not). */
function utf8Values(vec: Vector): (string | null)[] {
  const out: (string | null)[] = [];
  for (const data of vec.data) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    for (let i = 0; i < data.length; i++) out.push(data.getValid(i) ? TEXT.decode(bytes.subarray(offsets[i], offsets[i + 1])) : null);
  }
  return out;
}

/** Reads an Arrow IPC file back into plain columns (utf8 → string[], int32 → Int32Array, float32 → Float32Array, lists → arrays, ...), validated against the schema when given. */
export async function readArrow(path: string, schema?: TableSchema): Promise<{ rows: number; columns: Columns }> {
  const table = tableFromIPC(await readFile(path));
  const names = table.schema.fields.map((f) => f.name);
  if (schema) checkColumnNames(schema, names, path);
  const columns: Columns = {};
  table.schema.fields.forEach((field, i) => {
    const vec = table.getChildAt(i)! as Vector;
    const spec = schema?.columns[i] ?? inferSpec(field.name, field.type, field.nullable);
    if (schema && String(field.type) !== arrowTypeName(spec.type)) {
      throw new TableError(
        `table "${schema.name}": ${path}: column "${spec.name}" is ${String(field.type)}, schema expects ${spec.type}`,
        schema.name,
        spec.name,
      );
    }
    let c: Canon;
    if (vec.nullCount === 0 && ['int32', 'int64', 'float32', 'float64'].includes(spec.type)) {
      c = vec.toArray() as Canon;
    } else if (spec.type === 'utf8') {
      c = canonFromValues(spec.type, utf8Values(vec));
    } else if (spec.type.startsWith('list<')) {
      const out = new Array<unknown>(vec.length);
      for (let r = 0; r < vec.length; r++) {
        const row = vec.get(r) as Vector | null;
        out[r] = row === null ? null : spec.type === 'list<utf8>' ? utf8Values(row) : row.toArray();
      }
      c = canonFromValues(spec.type, out);
    } else {
      c = canonFromValues(spec.type, Array.from(vec as Iterable<unknown>));
    }
    if (schema) checkNulls(schema, spec, c, path);
    columns[field.name] = c;
  });
  return { rows: table.numRows, columns };
}

function inferSpec(name: string, type: DataType | string, nullable: boolean): ColumnSpec {
  const s = String(type);
  const map: Record<string, ColumnType> = {};
  for (const t of COLUMN_TYPES) map[arrowTypeName(t)] = t;
  const found = map[s];
  if (!found) throw new Error(`column "${name}" has type ${s}, which tables.ts does not read`);
  return { name, type: found, nullable, description: '' };
}

function parquetColumnType(meta: FileMetaData, name: string): ColumnType | undefined {
  const els = meta.schema;
  const i = els.findIndex((e, k) => k > 0 && e.name === name);
  const e = els[i];
  if (!e) return undefined;
  const leafType = (x: (typeof els)[number]): string | undefined => {
    switch (x.type) {
      case 'BYTE_ARRAY':
        return x.converted_type === 'UTF8' || x.logical_type?.type === 'STRING' ? 'utf8' : undefined;
      case 'INT32':
        return x.converted_type ? undefined : 'int32';
      case 'INT64':
        return x.converted_type ? undefined : 'int64';
      case 'FLOAT':
        return 'float32';
      case 'DOUBLE':
        return 'float64';
      case 'BOOLEAN':
        return 'bool';
    }
    return undefined;
  };
  if (e.converted_type === 'LIST' || e.logical_type?.type === 'LIST') {
    const leaf = els[i + 2];
    const t = leaf && leafType(leaf);
    return t && t !== 'int64' && t !== 'float64' && t !== 'bool' ? (`list<${t}>` as ColumnType) : undefined;
  }
  return leafType(e) as ColumnType | undefined;
}

export async function readParquet(path: string, schema?: TableSchema): Promise<{ rows: number; columns: Columns }> {
  const buf = await readFile(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const metadata = await parquetMetadataAsync(file);
  const top: string[] = [];
  {
    // Top-level names: walk num_children from the root.
    const els = metadata.schema;
    let k = 1;
    const skip = (): void => {
      const n = els[k]!.num_children ?? 0;
      k++;
      for (let j = 0; j < n; j++) skip();
    };
    while (k < els.length) {
      top.push(els[k]!.name);
      skip();
    }
  }
  if (schema) checkColumnNames(schema, top, path);
  const specs = top.map((name, i) => {
    const t = parquetColumnType(metadata, name);
    if (schema) {
      const spec = schema.columns[i]!;
      if (t !== spec.type) {
        throw new TableError(
          `table "${schema.name}": ${path}: column "${name}" is ${t ?? 'an unsupported Parquet type'}, schema expects ${spec.type}`,
          schema.name,
          name,
        );
      }
      return spec;
    }
    if (!t) throw new Error(`${path}: column "${name}" has a Parquet type tables.ts does not read`);
    return { name, type: t, nullable: true, description: '' } satisfies ColumnSpec;
  });
  const rows = Number(metadata.num_rows);
  const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  const compressors = zstdAvailable()
    ? { ZSTD: (input: Uint8Array) => new Uint8Array(zz.zstdDecompressSync!(input)) }
    : undefined;
  await parquetRead({
    file,
    metadata,
    compressors,
    // hyparquet's default string parser would drop a leading U+FEFF.
    parsers: { stringFromBytes: (bytes: Uint8Array | undefined) => bytes && TEXT.decode(bytes) },
    onChunk: ({ columnName, columnData, rowStart }) => {
      let list = chunks.get(columnName);
      if (!list) chunks.set(columnName, (list = []));
      list.push({ rowStart, data: columnData as ArrayLike<unknown> });
    },
  }).catch((err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    if (/ZSTD/i.test(msg) && !zstdAvailable()) {
      throw new Error(`${path}: zstd Parquet needs node:zlib zstd (Node >= 22.15) to read: ${msg}`);
    }
    throw err;
  });
  const columns: Columns = {};
  for (const spec of specs) {
    const parts = (chunks.get(spec.name) ?? []).sort((a, b) => a.rowStart - b.rowStart);
    const values = new Array<unknown>(rows);
    let o = 0;
    for (const p of parts) for (let i = 0; i < p.data.length; i++) values[o++] = p.data[i];
    values.length = o;
    if (o !== rows) throw new Error(`${path}: column "${spec.name}" decoded ${o} rows, footer says ${rows}`);
    const c = canonFromValues(spec.type, values);
    if (schema) checkNulls(schema, spec, c, path);
    columns[spec.name] = c;
  }
  return { rows, columns };
}
