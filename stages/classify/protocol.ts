// The zero-shot protocol, independent of where features come from: train the probe on English, stop early on an
// English held-out set, evaluate in every language. XNLI classifies sentence pairs (part A / part B of the premise
// split), MLDoc single documents (english.train.N / english.dev / <language>.test). Every distinct text of a task
// is embedded once per retriever.
import { trainClassifier, predict, type Classifier, type ClassifierOptions, type LabelledSet } from './classifier.ts';
import { pairFeatures, singleFeatures, TextIndex, type TextFeaturizer } from './features.ts';
import { accuracy, transferSummary } from './metrics.ts';
import type { MldocFile } from './mldoc.ts';
import type { DatasetResult, LanguageAccuracy, ProbeReport } from './results.ts';
import type { PremiseSplit } from './split.ts';
import { NLI_LABELS, NO_LABEL, type XnliFile } from './xnli.ts';
import { MLDOC_LABELS } from './mldoc.ts';

export const SOURCE_LANGUAGE = 'en';

export type ProbeOptions = Omit<ClassifierOptions, 'classes' | 'stream'>;

/** Rows of one evaluation language: text slots and gold labels (NO_LABEL rows are skipped by `accuracy`). */
export interface EvalRows {
  language: string;
  /** Row numbers in the source file (XNLI: the aligned line index), for the attack to find its texts. */
  rows: Int32Array;
  first: Int32Array;
  /** XNLI: the hypotheses; empty for single-text tasks. */
  second: Int32Array | null;
  gold: Int32Array;
}

interface TrainRows {
  first: Int32Array;
  second: Int32Array | null;
  y: Int32Array;
}

export interface Task {
  dataset: 'xnli' | 'mldoc';
  classes: number;
  index: TextIndex;
  train: TrainRows;
  heldOut: TrainRows;
  test: EvalRows[];
}

function labelledRows(rows: Int32Array, label: ArrayLike<number>): Int32Array {
  return rows.filter((r) => label[r] !== NO_LABEL);
}

/** XNLI: part A's English rows (labelled ones) train and hold out; part B's rows in every language evaluate. */
export function xnliTask(files: readonly XnliFile[], split: PremiseSplit): Task {
  const en = files.find((f) => f.lang === SOURCE_LANGUAGE);
  if (!en) throw new Error(`classify: XNLI languages must include ${SOURCE_LANGUAGE}, the probe's training language`);
  const index = new TextIndex();
  const trainRows = (rows: Int32Array): TrainRows => {
    const kept = labelledRows(rows, en.label);
    return {
      first: index.slotsOf(en.premise, kept),
      second: index.slotsOf(en.hypothesis, kept),
      y: Int32Array.from(kept, (r) => en.label[r]),
    };
  };
  const train = trainRows(split.train);
  const heldOut = trainRows(split.heldOut);
  const test = files.map((f) => ({
    language: f.lang,
    rows: split.test,
    first: index.slotsOf(f.premise, split.test),
    second: index.slotsOf(f.hypothesis, split.test),
    gold: Int32Array.from(split.test, (r) => f.label[r]),
  }));
  return { dataset: 'xnli', classes: NLI_LABELS.length, index, train, heldOut, test };
}

/** MLDoc: english.train.N trains, english.dev holds out, each <language>.test evaluates. */
export function mldocTask(
  train: MldocFile,
  dev: MldocFile,
  tests: readonly { language: string; file: MldocFile }[],
): Task {
  const index = new TextIndex();
  const all = (f: MldocFile): Int32Array => Int32Array.from({ length: f.texts.length }, (_, i) => i);
  const rows = (f: MldocFile): TrainRows => ({ first: index.slotsOf(f.texts, all(f)), second: null, y: f.labels });
  return {
    dataset: 'mldoc',
    classes: MLDOC_LABELS.length,
    index,
    train: rows(train),
    heldOut: rows(dev),
    test: tests.map(({ language, file }) => ({
      language,
      rows: all(file),
      first: index.slotsOf(file.texts, all(file)),
      second: null,
      gold: file.labels,
    })),
  };
}

/** Features of rows from the task's text vectors. */
export function featuresOf(
  vectors: Float32Array,
  dim: number,
  first: Int32Array,
  second: Int32Array | null,
): Float32Array {
  return second ? pairFeatures(vectors, dim, first, second) : singleFeatures(vectors, dim, first);
}

export interface TaskOutcome {
  result: DatasetResult;
  probe: ProbeReport;
  classifier: Classifier;
  /** Vectors of task.index.texts, [texts × featurizer.dim]. */
  vectors: Float32Array;
  /** Clean predictions per test language (same order as task.test). */
  predictions: Int32Array[];
}

export async function runTask(
  task: Task,
  featurizer: TextFeaturizer,
  probe: ProbeOptions,
  retrieverLanguages: readonly string[] | null,
  stream: string,
): Promise<TaskOutcome> {
  const dim = featurizer.dim;
  const vectors = await featurizer.vectors(task.index.texts);
  const set = (rows: TrainRows): LabelledSet => ({ x: featuresOf(vectors, dim, rows.first, rows.second), y: rows.y });
  const featureDim = task.train.second ? 4 * dim : dim;
  const classifier = await trainClassifier(set(task.train), set(task.heldOut), featureDim, {
    ...probe,
    classes: task.classes,
    stream,
  });
  const predictions: Int32Array[] = [];
  const byLanguage: LanguageAccuracy[] = task.test.map((t) => {
    const predicted = predict(classifier, featuresOf(vectors, dim, t.first, t.second));
    predictions.push(predicted);
    const a = accuracy(predicted, t.gold);
    return { language: t.language, accuracy: a.accuracy, examples: a.examples, unlabelled: a.unlabelled };
  });
  return {
    result: { dataset: task.dataset, recipe: 'clean', byLanguage, summary: summaryOf(byLanguage, retrieverLanguages) },
    probe: {
      dataset: task.dataset,
      epochs: classifier.epochs,
      bestEpoch: classifier.bestEpoch,
      heldOutAccuracy: classifier.heldOutAccuracy,
      heldOutLoss: classifier.heldOutLoss,
      trainRows: task.train.y.length,
      heldOutRows: task.heldOut.y.length,
    },
    classifier,
    vectors,
    predictions,
  };
}

export function summaryOf(byLanguage: readonly LanguageAccuracy[], retrieverLanguages: readonly string[] | null) {
  return transferSummary(
    Object.fromEntries(byLanguage.map((l) => [l.language, l.accuracy])),
    SOURCE_LANGUAGE,
    retrieverLanguages,
  );
}
