// Engine overhead: a no-op rerun of a 7-stage graph with 20 sweep branches, and the cost of a cache hit on a
// 1 GiB artifact (a manifest read) against rehashing it (what `verify` does, and what a naive cache would do).
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { definePipeline, type NodeSpec } from '../pipelines/engine/pipeline.ts';
import { defineStage } from '../pipelines/engine/stage.ts';
import { openProject, runPipeline, verify } from '../pipelines/engine/operations.ts';
import { PlainReporter } from '../pipelines/engine/reporter.ts';
import { peakRssMiB, type Bench } from './harness.ts';

const quiet = new PlainReporter({ write: () => true });
const sourceDir = new URL('./engine.bench.ts', import.meta.url);

const step = (name: string) =>
  defineStage({
    name,
    version: 1,
    description: `bench step ${name}`,
    params: z.object({ value: z.number().default(0) }),
    inputs: name === 's1' ? [] : ['prev'],
    sourceDir,
    async run(ctx) {
      await writeFile(join(ctx.outDir, 'out.txt'), `${name}:${ctx.params.value}`);
      return { rows: { out: 1 } };
    },
  });

const big = defineStage({
  name: 'big',
  version: 1,
  description: 'writes a large file',
  params: z.object({ gib: z.number().default(1) }),
  sourceDir,
  async run(ctx) {
    const handle = await open(join(ctx.outDir, 'big.bin'), 'w');
    const chunk = Buffer.alloc(16 << 20, 7);
    for (let written = 0; written < ctx.params.gib * 2 ** 30; written += chunk.length) await handle.write(chunk);
    await handle.close();
    return {};
  },
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

const bench: Bench = async () => {
  const root = await mkdtemp(join(tmpdir(), 'hxlr-bench-engine-'));
  const project = openProject(root);
  const names = ['s1', 's2', 's3', 's4', 's5', 's6', 's7'];
  const chain = definePipeline({
    name: 'chain',
    description: '7 stages, 20 branches from s3 on',
    nodes: Object.fromEntries(
      names.map((n, i): [string, NodeSpec] => [n, { stage: step(n), inputs: i === 0 ? {} : { prev: names[i - 1] } }]),
    ),
    sweeps: { 's3.value': Array.from({ length: 20 }, (_, i) => i) },
  });
  const [cold, coldMs] = await timed(() => runPipeline(project, chain, { reporter: quiet, jobs: 2 }));
  const instances = cold.results.size;
  const noop: number[] = [];
  for (let i = 0; i < 5; i++) noop.push((await runPipeline(project, chain, { reporter: quiet })).engineMs);

  const gib = Number(process.env.HXLR_BENCH_GIB ?? 1);
  const single = definePipeline({
    name: 'big',
    description: '1 GiB artifact',
    nodes: { big: { stage: big, params: { gib } } },
  });
  const [, buildMs] = await timed(() => runPipeline(project, single, { reporter: quiet }));
  const hits: number[] = [];
  for (let i = 0; i < 5; i++) hits.push((await runPipeline(project, single, { reporter: quiet })).engineMs);
  const [, verifyMs] = await timed(() => verify(project));
  await rm(root, { recursive: true, force: true });

  return {
    id: 'engine',
    title: 'Engine overhead (no work to do) and cache-hit cost',
    columns: ['case', 'instances', 'ms (median of 5)', 'peer', 'peer ms'],
    rows: [
      {
        case: 'no-op rerun, 7 stages × 20 branches',
        instances,
        'ms (median of 5)': median(noop),
        peer: 'cold run (all stages run)',
        'peer ms': coldMs,
      },
      {
        case: `cache hit, ${gib} GiB artifact`,
        instances: 1,
        'ms (median of 5)': median(hits),
        peer: 'rehash (verify)',
        'peer ms': verifyMs,
      },
    ],
    notes: [
      `engine time = wall time of runPipeline minus time inside stages; goal: no-op rerun < 1000 ms`,
      `building the ${gib} GiB artifact (write + hash at commit) took ${Math.round(buildMs)} ms`,
      `a hit reads manifest.json only; rehashing is what verify does on demand`,
      `peak RSS ${peakRssMiB()} MiB`,
    ],
  };
};

export default bench;
