// Training side: turns per-file QA rows into (question, positive sentence) pairs in every available language
// direction, adds optional MUSE dictionary pairs, and assigns seeded article-level train/dev splits.
import { createHash } from 'node:crypto';
import type { Columns } from '../common/tables.ts';
import { ArticleGroups, splitArticles } from './articles.ts';
import { LANGS, type Lang } from './langs.ts';
import { unpackColumns } from './packed.ts';
import type { TrainSet } from './params.ts';
import type { MuseResult, QaResult } from './tasks.ts';
import { MUSE_INTS, MUSE_STRINGS, QA_INTS, QA_STRINGS } from './tasks.ts';

export interface QaFile {
  questionLang: Lang;
  contextLang: Lang;
  result: QaResult;
}
export interface MuseFile {
  lang: Lang;
  result: MuseResult;
}
export interface BuildPairsInput {
  train: TrainSet;
  /** MLQA: the 49 (or fewer) direction files; XQuAD: one file per language (question and context language equal). */
  files: QaFile[];
  muse: MuseFile[];
  alignmentDirections: 'both' | 'en-xx';
  seed: number;
  devFraction: number;
}

interface PairRow {
  pairId: string;
  source: 'qa' | 'dictionary';
  questionId: string;
  questionLang: Lang;
  question: string;
  passageId: string;
  passageLang: Lang;
  passage: string;
  articleId: string;
  answer: string | null;
  answerInPassage: boolean;
}

export interface SplitStats {
  pairs: number;
  qaPairs: number;
  questionIds: number;
  articles: number;
}
export interface PairsReport {
  rows: number;
  bySource: Record<string, number>;
  byDirection: { mono: number; cross: number };
  /** Distinct (question language, passage language) directions among QA pairs: 49 for MLQA dev, 121 for XQuAD. */
  directions: number;
  /** QA pairs per "questionLang-passageLang". */
  byLanguagePair: Record<string, number>;
  bySplit: Record<'train' | 'dev', SplitStats>;
  /** QA pairs whose answer runs past the positive sentence (kept, flagged answer_in_passage=false). */
  answerNotInPassage: number;
  dictionary: Record<
    string,
    {
      lines: number;
      identity: number;
      malformed: number;
      duplicates: number;
      capped: number;
      entries: number;
      pairs: number;
    }
  >;
}

