// Writing the report's files: text atomically (temp file in the same folder, fsync, rename: the one place to swap
// for the shared helper when it lands), tables through stages/common/tables.ts against their declared schemas.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeParquet, type TableSchema } from '../common/tables.ts';
import type { Row } from './figures.ts';

export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A figure's rows as the columns its schema declares (missing fields are null). */
export function rowsToColumns(schema: TableSchema, rows: readonly Row[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of schema.columns) out[c.name] = rows.map((r) => r[c.name] ?? null);
  return out;
}

export async function writeRows(path: string, schema: TableSchema, rows: readonly Row[]): Promise<void> {
  await writeParquet(path, schema, rowsToColumns(schema, rows));
}
