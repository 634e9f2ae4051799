// The batches stage's params: every field has a default, so `{}` is the default study (hybrid batches of 128, seed 0).
import { z } from 'zod';

export const BatchesParams = z.object({
  strategy: z.enum(['mono', 'cross', 'hybrid']).default('hybrid').describe('which pairs a batch may hold'),
  batchSize: z.number().int().min(8).max(4096).default(128),
  alpha: z.number().min(0).max(1).default(0.5).describe('hybrid: probability that a batch is monolingual'),
  epochs: z.number().int().min(1).max(1000).default(2).describe("epochs of the strategy's batches (after any warm-up)"),
  dictionary: z
    .enum(['warmup', 'mixed'])
    .default('warmup')
    .describe(
      'dictionary pairs: "warmup" trains on them first, in cross-lingual batches shared by every strategy, then on the QA pairs in the strategy\'s batches; "mixed" puts them in the cross-lingual pool with the QA pairs (so mono batches never see them)',
    ),
  warmupEpochs: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(1)
    .describe('dictionary "warmup": epochs over the dictionary pairs'),
  dropLast: z.boolean().default(true).describe('drop the last partial batch of each pool in each epoch'),
  split: z.enum(['train', 'dev']).default('train'),
  seed: z.number().int().default(0),
});

export type BatchesParams = z.output<typeof BatchesParams>;
