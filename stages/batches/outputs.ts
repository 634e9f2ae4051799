// What the batches stage writes: the training rows in batch order and one composition row per batch, each as
// Arrow (the training loop) and Parquet (everyone else).
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { batchesSchema, compositionSchema } from './schema.ts';

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
