// The distributed executor, worker side (`npm run worker -- --redis URL --concurrency N`): pulls instance jobs
// from BullMQ, plans the named pipeline from this machine's checkout, checks that the instance has the fingerprint
// the coordinator asked for, and runs it with runInstance() against the shared store, the same code path as a
// local run. Progress and warnings go back to the coordinator as job progress; every log line stays in the
// artifact's log.ndjson. A worker that dies mid-job loses its BullMQ lock; another worker gets the job back
// (stalled-job recovery), takes over the dead worker's build lock and resumes from the stage's checkpoints.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Command } from 'commander';
import { isPipelinePath, loadPipeline } from './cli.ts';
import { EXIT, UserError } from './errors.ts';
import { JobDataSchema, type JobProgress, type JobResult } from './executor-bullmq.ts';
import { diffRecords } from './fingerprint.ts';
import { openProject, planPipeline, type Project } from './operations.ts';
import { bullConnection, DEFAULT_QUEUE, probeRedis, redisUrl } from './redis.ts';
import { runInstance } from './run-instance.ts';
import type { StoredArtifact } from './store.ts';

export interface WorkerOptions {
  url: string;
  /** This machine's checkout of the project (pipelines/, stages/, data/). */
  rootDir: string;
  concurrency: number;
  queue?: string;
  /** BullMQ's job lock: a worker silent for this long is presumed dead and its job handed on (ms). */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died (ms). */
  stalledIntervalMs?: number;
  /** Plain log lines (one per job start, end, failure). */
  out?: (line: string) => void;
}

export interface RunningWorker {
  worker: Worker;
  /** Finish the running jobs, then stop (`force`: abort them now). */
  close(force?: boolean): Promise<void>;
}

