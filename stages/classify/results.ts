// What the stage measures per retriever, as plain data shared by the writers (Parquet, JSON, Markdown).
import type { RetrieverInfo } from '../score/index.ts';
import type { TransferSummary } from './metrics.ts';

export type ClassifyDataset = 'xnli' | 'mldoc';

export interface LanguageAccuracy {
  language: string;
  accuracy: number;
  examples: number;
  unlabelled: number;
}

/**
 * An attacked evaluation of one language's sample, counted as TextAttack does: only rows the probe gets right on
 * clean input are attacked; accuracy under attack is (attacked − successful) / examples.
 */
export interface AttackOutcome {
  language: string;
  /** Sampled rows (all labelled). */
  examples: number;
  /** Rows the probe got right on the clean sample: the ones attacked (clean accuracy = attacked / examples). */
  attacked: number;
  /** Attacked rows whose prediction flipped away from the gold label. */
  successful: number;
  /** Attacked rows the recipe could not edit (no editable word): failed attacks. */
  unchanged: number;
  /** Rows the probe already got wrong: not attacked. */
  skipped: number;
  /** Model calls (one call scores a list of texts) summed over the attacked rows: greedy only, else 0. */
  modelCalls: number;
}

export interface DatasetResult {
  dataset: ClassifyDataset;
  recipe: string;
  byLanguage: LanguageAccuracy[];
  summary: TransferSummary;
  /** Present for attacked recipes. */
  attack?: AttackOutcome[];
}

export interface ProbeReport {
  dataset: ClassifyDataset;
  epochs: number;
  bestEpoch: number;
  heldOutAccuracy: number;
  heldOutLoss: number;
  trainRows: number;
  heldOutRows: number;
}

export interface RetrieverResult {
  info: RetrieverInfo | (Omit<RetrieverInfo, 'kind'> & { kind: 'lexical' });
  results: DatasetResult[];
  probes: ProbeReport[];
  seconds: number;
}
