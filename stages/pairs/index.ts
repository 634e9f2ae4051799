// The `pairs` stage: multilingual question → sentence training pairs (MLQA dev or XQuAD, optional MUSE dictionary
// pairs) with article-level train/dev splits, and the LAReQA evaluation pool + queries (XQuAD-R or MLQA-R).
// Files are parsed and split on a worker pool; everything after is single-threaded and ordered, so the output is
// byte-identical for any worker count.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage, type ArtifactRef } from '../../pipelines/engine/index.ts';
import { DATASET_OUTPUT, DOWNLOAD_OUTPUTS } from '../download/index.ts';
import { tableBase } from '../common/table-outputs.ts';
import { TABLES_SOURCES, tablesEnv, writeTable } from '../common/tables.ts';
import { buildPairs, type PairsReport } from './build-pairs.ts';
import { buildEval, type EvalReport } from './candidates.ts';
import { LANGS, assertLang, type Lang } from './langs.ts';
import { PairsParams, alignmentLanguagesOf, evalLanguagesOf, trainLanguagesOf } from './params.ts';

export { PairsParams } from './params.ts';
import { runTasks } from './pool.ts';
import { CANDIDATES_SCHEMA, PAIRS_SCHEMA, QUERIES_SCHEMA } from './schema.ts';
import { PAIRS_OUTPUTS } from './outputs.ts';
import { agreementOf, type BreakAgreement, type BreakAgreementCounts } from './sentences.ts';
import { addIssues, emptyIssues, type SquadIssues } from './squad.ts';
import type { EvalResult, EvalTask, MuseResult, MuseTask, QaResult, QaTask, Task } from './tasks.ts';

export interface PairsReportFile {
  /** The params that decided the pairs, with the languages they resolve to. */
  params: Omit<PairsParams, 'workers'> & { trainLanguages: Lang[]; evalLanguages: Lang[] };
  train: PairsReport & { files: number; questionsRead: number; issues: SquadIssues };
  eval: EvalReport & { files: number; questionsRead: number; issues: SquadIssues };
  /**
   * Our splitter against LAReQA's sentence_breaks, per annotated dataset and language, on every annotated file read.
   */
  sentenceAgreement: Record<string, Record<string, BreakAgreement>>;
}

export interface PairsSummary {
  rows: { pairs: number; candidates: number; queries: number };
  [key: string]: unknown;
}

/** The pairs artifact's report.json (train and eval languages, counts, issues), parsed and checked where it is read. */
export async function readPairsReport(ref: ArtifactRef): Promise<PairsReportFile> {
  const path = ref.output(PAIRS_OUTPUTS.report);
  let report: PairsReportFile;
  try {
    report = JSON.parse(await readFile(path, 'utf8')) as PairsReportFile;
  } catch (error) {
    throw new Error(`${path}: not readable as JSON (${(error as Error).message})`);
  }
  // What consumers split results by; checked here so a hand-edited report fails where it is read, naming the field.
  const langs: unknown = report?.params?.trainLanguages;
  if (!Array.isArray(langs) || !langs.every((l) => typeof l === 'string'))
    throw new Error(`${path}: params.trainLanguages must be a list of language codes`);
  return report;
}

