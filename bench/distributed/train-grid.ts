// The grid `npm run bench -- distributed` runs on each executor: one synthetic batches artifact and four real
// trainings (loss × seed; cpu backend, small model, 160 steps), small enough for a few minutes in all.
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { definePipeline, defineStage } from '../../pipelines/engine/index.ts';
import { BATCHES_OUTPUTS } from '../../stages/batches/index.ts';
import { trainStage } from '../../stages/train/index.ts';
import { SMALL, syntheticBatches } from '../../test/train/fixture.ts';

const batchesStage = defineStage({
  // Named and shaped like the batches stage (its table outputs, its summary's fields), so train takes it as such.
  name: 'batches',
  version: 1,
  description: 'seeded synthetic training batches',
  outputs: { batches: BATCHES_OUTPUTS.batches, batchesParquet: BATCHES_OUTPUTS.batchesParquet },
  params: z.object({ batches: z.number().int().min(1).default(160), size: z.number().int().min(2).default(16), seed: z.number().int().default(1) }),
  sourceDir: new URL('./train-grid.ts', import.meta.url),
  extraSources: [new URL('../../test/train/fixture.ts', import.meta.url)],
  async run(ctx) {
    const dir = await syntheticBatches(ctx.params.batches, ctx.params.size, ctx.seed);
    for (const name of await readdir(dir)) await copyFile(join(dir, name), join(ctx.outDir, name));
    const { batches, size } = ctx.params;
    return { rows: { batches: batches * size, composition: 0 }, strategy: 'hybrid', batchSize: size, alpha: 0.5, epochs: 2, seed: ctx.seed, batchCount: batches };
  },
});

export default definePipeline({
  name: 'bench-train-grid',
  description: 'synthetic batches → train × (loss {infonce, albef} × seed {0, 1})',
  nodes: {
    batches: { stage: batchesStage },
    train: { stage: trainStage, params: { ...SMALL, queueSize: 32, checkpointEvery: 0 }, inputs: { batches: 'batches' } },
  },
  sweeps: { 'train.loss': ['infonce', 'albef'], 'train.seed': [0, 1] },
});
