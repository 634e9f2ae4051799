// The synthetic training inputs as pipeline stages, for pipelines that run the real train stage on tiny data (the
// distributed tests and benchmark): a batches artifact and a pairs artifact with a dev split, named and shaped like
// the real stages' outputs (their handles, the batches summary's fields) so train takes them as such.
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStage } from '../../pipelines/engine/index.ts';
import { BATCHES_OUTPUTS } from '../../stages/batches/index.ts';
import { PAIRS_OUTPUTS } from '../../stages/pairs/index.ts';
import { syntheticBatches, syntheticDev } from './fixture.ts';

async function copyInto(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) await copyFile(join(from, name), join(to, name));
}

export const syntheticBatchesStage = defineStage({
  name: 'batches',
  version: 1,
  description: 'seeded synthetic training batches',
  outputs: { batches: BATCHES_OUTPUTS.batches, batchesParquet: BATCHES_OUTPUTS.batchesParquet },
  params: z.object({
    batches: z.number().int().min(1).default(160),
    size: z.number().int().min(2).default(16),
    seed: z.number().int().default(1),
  }),
  sourceDir: new URL('./fixture-stages.ts', import.meta.url),
  extraSources: [new URL('./fixture.ts', import.meta.url)],
  async run(ctx) {
    await copyInto(await syntheticBatches(ctx.params.batches, ctx.params.size, ctx.seed), ctx.outDir);
    const { batches, size } = ctx.params;
    return {
      rows: { batches: batches * size, composition: 0 },
      strategy: 'hybrid',
      batchSize: size,
      alpha: 0.5,
      epochs: 2,
      dropLast: true,
      split: 'train',
      seed: ctx.seed,
      batchCount: batches,
    };
  },
});

export const syntheticDevStage = defineStage({
  name: 'pairs',
  version: 1,
  description: 'seeded synthetic pairs whose dev split train evaluates each epoch',
  outputs: { pairs: PAIRS_OUTPUTS.pairs, pairsParquet: PAIRS_OUTPUTS.pairsParquet },
  params: z.object({ questions: z.number().int().min(1).default(12), seed: z.number().int().default(2) }),
  sourceDir: new URL('./fixture-stages.ts', import.meta.url),
  extraSources: [new URL('./fixture.ts', import.meta.url)],
  async run(ctx) {
    await copyInto(await syntheticDev(ctx.params.questions, ctx.seed), ctx.outDir);
    return { rows: { pairs: ctx.params.questions } };
  },
});
