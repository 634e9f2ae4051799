// Hive-style partitioning (`split=train/direction=cross/part-0.parquet`): the layout DuckDB, pandas/pyarrow and
// Spark all read as one table, with the partition columns restored from the folder names.
import type { ColumnSpec, Columns, TableSchema } from '../common/tables.ts';

/** Partition values become folder names: keep them to characters every reader and filesystem accepts as is. */
const SAFE_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function partitionSegment(name: string, value: string | number): string {
  const text = String(value);
  if (!SAFE_VALUE.test(text))
    throw new Error(`export: partition value ${JSON.stringify(text)} of ${name} is not a plain identifier`);
  return `${name}=${text}`;
}

export interface Partition {
  /** Relative folder, e.g. `split=train/direction=cross`. */
  dir: string;
  values: Record<string, string>;
  columns: Columns;
  rows: number;
}

/** The table's schema without its partition columns: those live in the folder names only, as Spark requires. */
export function withoutColumns(schema: TableSchema, names: readonly string[]): TableSchema {
  for (const name of names) {
    if (!schema.columns.some((c) => c.name === name))
      throw new Error(`export: table ${schema.name} has no column ${name} to partition by`);
  }
  return { ...schema, columns: schema.columns.filter((c: ColumnSpec) => !names.includes(c.name)) };
}

/**
 * Splits a table by the values of `by` (utf8 columns), keeping row order inside each partition. Partitions come
 * out sorted by their folder name, so the export is the same bytes whatever the input order of values.
 */
export function partitionTable(schema: TableSchema, columns: Columns, by: readonly string[]): Partition[] {
  const keyColumns = by.map((name) => columns[name] as ArrayLike<string>);
  const rows = keyColumns[0]?.length ?? 0;
  const groups = new Map<string, { values: Record<string, string>; index: number[] }>();
  for (let i = 0; i < rows; i++) {
    const values = Object.fromEntries(by.map((name, k) => [name, keyColumns[k][i]]));
    const dir = by.map((name) => partitionSegment(name, values[name])).join('/');
    let group = groups.get(dir);
    if (!group) groups.set(dir, (group = { values, index: [] }));
    group.index.push(i);
  }
  const kept = withoutColumns(schema, by).columns;
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dir, { values, index }]) => ({ dir, values, rows: index.length, columns: pick(kept, columns, index) }));
}

function pick(kept: readonly ColumnSpec[], columns: Columns, index: number[]): Columns {
  const out: Columns = {};
  for (const { name } of kept) {
    const source = columns[name] as ArrayLike<unknown> & { constructor: unknown };
    if (ArrayBuffer.isView(source)) {
      const typed = source as unknown as {
        constructor: new (n: number) => { [i: number]: unknown } & ArrayLike<unknown>;
      };
      const target = new typed.constructor(index.length);
      for (let i = 0; i < index.length; i++) target[i] = (source as ArrayLike<unknown>)[index[i]];
      out[name] = target;
    } else {
      out[name] = index.map((i) => source[i]);
    }
  }
  return out;
}
