// The per-file work the pool runs: read one input file, parse it, split sentences, and return compact columns.
// Pure functions of (task, file bytes), so the result of a task does not depend on which worker ran it or when.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Lang } from './langs.ts';
import { ColumnBuilder, type PackedColumns } from './packed.ts';
import { addAgreement, emptyAgreement, sentenceAt, splitSentences, type BreakAgreementCounts } from './sentences.ts';
import { parseSquad, usableAnswer, type SquadIssues } from './squad.ts';

/** Training QA file: MLQA `dev-context-<c>-question-<q>.json`, or one XQuAD language (read from `xquad-r/<l>.json`). */
export interface QaTask {
  kind: 'qa';
  /** Absolute path to read. */
  path: string;
  /** Name relative to the artifact, for messages and the report. */
  file: string;
  questionLang: Lang;
  contextLang: Lang;
}
/** Evaluation file with LAReQA's sentence annotation: `xquad-r/<l>.json` or `mlqa-r/<l>.json`. */
export interface EvalTask {
  kind: 'eval';
  path: string;
  file: string;
  lang: Lang;
}
/** MUSE dictionary `muse/en-<l>.tsv`. */
export interface MuseTask {
  kind: 'muse';
  path: string;
  file: string;
  lang: Lang;
  /** Keep at most this many entries (file order: MUSE lists frequent English words first). */
  max: number;
}
export type Task = QaTask | EvalTask | MuseTask;

/** One row per usable question: the question and its positive sentence (our splitter) in the context language. */
export const QA_STRINGS = ['id', 'question', 'title', 'passage', 'answer', 'contextHash'] as const;
export const QA_INTS = ['paragraph', 'sentence', 'answerInPassage'] as const;
export interface QaResult {
  kind: 'qa';
  file: string;
  questions: number;
  issues: SquadIssues;
  /** Present when the file carries LAReQA breaks (xquad-r files): our splitter against them. */
  agreement: BreakAgreementCounts | null;
  /** Answers that run past the end of their positive sentence. */
  straddling: number;
  columns: PackedColumns;
}

/** Candidates: every LAReQA sentence of the file, in file order. */
export const CAND_STRINGS = ['text', 'title'] as const;
export const CAND_INTS = ['article', 'paragraph', 'sentence', 'start', 'end'] as const;
/** Questions with a usable answer, and the index of their gold sentence in their paragraph. */
export const EQ_STRINGS = ['id', 'question', 'answer', 'title'] as const;
export const EQ_INTS = ['article', 'paragraph', 'sentence', 'answerInSentence'] as const;
export interface EvalResult {
  kind: 'eval';
  file: string;
  questions: number;
  issues: SquadIssues;
  agreement: BreakAgreementCounts;
  straddling: number;
  candidates: PackedColumns;
  queries: PackedColumns;
}

export const MUSE_STRINGS = ['en', 'word'] as const;
export const MUSE_INTS = ['line'] as const;
export interface MuseResult {
  kind: 'muse';
  file: string;
  lines: number;
  identity: number;
  malformed: number;
  duplicates: number;
  /** Dropped by the per-language cap. */
  capped: number;
  columns: PackedColumns;
}
export type TaskResult = QaResult | EvalResult | MuseResult;

export async function runTask(task: Task): Promise<TaskResult> {
  const text = await readFile(task.path, 'utf8');
  switch (task.kind) {
    case 'qa':
      return qaTask(task, text);
    case 'eval':
      return evalTask(task, text);
    case 'muse':
      return museTask(task, text);
  }
}

