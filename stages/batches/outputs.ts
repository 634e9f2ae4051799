// What the batches stage writes: the training rows in batch order and one composition row per batch, each as
// Arrow (the training loop) and Parquet (everyone else).
import { declareOutputs, type ArtifactRef } from '../../pipelines/engine/index.ts';
import { batchesSchema, compositionSchema } from './schema.ts';
import type { BatchesSummary } from './index.ts';

export const BATCHES_OUTPUTS = declareOutputs('batches', {
  batches: { path: 'batches.arrow', kind: 'arrow', schema: batchesSchema, description: batchesSchema.description },
  batchesParquet: {
    path: 'batches.parquet',
    kind: 'parquet',
    schema: batchesSchema,
    description: batchesSchema.description,
  },
  composition: {
    path: 'composition.arrow',
    kind: 'arrow',
    schema: compositionSchema,
    description: compositionSchema.description,
  },
  compositionParquet: {
    path: 'composition.parquet',
    kind: 'parquet',
    schema: compositionSchema,
    description: compositionSchema.description,
  },
});

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
