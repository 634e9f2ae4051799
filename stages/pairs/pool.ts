// Runs tasks on a piscina pool of `workers` threads and returns results in task order, so the output never depends on
// the worker count or on which task finished first. Workers are TypeScript: they load through the `--import tsx` that
// worker threads inherit from the parent's execArgv (node --import tsx, ava's nodeArguments).
import { setMaxListeners } from 'node:events';
import { Piscina } from 'piscina';
import type { Task, TaskResult } from './tasks.ts';

export interface PoolOptions {
  workers: number;
  signal?: AbortSignal;
  /** Called after each task, with how many are done. */
  onDone?: (done: number, total: number, task: Task) => void;
  /** Cost estimate per task (file bytes); tasks are submitted heaviest first. Results stay in task order. */
  weights?: readonly number[];
}

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;

export async function runTasks(tasks: readonly Task[], options: PoolOptions): Promise<TaskResult[]> {
  if (tasks.length === 0) return [];
  const threads = Math.max(1, Math.min(options.workers, tasks.length));
  const pool = new Piscina<Task, TaskResult>({
    filename: WORKER_URL,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  });
  let done = 0;
  // Every queued run listens on the signal; dozens of files are expected, not a leak.
  if (options.signal) setMaxListeners(tasks.length + 10, options.signal);
  try {
    // Heaviest first, so one large file is not left to run alone at the end (longest-processing-time scheduling).
    const order = tasks.map((_, i) => i);
    const w = options.weights;
    if (w) order.sort((a, b) => w[b] - w[a] || a - b);
    const results = new Array<TaskResult>(tasks.length);
    await Promise.all(
      order.map(async (i) => {
        results[i] = await pool.run(tasks[i], { signal: options.signal ?? null }).catch(explainLoadError);
        options.onDone?.(++done, tasks.length, tasks[i]);
      }),
    );
    return results;
  } finally {
    await pool.destroy();
  }
}

/** A worker that cannot load worker.ts means the process was started without the TypeScript loader. */
function explainLoadError(err: unknown): never {
  if ((err as { code?: string })?.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    throw new Error(
      `pairs: worker threads cannot load ${WORKER_URL}: start node with --import tsx (workers inherit it)`,
      { cause: err },
    );
  }
  throw err;
}
