// Row tables: reading Arrow and Parquet files back into plain columns, checked against a schema when
// one is given. Meant for tests, checks and modest tables: both readers load the whole file (scan
// large tables with DuckDB).

import { readFile } from 'node:fs/promises';
import { tableFromIPC, type DataType, type Vector } from 'apache-arrow';
import { parquetMetadataAsync, parquetRead, type FileMetaData } from 'hyparquet';
import { arrowType } from './arrow.ts';
import { loadZstd, zstdDecompress } from './codecs.ts';
import { COLUMN_TYPES, TableError, type ColumnSpec, type ColumnType, type Columns, type TableSchema } from './types.ts';
import type { Canon } from './validate.ts';

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
    for (let i = 0; i < data.length; i++)
      out.push(data.getValid(i) ? TEXT.decode(bytes.subarray(offsets[i], offsets[i + 1])) : null);
  }
  return out;
}

/**
 * Reads an Arrow IPC file back into plain columns (utf8 → string[], int32 → Int32Array, float32 → Float32Array, lists →
 * arrays, ...), validated against the schema when given.
 */
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
  const usesZstd = metadata.row_groups.some((g) => g.columns.some((c) => c.meta_data?.codec === 'ZSTD'));
  if (usesZstd) await loadZstd();
  await parquetRead({
    file,
    metadata,
    compressors: { ZSTD: zstdDecompress },
    // hyparquet's default string parser would drop a leading U+FEFF.
    parsers: { stringFromBytes: (bytes: Uint8Array | undefined) => bytes && TEXT.decode(bytes) },
    onChunk: ({ columnName, columnData, rowStart }) => {
      let list = chunks.get(columnName);
      if (!list) chunks.set(columnName, (list = []));
      list.push({ rowStart, data: columnData as ArrayLike<unknown> });
    },
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