export const pairsStage = defineStage({
  name: 'pairs',
  version: 1,
  description:
    'Multilingual question→sentence training pairs (MLQA dev or XQuAD, every language direction, optional MUSE dictionary pairs, ' +
    'article-level train/dev split) and the LAReQA evaluation candidate pool and queries (XQuAD-R or MLQA-R).',
  params: PairsParams,
  inputs: { raw: [DOWNLOAD_OUTPUTS.mlqaDev, DOWNLOAD_OUTPUTS.xquadR, DOWNLOAD_OUTPUTS.mlqaR, DOWNLOAD_OUTPUTS.muse] },
  outputs: PAIRS_OUTPUTS,
  // The worker count changes the speed only: parsing is per file and everything after it is ordered.
  runtimeParams: ['workers'],
  env: () => tablesEnv(),
  sourceDir: new URL('.', import.meta.url),
  extraSources: [...TABLES_SOURCES],
  async run(ctx): Promise<PairsSummary> {
    const p = ctx.params;
    const raw = ctx.input('raw');
    checkFileNames(raw);
    const trainLangs = trainLanguagesOf(p);
    const evalLangs = evalLanguagesOf(p);
    const { qaTasks, museTasks, evalTasks } = planTasks(p, raw);
    const tasks: Task[] = [...qaTasks, ...museTasks, ...evalTasks];
    const bytes = new Map(raw.manifest.files.map((f) => [f.path, f.bytes]));
    ctx.log.info({ tasks: tasks.length, workers: p.workers, train: p.train, eval: p.eval }, 'parsing input files');
    const results = await runTasks(tasks, {
      workers: p.workers,
      signal: ctx.signal,
      weights: tasks.map((t) => bytes.get(t.file) ?? 0),
      onDone: (done, total, task) => ctx.progress(done, total + 1, task.file),
    });
    ctx.signal.throwIfAborted();
    const qaResults = results.slice(0, qaTasks.length) as QaResult[];
    const museResults = results.slice(qaTasks.length, qaTasks.length + museTasks.length) as MuseResult[];
    const evalResults = results.slice(qaTasks.length + museTasks.length) as EvalResult[];

    const built = buildPairs({
      train: p.train,
      files: qaTasks.map((t, i) => ({
        questionLang: t.questionLang,
        contextLang: t.contextLang,
        result: qaResults[i],
      })),
      muse: museTasks.map((t, i) => ({ lang: t.lang, result: museResults[i] })),
      alignmentDirections: p.alignmentDirections,
      seed: p.seed,
      devFraction: p.devFraction,
    });
    const evaluation = buildEval(
      p.eval,
      evalTasks.map((t, i) => ({ lang: t.lang, result: evalResults[i] })),
    );
    const shared = [...built.questionIds].filter((id) => evaluation.questionIds.has(id));
    if (shared.length > 0) {
      throw new Error(
        `train "${p.train}" and eval "${p.eval}" share ${shared.length} question ids (e.g. ${shared.slice(0, 3).join(', ')}): ` +
          'training and evaluation must not share a question; check params train/eval and the raw input',
      );
    }

    const trainIssues = emptyIssues();
    qaResults.forEach((r) => addIssues(trainIssues, r.issues, r.file));
    const evalIssues = emptyIssues();
    evalResults.forEach((r) => addIssues(evalIssues, r.issues, r.file));
    // Keyed by annotated dataset (xquad-r, mlqa-r), then language; a file read twice is counted once.
    const agreement = new Map<string, BreakAgreementCounts>();
    const addAgreementOf = (file: string, counts: BreakAgreementCounts | null) => {
      if (counts && !agreement.has(file)) agreement.set(file, counts);
    };
    evalResults.forEach((r) => addAgreementOf(r.file, r.agreement));
    qaResults.forEach((r) => addAgreementOf(r.file, r.agreement));
    const sentenceAgreement: Record<string, Record<string, BreakAgreement>> = {};
    for (const dataset of ['xquad-r', 'mlqa-r']) {
      for (const l of LANGS) {
        const counts = agreement.get(`${dataset}/${l}.json`);
        if (counts) (sentenceAgreement[dataset] ??= {})[l] = agreementOf(counts);
      }
    }

    ctx.progress(tasks.length, tasks.length + 1, 'writing tables');
    const [pairsW, candW, queriesW] = [
      await writeTable(tableBase(ctx.outDir, PAIRS_OUTPUTS.pairs), PAIRS_SCHEMA, built.columns),
      await writeTable(tableBase(ctx.outDir, PAIRS_OUTPUTS.candidates), CANDIDATES_SCHEMA, evaluation.candidates),
      await writeTable(tableBase(ctx.outDir, PAIRS_OUTPUTS.queries), QUERIES_SCHEMA, evaluation.queries),
    ];
    const { workers: _workers, ...outputParams } = p;
    const report: PairsReportFile = {
      params: { ...outputParams, trainLanguages: trainLangs, evalLanguages: evalLangs },
      train: {
        ...built.report,
        files: qaTasks.length,
        questionsRead: sum(qaResults.map((r) => r.questions)),
        issues: trainIssues,
      },
      eval: {
        ...evaluation.report,
        files: evalTasks.length,
        questionsRead: sum(evalResults.map((r) => r.questions)),
        issues: evalIssues,
      },
      sentenceAgreement,
    };
    await writeFile(join(ctx.outDir, PAIRS_OUTPUTS.report.path), JSON.stringify(report, null, 2) + '\n');
    ctx.progress(tasks.length + 1, tasks.length + 1, 'done');
    ctx.log.info(
      { pairs: pairsW.parquet.rows, candidates: candW.parquet.rows, queries: queriesW.parquet.rows },
      'pairs written',
    );

    return {
      rows: { pairs: pairsW.parquet.rows, candidates: candW.parquet.rows, queries: queriesW.parquet.rows },
      train: p.train,
      eval: p.eval,
      directions: built.report.directions,
      byDirection: built.report.byDirection,
      bySource: built.report.bySource,
      splits: { train: built.report.bySplit.train.pairs, dev: built.report.bySplit.dev.pairs },
      answerMismatches: trainIssues.answerMismatches + evalIssues.answerMismatches,
      emptyContexts: trainIssues.emptyContexts + evalIssues.emptyContexts,
      sentenceAgreementF1: Object.fromEntries(
        Object.entries(sentenceAgreement).map(([d, byLang]) => [
          d,
          Object.fromEntries(Object.entries(byLang).map(([l, a]) => [l, a.f1])),
        ]),
      ),
    };
  },
});

