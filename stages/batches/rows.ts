// The batches table's rows, built from a plan in bounded chunks: the one place that decides what a batch row holds,
// used by the stage and by its benchmark.
import type { Columns } from '../common/tables.ts';
import type { BatchPlan } from './sampler.ts';

/** Rows per chunk: bounds memory for million-row outputs. */
export const BATCH_CHUNK_ROWS = 100_000;

/** Columns copied unchanged from the pairs table. */
const COPIED = [
  'pair_id',
  'source',
  'question_id',
  'question_lang',
  'question',
  'passage_id',
  'passage_lang',
  'passage',
] as const;

/**
 * Yields the first `limit` rows of the plan (all by default) as `batchesSchema` chunks. `index` maps a sampler row
 * to its row in the pairs `columns`.
 */
export function* batchRowChunks(
  plan: BatchPlan,
  index: Int32Array,
  columns: Columns,
  limit = plan.row.length,
): Generator<{ end: number; chunk: Columns }> {
  const rows = Math.min(limit, plan.row.length);
  const batchOf = new Int32Array(rows);
  const position = new Int32Array(rows);
  for (let b = 0; b < plan.batchKind.length && plan.offsets[b] < rows; b++) {
    for (let r = plan.offsets[b]; r < Math.min(plan.offsets[b + 1], rows); r++) {
      batchOf[r] = b;
      position[r] = r - plan.offsets[b];
    }
  }
  for (let start = 0; start < rows; start += BATCH_CHUNK_ROWS) {
    const end = Math.min(start + BATCH_CHUNK_ROWS, rows);
    const source = Array.from(plan.row.subarray(start, end), (r) => index[r]);
    const chunk: Columns = {
      batch_id: batchOf.subarray(start, end),
      epoch: Int32Array.from(batchOf.subarray(start, end), (b) => plan.batchEpoch[b]),
      position: position.subarray(start, end),
      kind: Array.from(batchOf.subarray(start, end), (b) => (plan.batchKind[b] === 0 ? 'mono' : 'cross')),
    };
    for (const name of COPIED) {
      const col = columns[name] as string[];
      chunk[name] = source.map((r) => col[r]);
    }
    yield { end, chunk };
  }
}
