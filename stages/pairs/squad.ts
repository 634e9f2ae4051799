// Parse and validate SQuAD-format files (MLQA dev, XQuAD, and LAReQA's -R files with `sentences`/`sentence_breaks`).
// Structural problems throw a SquadFormatError naming the file and the JSON path; data problems a researcher should
// see but that do not make the file unreadable (answers off their `answer_start`, empty contexts, Sentence texts that
// differ from their context slice) are returned as counts with examples, so the stage can report them.
import type { Span } from './sentences.ts';

export interface SquadAnswer {
  text: string;
  /** UTF-16 offset into `context` (equal to the dataset's code-point offsets: no context leaves the BMP). */
  answerStart: number;
}
export interface SquadQa {
  id: string;
  question: string;
  answers: SquadAnswer[];
}
export interface SquadParagraph {
  /** Kept verbatim, U+FEFF included: `answer_start` counts it. */
  context: string;
  qas: SquadQa[];
  /** LAReQA's annotation (-R files only): sentence texts and their `[start, end)` offsets. */
  sentences?: string[];
  sentenceBreaks?: Span[];
}
export interface SquadArticle {
  title: string;
  paragraphs: SquadParagraph[];
}

/** A problem found in one place of one file: enough to find it again. */
export interface SquadExample {
  path: string;
  id?: string;
  detail: string;
}
export interface SquadIssues {
  /** Answers whose `text` is not at `answer_start` in the context (kept out of pairs, reported). */
  answerMismatches: number;
  /** Questions with an empty `answers` list. */
  unanswered: number;
  /** Paragraphs whose context is empty or blank (their questions are dropped). */
  emptyContexts: number;
  /** Questions dropped because their paragraph's context is empty. */
  questionsInEmptyContexts: number;
  /** -R files: sentences whose text differs from `context.slice(start, end)` (2 in xquad-r/tr.json). */
  sentenceTextMismatches: number;
  /** Up to 5 examples of each kind above. */
  examples: SquadExample[];
}

export interface SquadFile {
  file: string;
  version: string;
  articles: SquadArticle[];
  issues: SquadIssues;
  questions: number;
}

export class SquadFormatError extends Error {
  constructor(
    readonly file: string,
    readonly jsonPath: string,
    readonly expected: string,
  ) {
    super(`${file}: ${jsonPath}: ${expected}`);
    this.name = 'SquadFormatError';
  }
}

export interface ParseOptions {
  /** Require LAReQA's `sentences` and `sentence_breaks` on every paragraph. */
  requireSentences?: boolean;
}

const MAX_EXAMPLES = 5;

