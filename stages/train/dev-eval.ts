// Retrieval on the pairs stage's dev split, during training: the number the stage selects by (early stopping) and the
// study tunes by, so that no choice is ever made on the evaluation pool. It follows LAReQA's protocol on a small
// scale: the pool is every distinct dev passage (sentence) of every training language; a query is one dev question
// in one language, and its relevant passages are the answer sentences of that question id in every language.
import type { Columns } from '../common/tables.ts';

/** The dev split as retrieval data: distinct query texts, distinct passages, and which passages answer which query. */
export interface DevSet {
  queries: string[];
  queryLang: string[];
  passages: string[];
  passageLang: string[];
  /** relevant[q]: indices into `passages` of query q's answer sentences (one per passage language). */
  relevant: number[][];
}

/** Dev retrieval metrics of one set of weights. */
export interface DevMetrics {
  queries: number;
  pool: number;
  /** Multilingual pool (all languages), AP@20 over every relevant passage, mean over queries. */
  map20: number;
  /** Pool restricted to the query's language: the share of queries whose answer ranks first (micro). */
  monoR1: number;
  /** Pool restricted to one other language: the share of (query, language) whose answer ranks first (micro). */
  crossR1: number;
}

/**
 * The QA rows of split "dev" (dictionary rows are never dev) from a pairs table's columns. Rows of the same
 * (question id, question language) are one query; a passage id is one pool entry.
 */
export function buildDevSet(columns: Columns): DevSet {
  const split = columns.split as string[];
  const source = columns.source as string[];
  const qid = columns.question_id as string[];
  const qLang = columns.question_lang as string[];
  const question = columns.question as string[];
  const pid = columns.passage_id as string[];
  const pLang = columns.passage_lang as string[];
  const passage = columns.passage as string[];
  const set: DevSet = { queries: [], queryLang: [], passages: [], passageLang: [], relevant: [] };
  const queryOf = new Map<string, number>();
  const passageOf = new Map<string, number>();
  for (let i = 0; i < split.length; i++) {
    if (split[i] !== 'dev' || source[i] !== 'qa') continue;
    let p = passageOf.get(pid[i]);
    if (p === undefined) {
      p = set.passages.length;
      passageOf.set(pid[i], p);
      set.passages.push(passage[i]);
      set.passageLang.push(pLang[i]);
    }
    const key = `${qid[i]}\0${qLang[i]}`;
    let q = queryOf.get(key);
    if (q === undefined) {
      q = set.queries.length;
      queryOf.set(key, q);
      set.queries.push(question[i]);
      set.queryLang.push(qLang[i]);
      set.relevant.push([]);
    }
    if (!set.relevant[q].includes(p)) set.relevant[q].push(p);
  }
  return set;
}

/**
 * Metrics from unit-length embeddings `q` [queries × width] and `p` [passages × width]. Ties rank the relevant
 * passage after the others (a pessimistic count), so a model that maps everything to one vector scores 0, not 1.
 */
export function evaluateDev(set: DevSet, q: Float32Array, p: Float32Array, width: number): DevMetrics {
  const nq = set.queries.length;
  const np = set.passages.length;
  const scores = new Float32Array(np);
  let map = 0;
  let mono = 0;
  let monoN = 0;
  let cross = 0;
  let crossN = 0;
  for (let i = 0; i < nq; i++) {
    for (let j = 0; j < np; j++) {
      let s = 0;
      for (let d = 0; d < width; d++) s += q[i * width + d] * p[j * width + d];
      scores[j] = s;
    }
    const relevant = set.relevant[i];
    const ranks: number[] = [];
    for (const r of relevant) {
      // Rank in the multilingual pool, and in the relevant passage's language's pool.
      let above = 0;
      let aboveLang = 0;
      for (let j = 0; j < np; j++) {
        if (j === r || scores[j] < scores[r]) continue;
        if (relevant.includes(j) && scores[j] === scores[r] && j > r) continue;
        above++;
        if (set.passageLang[j] === set.passageLang[r] && !relevant.includes(j)) aboveLang++;
      }
      ranks.push(above + 1);
      const hit = aboveLang === 0 ? 1 : 0;
      if (set.passageLang[r] === set.queryLang[i]) {
        mono += hit;
        monoN++;
      } else {
        cross += hit;
        crossN++;
      }
    }
    ranks.sort((a, b) => a - b);
    let ap = 0;
    ranks.forEach((r, k) => {
      if (r <= 20) ap += (k + 1) / r;
    });
    map += ap / Math.min(relevant.length, 20);
  }
  return {
    queries: nq,
    pool: np,
    map20: nq ? map / nq : 0,
    monoR1: monoN ? mono / monoN : 0,
    crossR1: crossN ? cross / crossN : 0,
  };
}
