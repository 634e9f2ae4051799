// Row tables on disk: the one module through which stages write and read Arrow IPC and Parquet.
//
// Other teams read our datasets with DuckDB, pandas, Spark and pyarrow, so the files must be plain,
// typed and stable: every Parquet/Arrow library lives behind this facade (swapping the Parquet
// writer touches nothing else), every write is validated against a declared TableSchema,
// published atomically (tmp file + fsync + rename), and byte-for-byte reproducible so content hashes
// of cached artifacts stay stable across runs and Node versions.
//
// This file only re-exports the public API; the implementation is in ./tables/, one concern per
// file. Stages import from here, never from ./tables/*. TABLES.md has the design, the measurements
// and the known limits.

export {
  COLUMN_TYPES,
  DEFAULT_ROW_GROUP_SIZE,
  SCHEMA_METADATA_KEY,
  TableError,
  type ColumnSpec,
  type ColumnType,
  type Columns,
  type ParquetCompression,
  type ParquetOptions,
  type TableSchema,
  type WriteResult,
} from './tables/types.ts';
export { schemaJson, schemaMarkdown } from './tables/schema.ts';
export { validateColumns } from './tables/validate.ts';
export { defaultParquetCompression, tablesEnv } from './tables/codecs.ts';
export {
  openTableWriter,
  writeArrow,
  writeParquet,
  writeTable,
  type TableWriter,
  type TableWriterOptions,
} from './tables/writer.ts';
export { readArrow, readParquet } from './tables/readers.ts';

/**
 * The source files that decide the bytes of every table. A stage that writes tables lists them in
 * `extraSources`, so its fingerprint changes when the encoder does.
 */
export const TABLES_SOURCES: readonly URL[] = [
  new URL('./tables.ts', import.meta.url),
  new URL('./tables/', import.meta.url),
];
