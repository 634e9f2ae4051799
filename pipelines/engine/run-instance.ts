// Running one stage instance against a store: the single code path every executor uses (the local executor in
// the engine's process, a BullMQ worker on another machine). Holds the artifact's build lock, builds into a
// staging folder with its log.ndjson, commits (manifest last, rename into place) and drops the checkpoints.
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { artifactRef } from './artifact-ref.ts';
import { createStageLogger } from './logger.ts';
import { LOG_FILE } from './manifest.ts';
import { inputNames, missingOutputs } from './outputs.ts';
import type { Planned } from './plan.ts';
import type { ArtifactRef, StageSummary } from './stage.ts';
import type { Store, StoredArtifact } from './store.ts';

export interface RunInstanceOptions {
  store: Store;
  rootDir: string;
  signal: AbortSignal;
  /** Build even when the store already has the artifact (`--force`). */
  force?: boolean;
  progress(done: number, total: number, message?: string): void;
  /** Warnings and errors the stage logs (every line also goes to the artifact's log.ndjson). */
  log(level: string, message: string): void;
}

export interface InstanceRun {
  artifact: StoredArtifact;
  /** `cached` when another process committed the artifact while this one waited for its build lock. */
  outcome: 'ran' | 'cached';
}

/**
 * Builds `p` unless the store has it. `input(id)` gives the committed artifact of an upstream instance id; an
 * executor that runs elsewhere resolves them from the shared store.
 */
export async function runInstance(
  p: Planned,
  input: (id: string) => StoredArtifact | undefined,
  options: RunInstanceOptions,
): Promise<InstanceRun> {
  const { store } = options;
  const { instance } = p;
  const lock = await store.lockBuild(instance.stage.name, p.fingerprint, {
    signal: options.signal,
    onWait: (holder) => options.log('info', `waiting for ${holder}, which is building this artifact`),
  });
  try {
    if (lock.recoveredFrom)
      options.log(
        'warn',
        `took over the build lock of a dead builder (pid ${lock.recoveredFrom.pid} on ${lock.recoveredFrom.host})`,
      );
    if (!options.force) {
      const done = await store.get(instance.stage.name, p.fingerprint);
      if (done) return { artifact: done, outcome: 'cached' };
    }
    return { artifact: await build(p, input, options), outcome: 'ran' };
  } finally {
    await lock.release();
  }
}

async function build(
  p: Planned,
  input: (id: string) => StoredArtifact | undefined,
  options: RunInstanceOptions,
): Promise<StoredArtifact> {
  const { store } = options;
  const { instance } = p;
  const staging = await store.begin(instance.stage.name, p.fingerprint);
  const logger = createStageLogger(join(staging.dir, LOG_FILE), instance.id, options.log);
  const refOf = (id: string): ArtifactRef => {
    const artifact = input(id);
    if (!artifact) throw new Error(`internal: input ${id} of ${instance.id} is not available`);
    return artifactRef(id, artifact.dir, artifact.manifest);
  };
  const startedAt = new Date();
  try {
    logger.log.info(
      { fingerprint: p.fingerprint, params: instance.params, host: hostname(), pid: process.pid },
      `start ${instance.id}`,
    );
    const summary: StageSummary = await instance.stage.run({
      params: instance.params,
      env: p.record.env,
      seed: p.record.seed ?? 0,
      node: instance.id,
      outDir: staging.dir,
      checkpointDir: store.checkpointDir(instance.stage.name, p.fingerprint),
      rootDir: options.rootDir,
      input(name: string) {
        const wired = instance.inputs[name];
        if (wired === undefined)
          throw new Error(`stage ${instance.stage.name} asked for input "${name}", which it does not declare`);
        if (Array.isArray(wired))
          throw new Error(`input "${name}" of ${instance.id} is a fan-in input: use ctx.inputs("${name}")`);
        return refOf(wired);
      },
      inputs(name: string) {
        const wired = instance.inputs[name];
        // An optional input the pipeline left unwired is an empty fan-in, not a mistake.
        if (wired === undefined && inputNames(instance.stage.optionalInputs).includes(name)) return [];
        if (wired === undefined)
          throw new Error(`stage ${instance.stage.name} asked for input "${name}", which it does not declare`);
        return (Array.isArray(wired) ? wired : [wired]).map(refOf);
      },
      log: logger.log,
      progress: options.progress,
      signal: options.signal,
    });
    if (options.signal.aborted) throw new Error('stopped before the stage finished');
    const missing = await missingOutputs(staging.dir, instance.stage.outputs);
    if (missing.length > 0)
      throw new Error(`stage ${instance.stage.name} did not write its declared outputs: ${missing.join('; ')}`);
    const finishedAt = new Date();
    logger.log.info({ summary }, `done ${instance.id}`);
    logger.close();
    const committed = await store.commit(staging, {
      format: 1,
      stage: instance.stage.name,
      node: instance.id,
      fingerprint: p.fingerprint,
      record: p.record,
      rows: summary?.rows ?? {},
      timings: {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      },
      environment: {
        node: process.version,
        platform: process.platform,
        arch: process.arch,
        cpus: cpus().length,
        host: hostname(),
      },
      summary: JSON.parse(JSON.stringify(summary ?? null)),
    });
    // The checkpoints served their purpose; a failed cleanup costs disk only, never correctness.
    await store
      .dropCheckpoints(instance.stage.name, p.fingerprint)
      .catch((error) => options.log('warn', `could not remove checkpoints: ${error}`));
    return committed;
  } catch (error) {
    logger.log.error({ err: error }, `failed ${instance.id}`);
    logger.close();
    await store.discard(staging);
    throw error;
  }
}
