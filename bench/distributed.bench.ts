// The distributed executor on this machine: the wall time of a training grid (bench/distributed/train-grid.ts:
// 4 real trainings after one batches artifact) with 1 and 2 BullMQ workers, against the local executor with
// --jobs 1 and 2 in the same run, each `npm run pipeline` in a fresh process on an empty store (module loading
// included, as a user sees it); and the coordination cost per job: 40 one-file instances run serially by one warm
// worker against the local executor, in one coordinator process, divided by 40. Workers and redis-server are
// real processes, started and connected before the clock.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, startWorkerProcess, type WorkerProcess } from '../test/helpers/redis.ts';
import { cli, repoRoot } from '../test/helpers/toy-project.ts';
import { loadPipeline } from '../pipelines/engine/cli.ts';
import { BullmqExecutor } from '../pipelines/engine/executor-bullmq.ts';
import { openProject, runPipeline } from '../pipelines/engine/operations.ts';
import { PlainReporter } from '../pipelines/engine/reporter.ts';
import type { Bench } from './harness.ts';

const TRAIN = fileURLToPath(new URL('./distributed/train-grid.ts', import.meta.url));
const NOOP = fileURLToPath(new URL('./distributed/noop-grid.ts', import.meta.url));

async function freshRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-bench-dist-'));
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

interface Case {
  seconds: number;
  instances: number;
}

/** Wall time of `npm run pipeline` in a fresh process, as a user sees it: module loading included. */
async function pipelineRun(root: string, args: string[]): Promise<Case> {
  const began = performance.now();
  const run = await cli(root, ['run', ...args], { timeoutMs: 600_000 });
  const seconds = (performance.now() - began) / 1000;
  if (run.code !== 0) throw new Error(`pipeline ${args.join(' ')} failed:\n${run.stdout}${run.stderr}`);
  const counts = /(\d+) ran, (\d+) cached/.exec(run.stdout);
  return { seconds, instances: counts ? Number(counts[1]) + Number(counts[2]) : 0 };
}

async function local(pipeline: string, jobs: number): Promise<Case> {
  const root = await freshRoot();
  try {
    return await pipelineRun(root, ['--pipeline', pipeline, '--jobs', String(jobs)]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Workers are started and connected before the clock; each loads the pipeline's modules on its first job. */
async function distributed(pipeline: string, workers: number, url: string): Promise<Case> {
  const root = await freshRoot();
  const started: WorkerProcess[] = [];
  try {
    for (let i = 0; i < workers; i++) started.push(startWorkerProcess(root, url));
    await Promise.all(started.map((w) => w.waitFor(/at a time/)));
    return await pipelineRun(root, ['--pipeline', pipeline, '--executor', 'bullmq', '--redis', url]);
  } finally {
    await Promise.all(started.map((w) => w.stop()));
    await rm(root, { recursive: true, force: true });
  }
}

const quiet = new PlainReporter({ write: () => true });
const values = (from: number) => ({ sweeps: { 'tiny.value': Array.from({ length: 40 }, (_, i) => from + i) } });

/**
 * Coordination cost per job, measured inside one coordinator process so process start-up does not drown it: the
 * 40 one-file instances with the local executor, then with one warm worker (a warm-up grid ran first), serially.
 */
async function overheadPerJob(url: string): Promise<{ localMs: number; bullMs: number; jobs: number }> {
  const root = await freshRoot();
  const worker = startWorkerProcess(root, url);
  try {
    const project = openProject(root);
    const def = await loadPipeline(NOOP, root);
    await worker.waitFor(/at a time/);
    const timed = async (from: number, executor?: BullmqExecutor): Promise<number> => {
      const began = performance.now();
      const report = await runPipeline(project, def, { reporter: quiet, executor, jobs: 1, ...values(from) });
      if (report.exitCode !== 0) throw new Error('the one-file grid failed');
      return performance.now() - began;
    };
    const open = (from: number) =>
      BullmqExecutor.open({
        url,
        store: project.store,
        rootDir: root,
        pipeline: NOOP,
        expand: values(from),
        pollMs: 1000,
      });
    const warm = await open(1000);
    await timed(1000, warm).finally(() => warm.close());
    const localMs = await timed(2000);
    const executor = await open(3000);
    const bullMs = await timed(3000, executor).finally(() => executor.close());
    return { localMs, bullMs, jobs: 40 };
  } finally {
    await worker.stop();
    await rm(root, { recursive: true, force: true });
  }
}

const bench: Bench = async () => {
  const redis = await startRedis();
  try {
    const grid = {
      local1: await local(TRAIN, 1),
      local2: await local(TRAIN, 2),
      bull1: await distributed(TRAIN, 1, redis.url),
      bull2: await distributed(TRAIN, 2, redis.url),
    };
    const overhead = await overheadPerJob(redis.url);
    const perJobMs = (overhead.bullMs - overhead.localMs) / overhead.jobs;
    const row = (name: string, c: Case, peer: string, p: Case) => ({
      case: name,
      instances: c.instances,
      'wall s': c.seconds,
      peer,
      'peer wall s': p.seconds,
      'ours / peer': c.seconds / p.seconds,
    });
    return {
      id: 'distributed',
      title: 'Distributed executor (BullMQ on a local redis-server) against the local executor, same machine',
      columns: ['case', 'instances', 'wall s', 'peer', 'peer wall s', 'ours / peer'],
      rows: [
        row('train grid, bullmq, 1 worker', grid.bull1, 'local --jobs 1', grid.local1),
        row('train grid, bullmq, 2 workers', grid.bull2, 'local --jobs 2', grid.local2),
        row('train grid, 2 workers vs 1', grid.bull2, 'bullmq, 1 worker', grid.bull1),
        {
          case: '40 one-file instances, serial, bullmq, 1 warm worker (in-process coordinator)',
          instances: overhead.jobs,
          'wall s': overhead.bullMs / 1000,
          peer: 'local executor, same process',
          'peer wall s': overhead.localMs / 1000,
          'ours / peer': overhead.bullMs / overhead.localMs,
        },
      ],
      notes: [
        `coordination overhead per job: ${perJobMs.toFixed(1)} ms ((bullmq − local) wall time of the 40 serial one-file instances / 40: queueing, Redis round trips, events, the worker re-planning the pipeline for each job)`,
        'train grid rows: `npm run pipeline` in a fresh process each, so module loading is included; each worker loads the pipeline modules (TF.js) on its first job, as the local run does once',
        'train grid: synthetic batches (160 × 16 pairs) → 4 trainings (infonce/albef × seed 0/1), cpu backend, small model; every case from an empty store',
        'workers and redis-server run on this machine (2 cores shared with other work): 2 workers compete with each other and the coordinator for those cores',
      ],
    };
  } finally {
    await redis.kill();
  }
};

export default bench;
