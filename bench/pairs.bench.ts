// Benchmark for stages/pairs: pairs/s of the whole stage (runStage: parse + split + join + Arrow/Parquet writes) and
// of its parallel phase alone (the worker pool over input files), with 1 and 2 workers, on the MLQA-dev study
// (49 files → 15,747 pairs, + XQuAD-R eval) and the XQuAD study (11 languages → 143,990 pairs, + MLQA-R eval).
// Inputs are copied from ../shared/datasets into a temp folder laid out like the download stage's artifact.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactRef } from '../pipelines/engine/artifact-ref.ts';
import { hashFolderFiles } from '../pipelines/engine/hashing.ts';
import { runStage } from '../pipelines/engine/testing.ts';
import { pairsStage, planTasks, PairsParams } from '../stages/pairs/index.ts';
import { runTasks } from '../stages/pairs/pool.ts';
import { type BenchResult, peakRssMiB } from './harness.ts';

const SHARED = fileURLToPath(new URL('../../shared/datasets/', import.meta.url));
const STUDIES = [
  { name: 'mlqa-dev → xquad-r', params: {} },
  {
    name: 'xquad (11 langs) → mlqa-r',
    params: {
      train: 'xquad',
      eval: 'mlqa-r',
      trainLanguages: ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'],
    },
  },
] as const;

export default async function bench(): Promise<BenchResult> {
  const raw = await mkdtemp(join(tmpdir(), 'hxlr-pairs-bench-'));
  const pairs = [
    ['mlqa/dev', 'mlqa-dev'],
    ['xquad-r', 'xquad-r'],
    ['mlqa-r', 'mlqa-r'],
    ['muse-dictionaries', 'muse'],
  ];
  for (const [from, to] of pairs) await cp(join(SHARED, from), join(raw, to), { recursive: true });
  const ref = artifactRef('raw#0', raw, {
    format: 1,
    stage: 'raw',
    node: 'raw#0',
    fingerprint: 'bench',
    record: { format: 1, stage: 'raw', version: 0, code: {}, params: {}, seed: null, inputs: {}, files: {}, env: {} },
    files: await hashFolderFiles(raw),
    rows: {},
    timings: { startedAt: '', finishedAt: '', seconds: 0 },
    environment: {},
    summary: null,
  });

  const rows: BenchResult['rows'] = [];
  try {
    for (const study of STUDIES) {
      const base: Record<string, number> = {};
      for (const workers of [1, 2]) {
        // Parallel phase alone: the same tasks the stage plans, on the pool (best of 2).
        const params = PairsParams.parse({ ...study.params, workers });
        const { qaTasks, museTasks, evalTasks } = planTasks(params, ref);
        const tasks = [...qaTasks, ...museTasks, ...evalTasks];
        let poolS = Infinity;
        for (let rep = 0; rep < 2; rep++) {
          const t0 = performance.now();
          await runTasks(tasks, { workers });
          poolS = Math.min(poolS, (performance.now() - t0) / 1000);
        }
        const outDir = await mkdtemp(join(tmpdir(), 'hxlr-pairs-bench-out-'));
        const t0 = performance.now();
        const { summary } = await runStage(pairsStage, {
          params: { ...study.params, workers },
          inputs: { raw },
          outDir,
        });
        const stageS = (performance.now() - t0) / 1000;
        await rm(outDir, { recursive: true, force: true });
        const n = summary.rows.pairs;
        if (workers === 1) Object.assign(base, { poolS, stageS });
        rows.push({
          study: study.name,
          workers,
          files: tasks.length,
          pairs: n,
          'pool s': round(poolS, 2),
          'pool pairs/s': Math.round(n / poolS),
          'pool speed-up': round(base.poolS / poolS, 2),
          'stage s': round(stageS, 2),
          'stage pairs/s': Math.round(n / stageS),
          'stage speed-up': round(base.stageS / stageS, 2),
        });
      }
    }
  } finally {
    await rm(raw, { recursive: true, force: true });
  }
  return {
    id: 'pairs',
    title: 'pairs stage: pairs/s with 1 and 2 workers',
    columns: [
      'study',
      'workers',
      'files',
      'pairs',
      'pool s',
      'pool pairs/s',
      'pool speed-up',
      'stage s',
      'stage pairs/s',
      'stage speed-up',
    ],
    rows,
    notes: [
      `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, availableParallelism ${availableParallelism()}, Node ${process.versions.node}`,
      'pool = worker pool over input files only (read + parse + validate + sentence split + pack), best of 2; stage = runStage end to end (input hashing by the test harness, pool, join, split, Arrow+Parquet writes incl. fsync, report).',
      'Stage pairs/s counts output pairs; the eval side (13k/20k candidates, 13k/4k queries) is built and written in the same run.',
      `peak RSS ${peakRssMiB()} MiB`,
    ],
  };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
