// Forty instances that each write one small file: what a job costs the distributed executor beyond the work.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { definePipeline, defineStage } from '../../pipelines/engine/index.ts';

const tiny = defineStage({
  name: 'tiny',
  version: 1,
  description: 'writes its param',
  params: z.object({ value: z.number().int().default(0) }),
  sourceDir: new URL('./noop-grid.ts', import.meta.url),
  async run(ctx) {
    await writeFile(join(ctx.outDir, 'value.txt'), String(ctx.params.value));
    return { rows: { values: 1 } };
  },
});

export default definePipeline({
  name: 'bench-noop-grid',
  description: '40 independent one-file instances',
  nodes: { tiny: { stage: tiny } },
  sweeps: { 'tiny.value': Array.from({ length: 40 }, (_, i) => i) },
});
