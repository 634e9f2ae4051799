// Accuracy and the zero-shot transfer summaries, as plain functions of predictions and gold labels so they can be
// checked on hand-made cases. Rows whose gold label is missing (NO_LABEL) are skipped and counted, never scored.
import { NO_LABEL } from './xnli.ts';

export interface Accuracy {
  accuracy: number;
  correct: number;
  /** Rows scored. */
  examples: number;
  /** Rows without a gold label. */
  unlabelled: number;
}

export function accuracy(predicted: ArrayLike<number>, gold: ArrayLike<number>): Accuracy {
  if (predicted.length !== gold.length)
    throw new Error(`accuracy: ${predicted.length} predictions for ${gold.length} gold labels`);
  let correct = 0;
  let examples = 0;
  let unlabelled = 0;
  for (let i = 0; i < gold.length; i++) {
    if (gold[i] === NO_LABEL) {
      unlabelled++;
      continue;
    }
    examples++;
    if (predicted[i] === gold[i]) correct++;
  }
  return { accuracy: examples > 0 ? correct / examples : Number.NaN, correct, examples, unlabelled };
}

/** The aggregate rows of one retriever on one dataset. */
export interface TransferSummary {
  /** Accuracy in the classifier's training language. */
  source: number;
  /** Equal-weight mean over every evaluated language. */
  macro: number;
  /** Equal-weight mean over the languages other than the source (zero-shot for the classifier). */
  zeroShot: number;
  /** source − zeroShot. */
  gap: number;
  /**
   * zero-shot languages the retriever was trained on, and the others; null when that is unknown or the group is empty.
   */
  seen: number | null;
  unseen: number | null;
  seenLanguages: string[];
  unseenLanguages: string[];
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * `byLanguage` must hold the source language and at least one other. `retrieverLanguages`: the retriever's
 * training languages (the pairs report's trainLanguages), or null for "unknown" (then seen/unseen are null).
 */
export function transferSummary(
  byLanguage: Record<string, number>,
  source: string,
  retrieverLanguages: readonly string[] | null,
): TransferSummary {
  const langs = Object.keys(byLanguage);
  if (!(source in byLanguage)) throw new Error(`transfer summary: no accuracy for the source language ${source}`);
  const others = langs.filter((l) => l !== source);
  if (others.length === 0) throw new Error(`transfer summary: only the source language ${source} was evaluated`);
  const zeroShot = mean(others.map((l) => byLanguage[l]));
  const seenLanguages = retrieverLanguages ? others.filter((l) => retrieverLanguages.includes(l)) : [];
  const unseenLanguages = retrieverLanguages ? others.filter((l) => !retrieverLanguages.includes(l)) : [];
  const group = (list: string[]): number | null => (list.length > 0 ? mean(list.map((l) => byLanguage[l])) : null);
  return {
    source: byLanguage[source],
    macro: mean(langs.map((l) => byLanguage[l])),
    zeroShot,
    gap: byLanguage[source] - zeroShot,
    seen: group(seenLanguages),
    unseen: group(unseenLanguages),
    seenLanguages,
    unseenLanguages,
  };
}
