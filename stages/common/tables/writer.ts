// Row tables: the writers. `openTableWriter` streams rows into an Arrow file and a Parquet file,
// one record batch / row group at a time; `writeTable`, `writeArrow` and `writeParquet` are its
// one-shot forms. Memory stays bounded by about two row groups.

import { RecordBatchFileWriter, type Schema } from 'apache-arrow';
import { arrowBatch, arrowSchemaOf, CollectingSink } from './arrow.ts';
import { discardTarget, openTarget, publishTarget, queueWrite, settleAll, syncTarget, type Target } from './atomic.ts';
import { type Codec, defaultParquetCompression, loadZstd, parquetCodec } from './codecs.ts';
import { ParquetEncoder } from './parquet-pages.ts';
import { checkSchema, schemaJson } from './schema.ts';
import type { Sink } from './sink.ts';
import {
  CREATED_BY,
  DEFAULT_ROW_GROUP_SIZE,
  SCHEMA_METADATA_KEY,
  TableError,
  type Columns,
  type ParquetOptions,
  type TableSchema,
  type WriteResult,
} from './types.ts';
import { concatCanon, normalizeColumns, sliceCanon, type Canon } from './validate.ts';

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
    codec: Codec,
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
      this.arrowWriter.write(
        arrowBatch(this.schema, this.arrowSchema, canon, rows, this.arrowScratch[this.batches++ % 2]!),
      );
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
        this.parquetEncoder.finish(
          [{ key: SCHEMA_METADATA_KEY, value: JSON.stringify(schemaJson(this.schema)) }],
          CREATED_BY,
        );
        await queueWrite(this.parquet, this.parquetEncoder.take());
      }
      const targets = [this.arrow, this.parquet].filter((t): t is Target => t !== undefined);
      // Both files are flushed to disk (in parallel) before either is renamed into place.
      await settleAll(targets.map(syncTarget));
      // Rename only once every file is complete, so a failure leaves none of them in place.
      for (const t of targets) await publishTarget(t);
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
    for (const t of [this.arrow, this.parquet]) if (t) await discardTarget(t);
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
    throw new TableError(
      `table "${schema.name}": rowGroupSize must be a positive integer, got ${rowGroupSize}`,
      schema.name,
    );
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
  // The wasm codec compiles once per process, before the first page needs it.
  if (codec === 'ZSTD' && paths.parquet !== undefined) await loadZstd();
  const arrow = paths.arrow === undefined ? undefined : await openTarget(paths.arrow);
  let parquet: Target | undefined;
  try {
    parquet = paths.parquet === undefined ? undefined : await openTarget(paths.parquet);
  } catch (err) {
    if (arrow) await discardTarget(arrow);
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
