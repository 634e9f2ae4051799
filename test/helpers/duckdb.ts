// DuckDB as the tests' reference reader: run SQL (read_parquet, parquet_metadata ...) on a fresh in-memory database
// and get plain JS rows back, the database closed afterwards.
import { DuckDBInstance } from '@duckdb/node-api';

/** A query function over one in-memory database: rows as plain JS objects. */
export type DuckQuery = (sql: string) => Promise<Record<string, unknown>[]>;

/** Runs `body` with a fresh in-memory DuckDB, closed when `body` settles. */
export async function withDuck<T>(body: (query: DuckQuery) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    return await body(async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** One query on a fresh in-memory DuckDB. */
export function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  return withDuck((query) => query(sql));
}
