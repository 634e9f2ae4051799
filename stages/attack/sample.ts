// Which queries are attacked: a seeded sample of the evaluation queries in every language of the pool (each
// attacked in its own language), and the evaluation sets built from the sample: the same pool, the sampled
// queries with their clean or attacked texts, their relevant candidates unchanged. Score measures these exactly as
// it measures the clean set (mono, cross, multilingual), so a drop compares the same questions.
import { createRng } from '../common/random.ts';
import type { EvalSet } from '../score/evaluate.ts';

/**
 * Indices into `data.queries`: up to `perLanguage` queries of each language (fewer where a language has fewer),
 * drawn by a seeded partial shuffle of that language's queries, ascending. Only queries whose answer is in their
 * own language's pool (the positive the attack pushes out) are drawn.
 */
export function sampleQueries(data: EvalSet, perLanguage: number, seed: number): number[] {
  const out: number[] = [];
  data.languages.forEach((lang, l) => {
    const ids: number[] = [];
    for (let q = 0; q < data.queries.ids.length; q++) if (data.queries.lang[q] === l && positiveOf(data, q) >= 0) ids.push(q);
    const rng = createRng(seed, `attack-sample:${lang}`);
    const n = Math.min(perLanguage, ids.length);
    for (let i = 0; i < n; i++) {
      const j = rng.int(i, ids.length - 1);
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    out.push(...ids.slice(0, n));
  });
  return out.sort((a, b) => a - b);
}

/** The query's relevant candidate in its own language (pool index), or -1 when it has none. */
export function positiveOf(data: EvalSet, q: number): number {
  const lang = data.queries.lang[q];
  for (const c of data.queries.relevant[q]) if (data.candidates.lang[c] === lang) return c;
  return -1;
}

/**
 * The evaluation set of the queries `queryIds` (in that order) with texts `texts`: same pool, same relevant
 * candidates. Throws naming a query id the set does not have.
 */
export function querySubset(data: EvalSet, queryIds: readonly string[], texts: readonly string[]): EvalSet {
  const index = new Map(data.queries.ids.map((id, i) => [id, i]));
  const rows = queryIds.map((id) => {
    const q = index.get(id);
    if (q === undefined) throw new Error(`attacked query "${id}" is not a query of the evaluation set (${data.dataset})`);
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
