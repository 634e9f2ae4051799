// The distributed executor, coordinator side: each ready instance becomes a BullMQ job whose id is its artifact's
// name (`<stage>-<fingerprint>`), so two coordinators asking for one artifact share one job. Workers
// (worker.ts, `npm run worker`) on any machine run it against the shared store; the coordinator follows the job
// through Redis events (progress, log lines, completion), with a periodic look at the job and the store as a
// safety net for events lost while Redis restarts.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { relative, resolve, isAbsolute } from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UserError } from './errors.ts';
import type { ExpandOptions } from './expand.ts';
import type { Executed, ExecuteHooks, Executor } from './executor.ts';
import { FingerprintRecordSchema } from './fingerprint.ts';
import type { Planned } from './plan.ts';
import { bullConnection, DEFAULT_QUEUE, probeRedis, redisUrl } from './redis.ts';
import type { Store } from './store.ts';

/** What a worker needs to plan the same instance from its own checkout, and to check that it did. */
export const JobDataSchema = z.object({
  format: z.literal(1),
  /** A pipeline name under pipelines/, or a module path relative to the project root (absolute when outside it). */
  pipeline: z.string(),
  profile: z.string().optional(),
  overrides: z.record(z.string(), z.record(z.string(), z.unknown())),
  sweeps: z.record(z.string(), z.array(z.unknown())),
  instance: z.string(),
  stage: z.string(),
  fingerprint: z.string(),
  /** The coordinator's fingerprint record: a worker whose plan differs says which fields differ. */
  record: FingerprintRecordSchema,
  force: z.boolean(),
  /** Who asked (for the worker's log). */
  coordinator: z.string(),
});
export type JobData = z.infer<typeof JobDataSchema>;

export interface JobResult {
  outcome: 'ran' | 'cached';
  seconds: number;
  host: string;
  pid: number;
}

/** What a worker reports while it runs a job (BullMQ job progress). */
export type JobProgress =
  { kind: 'progress'; done: number; total: number; message?: string } | { kind: 'log'; level: string; message: string };

/** The job id of an instance: its artifact's name; never a bare integer, which BullMQ refuses as a custom id. */
export function jobIdOf(stage: string, fingerprint: string): string {
  return `${stage}-${fingerprint}`;
}

export interface BullmqExecutorOptions {
  url: string;
  store: Store;
  rootDir: string;
  /** The pipeline as given on the command line (`study`, `pipelines/toy.ts`). */
  pipeline: string;
  expand: ExpandOptions;
  queue?: string;
  /** How often a waiting coordinator looks at its jobs and the store besides the events (ms). */
  pollMs?: number;
  /** How long Redis may stay unreachable before the run fails with a clear message (ms). */
  redisTimeoutMs?: number;
}

interface Waiter {
  hooks: ExecuteHooks;
  settle(error: Error | null, result?: JobResult): void;
}

export class BullmqExecutor implements Executor {
  readonly name = 'bullmq';
  readonly exclusiveStore = false;
  /** Without --jobs every ready instance is queued: the workers' --concurrency is what bounds the work. */
  readonly defaultJobs = Number.POSITIVE_INFINITY;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly pipelineRef: string;

  private constructor(
    private readonly options: BullmqExecutorOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly connections: Redis[],
  ) {
    const isPath = options.pipeline.includes('/') || /\.[cm]?[jt]s$/.test(options.pipeline);
    const file = resolve(options.pipeline);
    const rel = relative(options.rootDir, file);
    // Workers resolve a relative module path against their own project root, which is where they check out the
    // same repository; a module outside the root only works where that absolute path exists too.
    this.pipelineRef = !isPath ? options.pipeline : rel.startsWith('..') || isAbsolute(rel) ? file : rel;
    events.on('progress', ({ jobId, data }) => {
      const report = data as JobProgress;
      for (const w of this.waiters.get(jobId) ?? []) {
        if (report?.kind === 'progress') w.hooks.progress(report.done, report.total, report.message);
        else if (report?.kind === 'log') w.hooks.log(report.level, report.message);
      }
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      const result = (typeof returnvalue === 'string' ? safeJson(returnvalue) : returnvalue) as JobResult;
      for (const w of [...(this.waiters.get(jobId) ?? [])]) w.settle(null, result);
    });
    events.on('failed', ({ jobId, failedReason }) => {
      if (!this.waiters.has(jobId)) return;
      // The worker's stack, not this process's: read it from the job (kept on failure).
      void Job.fromId(this.queue, jobId)
        .then(
          (job) => job ?? null,
          () => null,
        )
        .then((job) => {
          const error = job ? workerError(job) : new Error(failedReason);
          for (const w of [...(this.waiters.get(jobId) ?? [])]) w.settle(error);
        });
    });
    events.on('error', () => {}); // connection errors while Redis is away; the poll below decides when to give up
  }

