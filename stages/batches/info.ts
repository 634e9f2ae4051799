// What a batches artifact was built with: the summary the stage commits in its manifest, and how a consumer (train,
// export) reads it back from an artifact reference.
import type { ArtifactRef } from '../../pipelines/engine/index.ts';
import type { BatchesParams } from './params.ts';
import type { SamplerStats } from './sampler.ts';

/** The manifest summary: what a reader of the batches needs to judge them without opening the files. */
export interface BatchesSummary {
  [key: string]: unknown;
  rows: { batches: number; composition: number };
  strategy: BatchesParams['strategy'];
  batchSize: number;
  alpha: number;
  epochs: number;
  dictionary: BatchesParams['dictionary'];
  /** Warm-up epochs that ran: 0 with dictionary "mixed" or when the pairs have no dictionary rows. */
  warmupEpochs: number;
  dropLast: boolean;
  split: BatchesParams['split'];
  seed: number;
  batchCount: number;
  /** Sampler counts: eligible rows and batches per kind, rows deferred, short batches, dropped last partials. */
  sampler: SamplerStats;
  /** Rows per question language and per passage language, over all batches. */
  questionLanguages: Record<string, number>;
  passageLanguages: Record<string, number>;
  dictionaryRows: number;
  distinctQuestions: number;
}

/**
 * What a batches artifact was built with (strategy, batch size, seed...), from the summary the stage committed
 * with it; null for a plain folder handed to `runStage` in tests, which has no manifest summary.
 */
export function batchesInfo(ref: ArtifactRef): BatchesSummary | null {
  const summary = ref.manifest.summary as BatchesSummary | null;
  if (ref.manifest.stage !== 'batches') {
    if (summary === null) return null;
    throw new Error(`artifact ${ref.stage}/${ref.fingerprint} (node ${ref.node}) is not a batches artifact`);
  }
  if (!summary || typeof summary.strategy !== 'string' || typeof summary.batchSize !== 'number') {
    throw new Error(
      `artifact ${ref.stage}/${ref.fingerprint} (node ${ref.node}): its manifest has no batches summary (strategy, batchSize, seed)`,
    );
  }
  return summary;
}
