// Evaluation side, LAReQA protocol: the candidate pool (every annotated sentence of every evaluation language, with the
// dataset's own sentence_breaks) and the queries (one per question id and language, relevant = that id's answer
// sentence in every pool language).
import type { Columns } from '../common/tables.ts';
import { ArticleGroups } from './articles.ts';
import type { Lang } from './langs.ts';
import { unpackColumns } from './packed.ts';
import type { EvalSet } from './params.ts';
import { CAND_INTS, CAND_STRINGS, EQ_INTS, EQ_STRINGS, type EvalResult } from './tasks.ts';

export interface EvalFile {
  lang: Lang;
  result: EvalResult;
}

export interface EvalReport {
  candidates: number;
  queries: number;
  questionIds: number;
  candidatesByLanguage: Record<string, number>;
  queriesByLanguage: Record<string, number>;
  /** How many questions have k relevant candidates ("11": 1190 for XQuAD-R). */
  relevantPerQuery: Record<string, number>;
  /** Gold answers that run past their LAReQA sentence (the sentence holding answer_start is still the gold one). */
  answerNotInSentence: Record<string, number>;
}

export interface BuiltEval {
  candidates: Columns;
  queries: Columns;
  report: EvalReport;
  questionIds: Set<string>;
}

/** `files` in canonical language order. */
export function buildEval(dataset: EvalSet, files: EvalFile[]): BuiltEval {
  const unpacked = files.map((f) => ({
    lang: f.lang,
    result: f.result,
    cands: unpackColumns<(typeof CAND_STRINGS)[number], (typeof CAND_INTS)[number]>(f.result.candidates),
    qs: unpackColumns<(typeof EQ_STRINGS)[number], (typeof EQ_INTS)[number]>(f.result.queries),
  }));
  const groups = new ArticleGroups();
  for (const f of unpacked) {
    // Titles without questions still need a node; an id of their own keeps them a group of one.
    for (let i = 0; i < f.cands.rows; i++)
      groups.add(f.lang, f.cands.s.title[i], `\0title\0${f.lang}\0${f.cands.s.title[i]}`);
    for (let i = 0; i < f.qs.rows; i++) groups.add(f.lang, f.qs.s.title[i], f.qs.s.id[i]);
  }
  const articleOf = groups.names(dataset);
  const candId = (lang: Lang, a: number, p: number, s: number) => `${dataset}/${lang}/${a}/${p}/${s}`;

  const cand = {
    candidate_id: [] as string[],
    lang: [] as string[],
    article_id: [] as string[],
    article_index: [] as number[],
    paragraph_index: [] as number[],
    sentence_index: [] as number[],
    start: [] as number[],
    end: [] as number[],
    text: [] as string[],
  };
  const candidatesByLanguage: Record<string, number> = {};
  for (const f of unpacked) {
    const c = f.cands;
    for (let i = 0; i < c.rows; i++) {
      cand.candidate_id.push(candId(f.lang, c.i.article[i], c.i.paragraph[i], c.i.sentence[i]));
      cand.lang.push(f.lang);
      cand.article_id.push(articleOf(f.lang, c.s.title[i]));
      cand.article_index.push(c.i.article[i]);
      cand.paragraph_index.push(c.i.paragraph[i]);
      cand.sentence_index.push(c.i.sentence[i]);
      cand.start.push(c.i.start[i]);
      cand.end.push(c.i.end[i]);
      cand.text.push(c.s.text[i]);
    }
    candidatesByLanguage[f.lang] = c.rows;
  }

  // Gold candidate of every (id, language), languages in canonical order.
  const gold = new Map<string, string[]>();
  for (const f of unpacked) {
    for (let i = 0; i < f.qs.rows; i++) {
      const id = f.qs.s.id[i];
      let list = gold.get(id);
      if (!list) gold.set(id, (list = []));
      list.push(candId(f.lang, f.qs.i.article[i], f.qs.i.paragraph[i], f.qs.i.sentence[i]));
    }
  }
  const q = {
    query_id: [] as string[],
    question_id: [] as string[],
    lang: [] as string[],
    question: [] as string[],
    answer: [] as string[],
    article_id: [] as string[],
    own_candidate_id: [] as string[],
    relevant_ids: [] as string[][],
  };
  const queriesByLanguage: Record<string, number> = {};
  const relevantPerQuery: Record<string, number> = {};
  const answerNotInSentence: Record<string, number> = {};
  for (const f of unpacked) {
    const s = f.qs;
    for (let i = 0; i < s.rows; i++) {
      const id = s.s.id[i];
      const relevant = gold.get(id)!;
      q.query_id.push(`${id}/${f.lang}`);
      q.question_id.push(id);
      q.lang.push(f.lang);
      q.question.push(s.s.question[i]);
      q.answer.push(s.s.answer[i]);
      q.article_id.push(articleOf(f.lang, s.s.title[i]));
      q.own_candidate_id.push(candId(f.lang, s.i.article[i], s.i.paragraph[i], s.i.sentence[i]));
      q.relevant_ids.push(relevant);
      relevantPerQuery[relevant.length] = (relevantPerQuery[relevant.length] ?? 0) + 1;
    }
    queriesByLanguage[f.lang] = s.rows;
    answerNotInSentence[f.lang] = f.result.straddling;
  }
  return {
    candidates: cand,
    queries: q,
    report: {
      candidates: cand.text.length,
      queries: q.query_id.length,
      questionIds: gold.size,
      candidatesByLanguage,
      queriesByLanguage,
      relevantPerQuery,
      answerNotInSentence,
    },
    questionIds: new Set(gold.keys()),
  };
}