/** Parse `text` (the contents of `file`, a name used only in messages). */
export function parseSquad(text: string, file: string, options: ParseOptions = {}): SquadFile {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new SquadFormatError(file, '$', `not valid JSON (${(err as Error).message})`);
  }
  const fail = (path: string, expected: string): never => {
    throw new SquadFormatError(file, path, expected);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(path, `expected object, got ${kind(v)}`);
  const arr = (v: unknown, path: string): unknown[] =>
    Array.isArray(v) ? v : fail(path, `expected array, got ${kind(v)}`);
  const str = (v: unknown, path: string): string =>
    typeof v === 'string' ? v : fail(path, `expected string, got ${kind(v)}`);
  const int = (v: unknown, path: string): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(path, `expected integer >= 0, got ${kind(v)}`);

  const issues = emptyIssues();
  const note = (example: SquadExample) => {
    if (issues.examples.length < MAX_EXAMPLES * 4) issues.examples.push(example);
  };

  const top = obj(root, '$');
  const version =
    top.version === undefined
      ? ''
      : typeof top.version === 'number'
        ? String(top.version)
        : str(top.version, 'version');
  const seen = new Map<string, string>();
  let questions = 0;
  const articles = arr(top.data, 'data').map((a, ai): SquadArticle => {
    const ap = `data[${ai}]`;
    const article = obj(a, ap);
    const title = str(article.title, `${ap}.title`);
    const paragraphs = arr(article.paragraphs, `${ap}.paragraphs`).map((p, pi): SquadParagraph => {
      const pp = `${ap}.paragraphs[${pi}]`;
      const para = obj(p, pp);
      const context = str(para.context, `${pp}.context`);
      const qas = arr(para.qas, `${pp}.qas`).map((q, qi): SquadQa => {
        const qp = `${pp}.qas[${qi}]`;
        const qa = obj(q, qp);
        const id = str(qa.id, `${qp}.id`);
        if (id === '') fail(`${qp}.id`, 'expected a non-empty id');
        const first = seen.get(id);
        if (first !== undefined) fail(`${qp}.id`, `duplicate id "${id}" (first at ${first})`);
        seen.set(id, qp);
        const question = str(qa.question, `${qp}.question`);
        const answers = arr(qa.answers, `${qp}.answers`).map((x, xi): SquadAnswer => {
          const xp = `${qp}.answers[${xi}]`;
          const ans = obj(x, xp);
          return { text: str(ans.text, `${xp}.text`), answerStart: int(ans.answer_start, `${xp}.answer_start`) };
        });
        return { id, question, answers };
      });
      questions += qas.length;
      const out: SquadParagraph = { context, qas };
      if (para.sentence_breaks !== undefined || para.sentences !== undefined || options.requireSentences) {
        const sentences = arr(para.sentences, `${pp}.sentences`).map((s, si) => str(s, `${pp}.sentences[${si}]`));
        const breaks = arr(para.sentence_breaks, `${pp}.sentence_breaks`).map((b, bi): Span => {
          const bp = `${pp}.sentence_breaks[${bi}]`;
          const pair = arr(b, bp);
          if (pair.length !== 2) fail(bp, `expected [start, end], got ${pair.length} numbers`);
          const start = int(pair[0], `${bp}[0]`);
          const end = int(pair[1], `${bp}[1]`);
          if (end <= start || end > context.length)
            fail(bp, `expected start < end <= context length ${context.length}, got [${start}, ${end}]`);
          return [start, end];
        });
        if (breaks.length !== sentences.length)
          fail(`${pp}.sentence_breaks`, `expected ${sentences.length} breaks (one per sentence), got ${breaks.length}`);
        breaks.forEach((b, bi) => {
          if (bi > 0 && b[0] < breaks[bi - 1][1])
            fail(`${pp}.sentence_breaks[${bi}]`, 'expected sorted, non-overlapping breaks');
          if (context.slice(b[0], b[1]) !== sentences[bi]) {
            issues.sentenceTextMismatches++;
            note({ path: `${pp}.sentences[${bi}]`, detail: 'sentence text differs from its context slice' });
          }
        });
        out.sentences = sentences;
        out.sentenceBreaks = breaks;
      }
      if (context.trim() === '') {
        issues.emptyContexts++;
        issues.questionsInEmptyContexts += qas.length;
        note({ path: `${pp}.context`, detail: `empty context (${qas.length} questions dropped)` });
        return out;
      }
      qas.forEach((qa, qi) => {
        const qp = `${pp}.qas[${qi}]`;
        const answer = qa.answers[0];
        if (!answer) {
          issues.unanswered++;
          note({ path: `${qp}.answers`, id: qa.id, detail: 'no answer' });
        } else if (context.slice(answer.answerStart, answer.answerStart + answer.text.length) !== answer.text) {
          issues.answerMismatches++;
          note({
            path: `${qp}.answers[0]`,
            id: qa.id,
            detail: `answer ${JSON.stringify(answer.text)} not at ${answer.answerStart} (found ${JSON.stringify(context.slice(answer.answerStart, answer.answerStart + answer.text.length))})`,
          });
        }
      });
      return out;
    });
    return { title, paragraphs };
  });
  return { file, version, articles, issues, questions };
}

/** Whether a question can give a gold sentence: non-empty context, an answer, and that answer where it says it is. */
export function usableAnswer(para: SquadParagraph, qa: SquadQa): SquadAnswer | undefined {
  const a = qa.answers[0];
  if (!a || para.context.trim() === '') return undefined;
  return para.context.slice(a.answerStart, a.answerStart + a.text.length) === a.text ? a : undefined;
}

export function emptyIssues(): SquadIssues {
  return {
    answerMismatches: 0,
    unanswered: 0,
    emptyContexts: 0,
    questionsInEmptyContexts: 0,
    sentenceTextMismatches: 0,
    examples: [],
  };
}

/** Sum `b` into `a` (examples prefixed with their file, capped). */
export function addIssues(a: SquadIssues, b: SquadIssues, file: string): void {
  a.answerMismatches += b.answerMismatches;
  a.unanswered += b.unanswered;
  a.emptyContexts += b.emptyContexts;
  a.questionsInEmptyContexts += b.questionsInEmptyContexts;
  a.sentenceTextMismatches += b.sentenceTextMismatches;
  for (const e of b.examples)
    if (a.examples.length < MAX_EXAMPLES * 4) a.examples.push({ ...e, path: `${file}: ${e.path}` });
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isInteger(v)) return `non-integer ${v}`;
  if (typeof v === 'number' && v < 0) return `negative ${v}`;
  return typeof v;
}
