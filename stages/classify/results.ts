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

/** An attacked evaluation: per language, what the recipe did to the rows the probe got right. */
export interface AttackOutcome {
  language: string;
  /** Rows the probe got right on clean input (TextAttack attacks only those). */
  attacked: number;
  /** Of those, rows whose prediction changed. */
  successful: number;
  /** Rows left as they were (the probe was already wrong, or the recipe could not change the text). */
  skipped: number;
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
