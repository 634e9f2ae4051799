// Reads the evaluation pool and queries of a pairs artifact into the index form the scorer uses: candidate and
// query languages as small integers, each query's relevant candidates as pool indices.
import { readArrow } from '../common/tables.ts';
import { CANDIDATES_SCHEMA, QUERIES_SCHEMA, type PairsReportFile } from '../pairs/index.ts';
import type { EvalSet } from './evaluate.ts';

/**
 * Languages of the pool in first-seen order (the candidates table is ordered by language). `report`: the pairs
 * stage's report.json, whose params name the training languages (the rest of the pool's are zero-shot); absent
 * (null), the split is unknown.
 */
export async function loadEvalSet(
  candidatesPath: string,
  queriesPath: string,
  report: PairsReportFile | null = null,
): Promise<EvalSet> {
  const cand = (await readArrow(candidatesPath, CANDIDATES_SCHEMA)).columns;
  const qs = (await readArrow(queriesPath, QUERIES_SCHEMA)).columns;
  const candIds = cand.candidate_id as string[];
  const candLangs = cand.lang as string[];
  if (candIds.length === 0) throw new Error(`${candidatesPath}: the candidate pool is empty`);
  if (candIds.length > 0xffffffff) throw new Error(`${candidatesPath}: too many candidates`);
  const languages: string[] = [];
  const langIndex = new Map<string, number>();
  const lang = new Uint8Array(candIds.length);
  candLangs.forEach((l, i) => {
    let li = langIndex.get(l);
    if (li === undefined) {
      if (languages.length === 255) throw new Error(`${candidatesPath}: more than 255 languages`);
      li = languages.length;
      languages.push(l);
      langIndex.set(l, li);
    }
    lang[i] = li;
  });
  const position = new Map<string, number>();
  candIds.forEach((id, i) => {
    if (position.has(id))
      throw new Error(`${candidatesPath}: candidate_id "${id}" appears twice (rows ${position.get(id)} and ${i})`);
    position.set(id, i);
  });

  const queryIds = qs.query_id as string[];
  const queryLangs = qs.lang as string[];
  const relevantIds = qs.relevant_ids as string[][];
  const qLang = new Uint8Array(queryIds.length);
  const relevant = relevantIds.map((ids, q) => {
    const li = langIndex.get(queryLangs[q]);
    if (li === undefined)
      throw new Error(
        `${queriesPath}: query "${queryIds[q]}" is in language "${queryLangs[q]}", which has no candidate in ${candidatesPath}`,
      );
    qLang[q] = li;
    const out = new Int32Array(new Set(ids).size);
    let k = 0;
    for (const id of new Set(ids)) {
      const at = position.get(id);
      if (at === undefined)
        throw new Error(
          `${queriesPath}: query "${queryIds[q]}" lists relevant_ids "${id}", which is not in ${candidatesPath}`,
        );
      out[k++] = at;
    }
    return out;
  });
  const dataset = candIds[0].split('/')[0];
  return {
    dataset,
    languages,
    trainLanguages: report ? [...report.params.trainLanguages] : null,
    candidates: { ids: candIds, texts: cand.text as string[], lang },
    queries: { ids: queryIds, texts: qs.question as string[], lang: qLang, relevant },
  };
}
