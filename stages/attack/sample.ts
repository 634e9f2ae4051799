// Which queries are attacked: a seeded sample of the evaluation queries in every language of the pool, each
// attacked in its own language. Score measures the sample and its attacked versions exactly as it measures the
// clean set (mono, cross, multilingual, same pool: score's querySubset), so a drop compares the same questions.
import { createRng } from '../common/random.ts';
import type { EvalSet } from '../score/index.ts';

/**
 * Indices into `data.queries`: up to `perLanguage` queries of each language (fewer where a language has fewer),
 * drawn by a seeded partial shuffle of that language's queries, ascending. Only queries whose answer is in their
 * own language's pool (the positive the attack pushes out) are drawn.
 */
export function sampleQueries(data: EvalSet, perLanguage: number, seed: number): number[] {
  const out: number[] = [];
  data.languages.forEach((lang, l) => {
    const ids: number[] = [];
    for (let q = 0; q < data.queries.ids.length; q++)
      if (data.queries.lang[q] === l && positiveOf(data, q) >= 0) ids.push(q);
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
