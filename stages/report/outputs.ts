// Writing the report's tables: a figure's rows as the columns of its declared schema, written through
// stages/common/tables.ts. (Text files go through the engine's writeFileAtomic.)
import { writeParquet, type TableSchema } from '../common/tables.ts';
import type { Row } from './figures.ts';

/** A figure's rows as the columns its schema declares (missing fields are null). */
export function rowsToColumns(schema: TableSchema, rows: readonly Row[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of schema.columns) out[c.name] = rows.map((r) => r[c.name] ?? null);
  return out;
}

export async function writeRows(path: string, schema: TableSchema, rows: readonly Row[]): Promise<void> {
  await writeParquet(path, schema, rowsToColumns(schema, rows));
}