/** The files the stage reads for `p`, as pool tasks: training QA files, MUSE dictionaries, evaluation files. */
export function planTasks(
  p: PairsParams,
  raw: ArtifactRef,
): { qaTasks: QaTask[]; museTasks: MuseTask[]; evalTasks: EvalTask[] } {
  const trainLangs = trainLanguagesOf(p);
  const qaTasks: QaTask[] = [];
  if (p.train === 'mlqa-dev') {
    for (const c of trainLangs)
      for (const q of trainLangs) qaTasks.push(qaTask(raw, 'mlqa-dev', `dev-context-${c}-question-${q}.json`, q, c));
  } else {
    // XQuAD-R files hold the full XQuAD content (same contexts, questions, answers) plus annotation.
    for (const l of trainLangs) qaTasks.push(qaTask(raw, 'xquad-r', `${l}.json`, l, l));
  }
  // Dictionary pairs for the training languages, and with alignmentLanguages "all" the evaluation ones too (word
  // translations, never an evaluation question or sentence).
  const museLangs = alignmentLanguagesOf(p);
  const museTasks: MuseTask[] = museLangs.map((lang) => ({
    kind: 'muse',
    file: `muse/en-${lang}.tsv`,
    path: raw.file(DOWNLOAD_OUTPUTS.muse, `en-${lang}.tsv`),
    lang,
    max: p.alignmentMaxPerLanguage,
  }));
  const evalTasks: EvalTask[] = evalLanguagesOf(p).map((lang) => ({
    kind: 'eval',
    file: `${p.eval}/${lang}.json`,
    path: raw.file(DATASET_OUTPUT[p.eval], `${lang}.json`),
    lang,
  }));
  return { qaTasks, museTasks, evalTasks };
}

function qaTask(
  raw: ArtifactRef,
  dataset: keyof typeof DATASET_OUTPUT,
  file: string,
  questionLang: Lang,
  contextLang: Lang,
): QaTask {
  return {
    kind: 'qa',
    file: `${dataset}/${file}`,
    path: raw.file(DATASET_OUTPUT[dataset], file),
    questionLang,
    contextLang,
  };
}

/** Every dataset file name in the raw artifact must carry known language codes: a typo should fail, not vanish. */
function checkFileNames(raw: ArtifactRef): void {
  const patterns: RegExp[] = [
    /^mlqa-dev\/dev-context-([^-/]+)-question-([^-/]+)\.json$/,
    /^(?:xquad-r|mlqa-r)\/([^/]+)\.json$/,
    /^muse\/en-([^/]+)\.tsv$/,
  ];
  for (const { path } of raw.manifest.files) {
    for (const re of patterns) {
      const m = re.exec(path);
      if (m) for (const code of m.slice(1)) assertLang(code, `file name ${path}`);
    }
  }
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export { PAIRS_OUTPUTS } from './outputs.ts';
export { CANDIDATES_SCHEMA, PAIRS_SCHEMA, QUERIES_SCHEMA } from './schema.ts';
export { LANGS, XQUAD_LANGS, MLQA_LANGS, isLang } from './langs.ts';
export type { Lang } from './langs.ts';
