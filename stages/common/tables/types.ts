// Row tables: the public types and constants every stage codes against (ColumnType, TableSchema,
// Columns, TableError, ...). Keep these names stable: stages import them through the facade
// `stages/common/tables.ts`.

export type ColumnType =
  'utf8' | 'int32' | 'int64' | 'float32' | 'float64' | 'bool' | 'list<utf8>' | 'list<int32>' | 'list<float32>';
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
//   utf8 → string[] (or (string|null)[] when nullable); int32 → Int32Array | number[]; int64 → BigInt64Array |
//   bigint[];
//   float32 → Float32Array | number[]; float64 → Float64Array | number[]; bool → boolean[];
//   list<utf8> → string[][]; list<int32> → (Int32Array|number[])[]; list<float32> → (Float32Array|number[])[]
export type Columns = Record<string, ArrayLike<unknown>>;
export interface WriteResult {
  rows: number;
  bytes: number;
}
export interface ParquetOptions {
  /**
   * Page compression. The default, `defaultParquetCompression()`, is the same on every Node version;
   * zstd is the wasm build of libzstd everywhere (see codecs.ts).
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
export const CREATED_BY = 'hybrid-xlr tables';

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
