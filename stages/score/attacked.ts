// The evaluation set of an attacked query set: the clean set's pool and relevant candidates with the attacked texts.
// Score's own (it needs score's EvalSet); the table those texts come from is stages/common/query-sets.ts.
import type { EvalSet } from './evaluate.ts';

/**
 * The evaluation set of the queries `queryIds` (in that order) with texts `texts`: same pool, same relevant
 * candidates. Throws naming a query id the set does not have.
 */
export function querySubset(data: EvalSet, queryIds: readonly string[], texts: readonly string[]): EvalSet {
  const index = new Map(data.queries.ids.map((id, i) => [id, i]));
  const rows = queryIds.map((id) => {
    const q = index.get(id);
    if (q === undefined)
      throw new Error(`attacked query "${id}" is not a query of the evaluation set (${data.dataset})`);
    return q;
  });
  return {
    ...data,
    queries: {
      ids: [...queryIds],
      texts: [...texts],
      lang: Uint8Array.from(rows, (q) => data.queries.lang[q]),
      relevant: rows.map((q) => data.queries.relevant[q]),
    },
  };
}