export function qaTask(task: QaTask, text: string): QaResult {
  const doc = parseSquad(text, task.file);
  const rows = new ColumnBuilder(QA_STRINGS, QA_INTS);
  const agreement = emptyAgreement();
  let annotated = false;
  let straddling = 0;
  for (const article of doc.articles) {
    article.paragraphs.forEach((para, pi) => {
      if (para.context.trim() === '') return;
      const spans = splitSentences(para.context, task.contextLang);
      if (para.sentenceBreaks) {
        annotated = true;
        addAgreement(agreement, para.sentenceBreaks, spans);
      }
      const contextHash = createHash('sha1').update(para.context).digest('hex').slice(0, 16);
      for (const qa of para.qas) {
        const answer = usableAnswer(para, qa);
        if (!answer) continue;
        const si = sentenceAt(spans, answer.answerStart);
        const [start, end] = spans[si];
        const inside = answer.answerStart >= start && answer.answerStart + answer.text.length <= end;
        if (!inside) straddling++;
        rows.push({
          id: qa.id,
          question: qa.question,
          title: article.title,
          passage: para.context.slice(start, end),
          answer: answer.text,
          contextHash,
          paragraph: pi,
          sentence: si,
          answerInPassage: inside ? 1 : 0,
        });
      }
    });
  }
  return {
    kind: 'qa',
    file: task.file,
    questions: doc.questions,
    issues: doc.issues,
    agreement: annotated ? agreement : null,
    straddling,
    columns: rows.pack(),
  };
}

export function evalTask(task: EvalTask, text: string): EvalResult {
  const doc = parseSquad(text, task.file, { requireSentences: true });
  const cands = new ColumnBuilder(CAND_STRINGS, CAND_INTS);
  const queries = new ColumnBuilder(EQ_STRINGS, EQ_INTS);
  const agreement = emptyAgreement();
  let straddling = 0;
  doc.articles.forEach((article, ai) => {
    article.paragraphs.forEach((para, pi) => {
      const breaks = para.sentenceBreaks ?? [];
      const sentences = para.sentences ?? [];
      if (para.context.trim() === '') return;
      addAgreement(agreement, breaks, splitSentences(para.context, task.lang));
      // LAReQA's sentence text, not the context slice: they differ for 2 Turkish sentences and the text is the
      // candidate.
      breaks.forEach(([start, end], si) =>
        cands.push({ text: sentences[si], title: article.title, article: ai, paragraph: pi, sentence: si, start, end }),
      );
      for (const qa of para.qas) {
        const answer = usableAnswer(para, qa);
        if (!answer || breaks.length === 0) continue;
        const si = sentenceAt(breaks, answer.answerStart);
        const inside = answer.answerStart >= breaks[si][0] && answer.answerStart + answer.text.length <= breaks[si][1];
        if (!inside) straddling++;
        queries.push({
          id: qa.id,
          question: qa.question,
          answer: answer.text,
          title: article.title,
          article: ai,
          paragraph: pi,
          sentence: si,
          answerInSentence: inside ? 1 : 0,
        });
      }
    });
  });
  return {
    kind: 'eval',
    file: task.file,
    questions: doc.questions,
    issues: doc.issues,
    agreement,
    straddling,
    candidates: cands.pack(),
    queries: queries.pack(),
  };
}

export function museTask(task: MuseTask, text: string): MuseResult {
  const rows = new ColumnBuilder(MUSE_STRINGS, MUSE_INTS);
  const seen = new Set<string>();
  let lines = 0;
  let identity = 0;
  let malformed = 0;
  let duplicates = 0;
  let capped = 0;
  let kept = 0;
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  all.forEach((line, i) => {
    lines++;
    const parts = line.split('\t');
    const en = parts[0]?.trim() ?? '';
    const word = parts[1]?.trim() ?? '';
    if (parts.length !== 2 || en === '' || word === '') {
      malformed++;
      return;
    }
    // Identity pairs (names, numbers, untranslated English) teach nothing cross-lingual and are ~half of some files.
    if (en === word) {
      identity++;
      return;
    }
    const key = `${en}\t${word}`;
    if (seen.has(key)) {
      duplicates++;
      return;
    }
    seen.add(key);
    if (kept >= task.max) {
      capped++;
      return;
    }
    kept++;
    rows.push({ en, word, line: i + 1 });
  });
  return { kind: 'muse', file: task.file, lines, identity, malformed, duplicates, capped, columns: rows.pack() };
}
