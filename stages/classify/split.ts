// The XNLI dev split of the zero-shot protocol, by premise: each premise comes with three hypotheses (one per
// label), and a premise seen in training would leak into evaluation, so a premise's rows always stay together.
// Part A (English only) trains the classifier and holds some premises out for early stopping; part B is evaluated
// in every language (the files are aligned, so one split of row indices serves all of them).
import { createRng, shuffleInPlace } from '../common/random.ts';

export interface PremiseSplit {
  /** Row indices, ascending: part A minus its held-out premises (classifier training, English). */
  train: Int32Array;
  /** Row indices, ascending: part A's held-out premises (early stopping, English). */
  heldOut: Int32Array;
  /** Row indices, ascending: part B (evaluation, every language). */
  test: Int32Array;
  premises: { train: number; heldOut: number; test: number };
}

export interface SplitOptions {
  seed: number;
  /** Share of the premises in part B. */
  testShare: number;
  /** Share of part A's premises held out for early stopping. */
  heldOutShare: number;
}

/**
 * Splits rows by `premiseKey[i]` (the English premise: translations of one premise may coincide in another
 * language). Groups are shuffled with the seed's `classify/split` stream; part B takes the first
 * round(G × testShare) of them, the held-out part round(A × heldOutShare) of the rest. Each part keeps at least one
 * premise, so a too-small input is an error rather than an empty part.
 */
export function splitByPremise(premiseKey: readonly string[], opts: SplitOptions): PremiseSplit {
  for (const [name, share] of [
    ['testShare', opts.testShare],
    ['heldOutShare', opts.heldOutShare],
  ] as const) {
    if (!(share > 0 && share < 1)) throw new RangeError(`${name} must be in (0, 1), got ${share}`);
  }
  const groupOf = new Map<string, number>();
  const rowsOf: number[][] = [];
  premiseKey.forEach((key, row) => {
    let g = groupOf.get(key);
    if (g === undefined) {
      g = rowsOf.length;
      groupOf.set(key, g);
      rowsOf.push([]);
    }
    rowsOf[g].push(row);
  });
  const groups = rowsOf.length;
  const nTest = Math.round(groups * opts.testShare);
  const nHeldOut = Math.round((groups - nTest) * opts.heldOutShare);
  const nTrain = groups - nTest - nHeldOut;
  if (nTest < 1 || nHeldOut < 1 || nTrain < 1) {
    throw new Error(
      `cannot split ${groups} premises into train/held-out/test with testShare ${opts.testShare} and heldOutShare ${opts.heldOutShare}: a part would be empty`,
    );
  }
  const order = shuffleInPlace(
    Int32Array.from({ length: groups }, (_, i) => i),
    createRng(opts.seed, 'classify/split'),
  );
  const rows = (from: number, to: number): Int32Array =>
    Int32Array.from(Array.from(order.subarray(from, to)).flatMap((g) => rowsOf[g])).sort();
  return {
    test: rows(0, nTest),
    heldOut: rows(nTest, nTest + nHeldOut),
    train: rows(nTest + nHeldOut, groups),
    premises: { train: nTrain, heldOut: nHeldOut, test: nTest },
  };
}
