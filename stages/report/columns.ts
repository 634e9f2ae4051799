// Writing the report's tables through stages/common/tables.ts against their declared schemas: a figure's rows and
// the contrasts (stats.parquet) as columns. (Text files go through the engine's writeFileAtomic.)
import { writeParquet, type TableSchema } from '../common/tables.ts';
import type { ContrastRow } from './contrasts.ts';
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

/** stats.parquet's columns (STATS_SCHEMA, schema.ts): one row per contrast. */
export function statsColumns(rows: readonly ContrastRow[]): Record<string, unknown[]> {
  return {
    contrast: rows.map((r) => r.contrast),
    metric: rows.map((r) => r.metric),
    loss: rows.map((r) => r.loss),
    strategy: rows.map((r) => r.strategy),
    batch_size: rows.map((r) => r.batchSize),
    batch_from: rows.map((r) => r.batchFrom),
    batch_to: rows.map((r) => r.batchTo),
    query_set: rows.map((r) => r.querySet),
    reference_set: rows.map((r) => r.referenceSet),
    side_a: rows.map((r) => r.sideA),
    side_b: rows.map((r) => r.sideB),
    mean_a: rows.map((r) => r.meanA),
    mean_b: rows.map((r) => r.meanB),
    estimate: rows.map((r) => r.estimate),
    ci_low: rows.map((r) => r.low),
    ci_high: rows.map((r) => r.high),
    ci_low_seeds: rows.map((r) => r.lowSeeds),
    ci_high_seeds: rows.map((r) => r.highSeeds),
    level: rows.map((r) => r.level),
    distinguishable_questions: rows.map((r) => r.distinguishableByQuestions),
    distinguishable: rows.map((r) => r.distinguishable),
    questions: rows.map((r) => r.clusters),
    queries: rows.map((r) => r.queries),
    seeds_a: rows.map((r) => r.seedsA),
    seeds_b: rows.map((r) => r.seedsB),
    resamples: rows.map((r) => r.resamples),
    seed: rows.map((r) => r.seed),
  };
}