export interface BuiltPairs {
  columns: Columns;
  report: PairsReport;
  /** Every training question id, for the train/eval disjointness check. */
  questionIds: Set<string>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const li = (l: Lang) => LANGS.indexOf(l);

export function buildPairs(input: BuildPairsInput): BuiltPairs {
  const files = input.files.map((f) => ({
    ...f,
    rows: unpackColumns<(typeof QA_STRINGS)[number], (typeof QA_INTS)[number]>(f.result.columns),
  }));
  const groups = new ArticleGroups();
  for (const f of files)
    for (let i = 0; i < f.rows.rows; i++) groups.add(f.contextLang, f.rows.s.title[i], f.rows.s.id[i]);
  const articleOf = groups.names(input.train);

  const qa: PairRow[] = [];
  const makePair = (
    id: string,
    qLang: Lang,
    question: string,
    pLang: Lang,
    f: (typeof files)[number],
    i: number,
  ): PairRow => ({
    pairId: `${input.train}:${id}:${qLang}-${pLang}`,
    source: 'qa',
    questionId: id,
    questionLang: qLang,
    question,
    passageId: `${pLang}:${f.rows.s.contextHash[i]}:${f.rows.i.sentence[i]}`,
    passageLang: pLang,
    passage: f.rows.s.passage[i],
    articleId: articleOf(pLang, f.rows.s.title[i]),
    answer: f.rows.s.answer[i],
    answerInPassage: f.rows.i.answerInPassage[i] === 1,
  });

  if (input.train === 'mlqa-dev') {
    // Each dev-context-c-question-q file already is direction q → c.
    for (const f of files)
      for (let i = 0; i < f.rows.rows; i++)
        qa.push(makePair(f.rows.s.id[i], f.questionLang, f.rows.s.question[i], f.contextLang, f, i));
  } else {
    // XQuAD: 11-way parallel by id; question from language X's file, passage from language Y's file.
    const byId = new Map<string, Map<Lang, number>>();
    files.forEach((f, fi) => {
      for (let i = 0; i < f.rows.rows; i++) {
        let m = byId.get(f.rows.s.id[i]);
        if (!m) byId.set(f.rows.s.id[i], (m = new Map()));
        m.set(f.contextLang, fi * 0x100000 + i);
      }
    });
    for (const [id, m] of byId) {
      for (const [qLang, qRef] of m) {
        const qf = files[Math.floor(qRef / 0x100000)];
        const question = qf.rows.s.question[qRef % 0x100000];
        for (const [pLang, pRef] of m)
          qa.push(makePair(id, qLang, question, pLang, files[Math.floor(pRef / 0x100000)], pRef % 0x100000));
      }
    }
  }
  // Rows of one question id adjacent, languages in canonical order: independent of file and task order.
  qa.sort(
    (a, b) =>
      cmp(a.articleId, b.articleId) ||
      cmp(a.questionId, b.questionId) ||
      li(a.questionLang) - li(b.questionLang) ||
      li(a.passageLang) - li(b.passageLang),
  );
  const split = splitArticles(
    qa.map((p) => p.articleId),
    input.seed,
    input.devFraction,
    sha256,
  );

  const dict: PairRow[] = [];
  const dictionary: PairsReport['dictionary'] = {};
  for (const { lang, result } of input.muse) {
    const rows = unpackColumns<(typeof MUSE_STRINGS)[number], (typeof MUSE_INTS)[number]>(result.columns);
    let pairs = 0;
    for (let i = 0; i < rows.rows; i++) {
      const en = rows.s.en[i];
      const word = rows.s.word[i];
      const line = rows.i.line[i];
      dict.push(dictPair(lang, line, 'en', en, lang, word));
      pairs++;
      if (input.alignmentDirections === 'both') {
        dict.push(dictPair(lang, line, lang, word, 'en', en));
        pairs++;
      }
    }
    dictionary[lang] = {
      lines: result.lines,
      identity: result.identity,
      malformed: result.malformed,
      duplicates: result.duplicates,
      capped: result.capped,
      entries: rows.rows,
      pairs,
    };
  }

  const all = [...qa, ...dict];
  const n = all.length;
  const col = <T>(f: (p: PairRow) => T): T[] => all.map(f);
  const splits = all.map((p) => (p.source === 'dictionary' ? 'train' : split.get(p.articleId)!));
  const columns: Columns = {
    pair_id: col((p) => p.pairId),
    split: splits,
    source: col((p) => p.source),
    direction: col((p) => (p.questionLang === p.passageLang ? 'mono' : 'cross')),
    question_id: col((p) => p.questionId),
    question_lang: col((p) => p.questionLang),
    question: col((p) => p.question),
    passage_id: col((p) => p.passageId),
    passage_lang: col((p) => p.passageLang),
    passage: col((p) => p.passage),
    article_id: col((p) => p.articleId),
    answer: col((p) => p.answer),
    answer_in_passage: col((p) => p.answerInPassage),
  };

  const byLanguagePair: Record<string, number> = {};
  const byDirection = { mono: 0, cross: 0 };
  const bySplit = { train: emptySplit(), dev: emptySplit() };
  const idsBySplit = { train: new Set<string>(), dev: new Set<string>() };
  const articlesBySplit = { train: new Set<string>(), dev: new Set<string>() };
  let answerNotInPassage = 0;
  all.forEach((p, i) => {
    const s = splits[i] as 'train' | 'dev';
    bySplit[s].pairs++;
    byDirection[p.questionLang === p.passageLang ? 'mono' : 'cross']++;
    if (p.source !== 'qa') return;
    bySplit[s].qaPairs++;
    idsBySplit[s].add(p.questionId);
    articlesBySplit[s].add(p.articleId);
    const key = `${p.questionLang}-${p.passageLang}`;
    byLanguagePair[key] = (byLanguagePair[key] ?? 0) + 1;
    if (!p.answerInPassage) answerNotInPassage++;
  });
  for (const s of ['train', 'dev'] as const) {
    bySplit[s].questionIds = idsBySplit[s].size;
    bySplit[s].articles = articlesBySplit[s].size;
  }
  return {
    columns,
    report: {
      rows: n,
      bySource: { qa: qa.length, dictionary: dict.length },
      byDirection,
      directions: Object.keys(byLanguagePair).length,
      byLanguagePair: Object.fromEntries(Object.entries(byLanguagePair).sort(([a], [b]) => cmp(a, b))),
      bySplit,
      answerNotInPassage,
      dictionary,
    },
    questionIds: new Set(qa.map((p) => p.questionId)),
  };
}

function dictPair(lang: Lang, line: number, qLang: Lang, q: string, pLang: Lang, p: string): PairRow {
  return {
    pairId: `muse:${lang}:${line}:${qLang}-${pLang}`,
    source: 'dictionary',
    questionId: `muse:${qLang}:${q}`,
    questionLang: qLang,
    question: q,
    passageId: `muse:${pLang}:${p}`,
    passageLang: pLang,
    passage: p,
    articleId: `muse:${lang}`,
    answer: null,
    answerInPassage: true,
  };
}

function emptySplit(): SplitStats {
  return { pairs: 0, qaPairs: 0, questionIds: 0, articles: 0 };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