  /** Reaches Redis first (a clear error within seconds when it cannot), then opens the queue and its event stream. */
  static async open(options: BullmqExecutorOptions): Promise<BullmqExecutor> {
    await probeRedis(options.url);
    const name = options.queue ?? process.env.HXLR_QUEUE ?? DEFAULT_QUEUE;
    const a = bullConnection(options.url);
    const b = bullConnection(options.url);
    const queue = new Queue(name, { connection: a });
    const events = new QueueEvents(name, { connection: b });
    queue.on('error', () => {});
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new BullmqExecutor(options, queue, events, [a, b]);
  }

  async execute(p: Planned, hooks: ExecuteHooks): Promise<Executed> {
    const { stage } = p.instance;
    const jobId = jobIdOf(stage.name, p.fingerprint);
    const data: JobData = {
      format: 1,
      pipeline: this.pipelineRef,
      profile: this.options.expand.profile,
      overrides: this.options.expand.overrides ?? {},
      sweeps: Object.fromEntries(Object.entries(this.options.expand.sweeps ?? {}).map(([k, v]) => [k, [...v]])),
      instance: p.instance.id,
      stage: stage.name,
      fingerprint: p.fingerprint,
      record: p.record,
      force: hooks.force,
      coordinator: `pid ${process.pid} on ${hostname()}`,
    };
    const result = await this.follow(jobId, data, hooks);
    const artifact = await this.options.store.get(stage.name, p.fingerprint);
    if (!artifact) {
      throw new Error(
        `the job ${jobId} finished on ${result.host} (pid ${result.pid}) but the store at ${this.options.store.root} has no artifact ${stage.name}/${p.fingerprint}: do the coordinator and the workers share one store (HXLR_STORE on a mount every machine sees)?`,
      );
    }
    return { artifact, outcome: result.outcome };
  }

