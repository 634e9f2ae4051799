// A pairs-like evaluation folder for stage tests (score, attack, report): candidates.arrow and queries.arrow in the
// pairs stage's schemas, one sentence and one question per language and topic, ids in LAReQA's shape, and optionally
// a report.json. Each test supplies its languages and texts; the layout is written once here.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArrow } from '../../stages/common/tables.ts';
import { CANDIDATES_SCHEMA, QUERIES_SCHEMA } from '../../stages/pairs/index.ts';

export interface ToyEvalSpec {
  /** Part of the temporary folder's name. */
  tag: string;
  langs: readonly string[];
  /** Topics per language: sentence i of each language answers question i of each language. */
  topics: number;
  sentence(lang: string, langIndex: number, topic: number): string;
  question(lang: string, langIndex: number, topic: number): string;
  /** Relevant candidate ids of question `topic`; by default its sentence in every language. */
  relevant?(topic: number): string[];
  /** Written as report.json when given. */
  report?: unknown;
}

export const candidateId = (lang: string, topic: number): string => `toy/${lang}/0/${topic}/0`;

export async function writeToyEvalSet(spec: ToyEvalSpec): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hxlr-${spec.tag}-eval-`));
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
  const relevant = spec.relevant ?? ((i: number) => spec.langs.map((l) => candidateId(l, i)));
  spec.langs.forEach((lang, li) => {
    for (let i = 0; i < spec.topics; i++) {
      const text = spec.sentence(lang, li, i);
      cand.candidate_id.push(candidateId(lang, i));
      cand.lang.push(lang);
      cand.article_id.push('toy:a');
      cand.article_index.push(0);
      cand.paragraph_index.push(i);
      cand.sentence_index.push(0);
      cand.start.push(0);
      cand.end.push(text.length);
      cand.text.push(text);
      q.query_id.push(`q${i}/${lang}`);
      q.question_id.push(`q${i}`);
      q.lang.push(lang);
      q.question.push(spec.question(lang, li, i));
      q.answer.push(`${i}`);
      q.article_id.push('toy:a');
      q.own_candidate_id.push(candidateId(lang, i));
      q.relevant_ids.push(relevant(i));
    }
  });
  const ints = (xs: number[]) => Int32Array.from(xs);
  await writeArrow(join(dir, 'candidates.arrow'), CANDIDATES_SCHEMA, {
    ...cand,
    article_index: ints(cand.article_index),
    paragraph_index: ints(cand.paragraph_index),
    sentence_index: ints(cand.sentence_index),
    start: ints(cand.start),
    end: ints(cand.end),
  });
  await writeArrow(join(dir, 'queries.arrow'), QUERIES_SCHEMA, q);
  if (spec.report !== undefined) await writeFile(join(dir, 'report.json'), JSON.stringify(spec.report));
  return dir;
}