const PROGRESS_EVERY_MS = 250;

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const out =
    options.out ?? ((line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${line}\n`));
  await probeRedis(options.url);
  const project = openProject(options.rootDir);
  const running = new Set<AbortController>();
  const connection = bullConnection(options.url);
  const worker = new Worker(
    options.queue ?? process.env.HXLR_QUEUE ?? DEFAULT_QUEUE,
    (job) => processJob(job, project, options, running, out),
    {
      connection,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // A job whose worker died twice is more likely killing its workers than unlucky.
      maxStalledCount: 2,
      name: `${hostname()}:${process.pid}`,
    },
  );
  let away = false;
  let lastError = '';
  worker.on('error', (error) => {
    // While Redis is away every reconnect attempt fails: say so once per distinct message.
    if (error.message === lastError) return;
    lastError = error.message;
    if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed/.test(error.message)) {
      away = true;
      out(`redis: ${error.message} (reconnecting)`);
    } else if (/Missing (key|lock) for job/.test(error.message)) {
      // Redis lost the job (restarted without its data) while it ran here; the artifact is committed all the same.
      out(`redis: ${error.message}: the job left Redis while it ran here; its artifact is in the store`);
    } else {
      out(`redis: ${error.message}`);
    }
  });
  connection.on('ready', () => {
    if (away) out('redis: connected again');
    away = false;
    lastError = '';
  });
  await worker.waitUntilReady();
  out(
    `worker ${hostname()} pid ${process.pid}: ${options.concurrency} at a time from ${options.url}, store ${project.store.root}`,
  );
  return {
    worker,
    close: async (force = false) => {
      if (force) for (const c of running) c.abort();
      await worker.close(force);
      connection.disconnect();
    },
  };
}

async function processJob(
  job: Job,
  project: Project,
  options: WorkerOptions,
  running: Set<AbortController>,
  out: (line: string) => void,
): Promise<JobResult> {
  const parsed = JobDataSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(
      `job ${job.id} is not an hxlr instance job (${parsed.error.issues[0]?.message}); is another program using this queue?`,
    );
  const data = parsed.data;
  const began = performance.now();
  // Relative module paths are relative to the project root, wherever this worker was started.
  const spec = isPipelinePath(data.pipeline) ? resolve(options.rootDir, data.pipeline) : data.pipeline;
  const def = await loadPipeline(spec, options.rootDir);
  const { planned } = await planPipeline(project, def, {
    profile: data.profile,
    overrides: data.overrides,
    sweeps: data.sweeps,
  });
  const p = planned.get(data.instance);
  if (!p)
    throw new UnrecoverableError(
      `this worker (${hostname()}, root ${options.rootDir}) plans no instance ${data.instance} in pipeline ${data.pipeline}: its checkout differs from the coordinator's`,
    );
  if (p.fingerprint !== data.fingerprint) {
    const why = diffRecords(data.record, p.record, p.instance.node);
    throw new UnrecoverableError(
      `fingerprint mismatch for ${data.instance}: the coordinator asked for ${data.fingerprint}, this worker (${hostname()}, root ${options.rootDir}) plans ${p.fingerprint} (${why.join('; ') || 'records differ'}). Check out the same commit and data on every machine.`,
    );
  }
  const inputs = new Map<string, StoredArtifact>();
  for (const wired of Object.values(p.instance.inputs)) {
    for (const upId of Array.isArray(wired) ? wired : [wired]) {
      const up = planned.get(upId)!;
      const artifact = await project.store.get(up.instance.stage.name, up.fingerprint);
      if (!artifact)
        throw new Error(
          `input ${upId} (${up.instance.stage.name}/${up.fingerprint}) is not in the store at ${project.store.root}: does this worker mount the same store as the coordinator (HXLR_STORE)?`,
        );
      inputs.set(upId, artifact);
    }
  }

  const report = (progress: JobProgress): void => {
    job.updateProgress(progress).catch(() => {}); // progress is for people; a lost update changes nothing
  };
  let lastProgress = 0;
  const controller = new AbortController();
  running.add(controller);
  out(
    `▶ ${data.instance} (job ${job.id}, for ${data.coordinator}${job.attemptsStarted > 1 ? `, attempt ${job.attemptsStarted}` : ''})`,
  );
  try {
    const result = await runInstance(p, (id) => inputs.get(id), {
      store: project.store,
      rootDir: options.rootDir,
      signal: controller.signal,
      force: data.force,
      progress: (done, total, message) => {
        const now = performance.now();
        if (now - lastProgress < PROGRESS_EVERY_MS && done < total) return;
        lastProgress = now;
        report({ kind: 'progress', done, total, message });
      },
      log: (level, message) => report({ kind: 'log', level, message }),
    });
    const seconds = (performance.now() - began) / 1000;
    out(
      `${result.outcome === 'ran' ? '✔' : '•'} ${data.instance} ${result.outcome === 'ran' ? `done in ${seconds.toFixed(1)}s` : 'was already in the store'}`,
    );
    return { outcome: result.outcome, seconds, host: hostname(), pid: process.pid };
  } catch (error) {
    out(`✖ ${data.instance} FAILED: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  } finally {
    running.delete(controller);
  }
}

/** `npm run worker -- ...`: returns the exit code once the worker has stopped. */
export async function workerMain(argv: string[]): Promise<number> {
  const program = new Command('worker')
    .description(
      'run pipeline instances queued by `npm run pipeline -- --executor bullmq` (BullMQ on Redis), against the shared store',
    )
    .option('--redis <url>', 'Redis URL, redis://HOST:PORT (default: $HXLR_REDIS)')
    .option('-c, --concurrency <n>', 'instances run at once', (v) => positiveInt('--concurrency', v), 1)
    .option('--root <dir>', 'project root: the checkout holding pipelines/, stages/ and data/', process.cwd())
    .option(
      '--lock-duration <ms>',
      'BullMQ job lock: how long a silent worker counts as alive',
      (v) => positiveInt('--lock-duration', v),
      30_000,
    )
    .option(
      '--stalled-interval <ms>',
      'how often to look for jobs whose worker died',
      (v) => positiveInt('--stalled-interval', v),
      30_000,
    )
    .exitOverride()
    .showHelpAfterError();
  try {
    program.parse(argv, { from: 'user' });
    const flags = program.opts<{
      redis?: string;
      concurrency: number;
      root: string;
      lockDuration: number;
      stalledInterval: number;
    }>();
    const running = await startWorker({
      url: redisUrl(flags.redis),
      rootDir: resolve(flags.root),
      concurrency: flags.concurrency,
      lockDurationMs: flags.lockDuration,
      stalledIntervalMs: flags.stalledInterval,
    });
    return await new Promise<number>((done) => {
      let stopping = false;
      const stop = (): void => {
        if (stopping) {
          process.stdout.write('stopping now: running jobs are aborted (another worker picks them up)\n');
          void running.close(true).then(() => done(130));
          return;
        }
        stopping = true;
        process.stdout.write('stopping: finishing the running jobs (signal again to stop now)\n');
        void running.close().then(() => done(EXIT.ok));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'commander.helpDisplayed') return EXIT.ok;
    if (e.code?.startsWith('commander.')) return EXIT.usage;
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`internal error: ${e.stack ?? e.message}\n`);
    return EXIT.stageFailed;
  }
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${value}: expected a positive integer`);
  return n;
}