  /** Submits the job (or joins the one already there) and waits for its end. */
  private follow(jobId: string, data: JobData, hooks: ExecuteHooks): Promise<JobResult> {
    const pollMs = this.options.pollMs ?? (Number(process.env.HXLR_POLL_MS) || 2000);
    const redisTimeoutMs = this.options.redisTimeoutMs ?? 60_000;
    return new Promise<JobResult>((resolvePromise, rejectPromise) => {
      let submittedAt = Date.now();
      let lastContact = Date.now();
      let resubmits = 0;
      let polling = false;
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        hooks,
        settle: (error, result) => {
          clearInterval(timer);
          hooks.signal.removeEventListener('abort', onAbort);
          this.waiters.get(jobId)?.delete(waiter);
          if (error) rejectPromise(error);
          else resolvePromise(result ?? { outcome: 'ran', seconds: 0, host: 'unknown', pid: 0 });
        },
      };
      setMaxListeners(0, hooks.signal); // one listener per job in flight, and all ready jobs are in flight
      const onAbort = (): void =>
        waiter.settle(
          new Error(
            'stopped before the job finished (it may still finish on its worker; its artifact then lands in the store)',
          ),
        );
      hooks.signal.addEventListener('abort', onAbort, { once: true });
      if (!this.waiters.has(jobId)) this.waiters.set(jobId, new Set());
      this.waiters.get(jobId)!.add(waiter);

      const redisCall = <T>(call: Promise<T>): Promise<T> =>
        new Promise<T>((ok, fail) => {
          const t = setTimeout(() => fail(new Error('no answer from Redis')), Math.min(redisTimeoutMs, 5000));
          call.then(
            (v) => (clearTimeout(t), (lastContact = Date.now()), ok(v)),
            (e) => (clearTimeout(t), fail(e)),
          );
        });

      const submit = async (): Promise<void> => {
        submittedAt = Date.now();
        const job = await redisCall(
          this.queue.add(data.stage, data, { jobId, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } }),
        );
        const state = await redisCall(job.getState());
        if (state === 'failed') {
          // A failure left by an earlier run (kept so its reason can be read): asking again means trying again.
          const old = await redisCall(Job.fromId(this.queue, jobId));
          if (old && (old.finishedOn ?? 0) < submittedAt) await redisCall(old.retry('failed')).catch(() => {});
        }
      };

      const poll = async (): Promise<void> => {
        if (polling) return;
        polling = true;
        try {
          const state = await redisCall(this.queue.getJobState(jobId));
          if (state === 'failed') {
            const job = await redisCall(Job.fromId(this.queue, jobId));
            if (job && (job.finishedOn ?? 0) >= submittedAt) waiter.settle(workerError(job));
          } else if (state === 'completed') {
            const job = await redisCall(Job.fromId(this.queue, jobId));
            waiter.settle(null, job?.returnvalue as JobResult);
          } else if (state === 'unknown') {
            // Removed on completion (its event missed), or lost with a Redis that restarted without persistence.
            const done = await this.options.store.get(data.stage, data.fingerprint);
            if (done && (!data.force || Date.parse(done.manifest.timings.finishedAt) >= submittedAt - 1000)) {
              waiter.settle(null, {
                outcome: 'ran',
                seconds: done.manifest.timings.seconds,
                host: String(done.manifest.environment.host ?? 'unknown'),
                pid: 0,
              });
            } else if (resubmits++ < 5) {
              hooks.log(
                'warn',
                `job ${jobId} is no longer in Redis and its artifact is not in the store (Redis restarted without its data?): submitting it again`,
              );
              await submit();
            } else {
              waiter.settle(new Error(`job ${jobId} vanished from Redis ${resubmits} times; giving up`));
            }
          }
        } catch (error) {
          if (Date.now() - lastContact > redisTimeoutMs) {
            waiter.settle(
              new Error(
                `lost Redis at ${this.options.url} for ${Math.round((Date.now() - lastContact) / 1000)} s (${(error as Error).message}); every artifact finished so far is in the store: rerun when Redis is back and the run continues from there`,
              ),
            );
          }
        } finally {
          polling = false;
        }
      };

      submit().then(
        () => {
          timer = setInterval(() => void poll(), pollMs);
          void poll();
        },
        (error: Error) =>
          waiter.settle(
            new Error(`could not queue ${data.instance} on Redis at ${this.options.url}: ${error.message}`),
          ),
      );
    });
  }

  async close(): Promise<void> {
    await this.events.close().catch(() => {});
    await this.queue.close().catch(() => {});
    for (const c of this.connections) c.disconnect();
  }
}

/** The worker's failure as the coordinator shows it: its message, then where it happened. */
function workerError(job: Job): Error {
  const error = new Error(job.failedReason || 'failed on a worker (no reason given)');
  const trace = job.stacktrace?.at(-1);
  error.stack = trace
    ? `${trace}\n    (on a worker; job ${job.id})`
    : `${error.message}\n    (on a worker; job ${job.id})`;
  return error;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** `--executor` as the CLI gives it: the executor to pass to runPipeline (undefined = local). */
export async function executorFromFlags(
  flags: { executor?: string; redis?: string; redisTimeout?: number },
  context: Omit<BullmqExecutorOptions, 'url' | 'redisTimeoutMs'>,
): Promise<BullmqExecutor | undefined> {
  const kind = flags.executor ?? 'local';
  if (kind === 'local') {
    if (flags.redis) throw new UserError('--redis is for --executor bullmq');
    return undefined;
  }
  if (kind !== 'bullmq') throw new UserError(`--executor ${kind}: expected local or bullmq`);
  return BullmqExecutor.open({
    ...context,
    url: redisUrl(flags.redis),
    redisTimeoutMs: (flags.redisTimeout ?? 60) * 1000,
  });
}
