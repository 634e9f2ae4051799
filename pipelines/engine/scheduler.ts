// The scheduler: brings the selected instances up to date in topological order, independent ones in parallel
// (up to `jobs`), each cached by fingerprint. The first failure stops new work (or, with keepGoing, only the
// work that depends on it); every finished artifact is kept, so a rerun resumes from there.
import { EXIT, UserError } from './errors.ts';
import type { Expansion } from './expand.ts';
import type { Executor } from './executor.ts';
import type { Lock } from './lockfile.ts';
import type { Planned } from './plan.ts';
import type { Outcome, Reporter } from './reporter.ts';
import type { Store, StoredArtifact } from './store.ts';

export interface Selection {
  /** `--stage`: these nodes and whatever upstream they need. Empty = the whole pipeline. */
  targets: string[];
  /** `--only`: these nodes alone, on cached inputs. */
  only: string[];
  /** `--force`: rerun these nodes even when cached. */
  force: string[];
}

export interface InstanceResult {
  outcome: Outcome;
  seconds: number;
  error?: Error;
}

export interface ScheduleResult {
  results: Map<string, InstanceResult>;
  /** Seconds during which at least one stage's `run` was executing (parallel stages counted once). */
  stageSeconds: number;
}

/** Ids to consider, in topological order, for a selection. */
export function selectInstances(expansion: Expansion, planned: Map<string, Planned>, selection: Selection): string[] {
  const nodes = Object.fromEntries(expansion.order.map((n) => [n, true]));
  for (const [flag, list] of [
    ['--stage', selection.targets],
    ['--only', selection.only],
    ['--force', selection.force],
  ] as const) {
    for (const node of list) {
      if (!nodes[node])
        throw new UserError(`${flag}: unknown stage "${node}" (this pipeline has: ${expansion.order.join(', ')})`);
    }
  }
  if (selection.only.length > 0) {
    return expansion.instances.filter((i) => selection.only.includes(i.node)).map((i) => i.id);
  }
  if (selection.targets.length === 0) return expansion.instances.map((i) => i.id);
  const wanted = new Set<string>();
  const visit = (id: string): void => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const ids of Object.values(planned.get(id)!.instance.inputs))
      (Array.isArray(ids) ? ids : [ids]).forEach(visit);
  };
  expansion.instances.filter((i) => selection.targets.includes(i.node)).forEach((i) => visit(i.id));
  return expansion.instances.filter((i) => wanted.has(i.id)).map((i) => i.id);
}

export interface ScheduleOptions {
  ids: string[];
  planned: Map<string, Planned>;
  /** Ids to run even when cached. */
  forced: Set<string>;
  store: Store;
  /** Runs each ready instance (executor-local.ts in this process, executor-bullmq.ts on workers). */
  executor: Executor;
  jobs: number;
  keepGoing: boolean;
  reporter: Reporter;
  signal: AbortSignal;
  /** Called after each artifact is committed or found, to keep the lock file current. */
  onArtifact(id: string, planned: Planned): Promise<void>;
}

export async function schedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const { ids, planned, store, reporter } = options;
  const selected = new Set(ids);
  const results = new Map<string, InstanceResult>();
  const artifacts = new Map<string, StoredArtifact>();
  let stopped = false;
  // Time with at least one stage busy, so engine time = wall time - this, also under --jobs > 1.
  let busy = 0;
  let busySince = 0;
  let stageSeconds = 0;
  const enter = (): void => {
    if (busy++ === 0) busySince = performance.now();
  };
  const leave = (): void => {
    if (--busy === 0) stageSeconds += (performance.now() - busySince) / 1000;
  };

  // Inputs from outside the selection (--only) must be in the store already.
  for (const id of ids) {
    for (const [name, up] of Object.entries(planned.get(id)!.instance.inputs)) {
      for (const upId of Array.isArray(up) ? up : [up]) {
        if (selected.has(upId)) continue;
        const p = planned.get(upId)!;
        const found = await store.get(p.instance.stage.name, p.fingerprint);
        if (!found) {
          throw new UserError(
            `--only ${planned.get(id)!.instance.node}: input "${name}" needs ${upId} (fingerprint ${p.fingerprint}), which is not in the store; run without --only, or with --stage ${p.instance.node}, first`,
          );
        }
        artifacts.set(upId, found);
      }
    }
  }

  const upstreamOf = (id: string): string[] =>
    Object.values(planned.get(id)!.instance.inputs)
      .flatMap((u) => (Array.isArray(u) ? u : [u]))
      .filter((u) => selected.has(u));

  const running = new Map<string, Promise<void>>();
  const pending = [...ids];

  // Two instances with one fingerprint (e.g. a sweep value equal to another node's params) build one artifact:
  // the second waits for the first instead of racing it to the same folder.
  const building = new Map<string, Promise<unknown>>();

  const start = (id: string): void => {
    const p = planned.get(id)!;
    const key = `${p.instance.stage.name}/${p.fingerprint}`;
    const task = (async () => {
      const twin = building.get(key);
      if (twin) await twin.catch(() => {});
      const cached = options.forced.has(id) && !twin ? null : await store.get(p.instance.stage.name, p.fingerprint);
      if (cached) {
        artifacts.set(id, cached);
        results.set(id, { outcome: 'cached', seconds: 0 });
        reporter.finished(id, 'cached', 0, p.fingerprint);
        await options.onArtifact(id, p);
        return;
      }
      const began = performance.now();
      reporter.started(id);
      enter();
      try {
        const { artifact, outcome } = await options.executor
          .execute(p, {
            input: (upId) => artifacts.get(upId),
            force: options.forced.has(id),
            progress: (done, total, message) => reporter.progress(id, done, total, message),
            log: (level, message) => reporter.log(id, level, message),
            signal: options.signal,
          })
          .finally(leave);
        const seconds = (performance.now() - began) / 1000;
        artifacts.set(id, artifact);
        results.set(id, { outcome, seconds });
        reporter.finished(
          id,
          outcome,
          seconds,
          outcome === 'ran' ? describeRows(artifact.manifest.rows) : p.fingerprint,
        );
        await options.onArtifact(id, p);
      } catch (error) {
        const seconds = (performance.now() - began) / 1000;
        results.set(id, { outcome: 'failed', seconds, error: error as Error });
        reporter.finished(id, 'failed', seconds, (error as Error).message.split('\n')[0]);
        if (!options.keepGoing) stopped = true;
      }
    })();
    if (!building.has(key)) building.set(key, task);
    running.set(
      id,
      task.finally(() => running.delete(id)),
    );
  };

  while (pending.length > 0 || running.size > 0) {
    if (options.signal.aborted) stopped = true;
    for (let i = 0; i < pending.length && running.size < options.jobs && !stopped;) {
      const id = pending[i];
      const ups = upstreamOf(id);
      const failedUp = ups.find(
        (u) => results.get(u) && results.get(u)!.outcome !== 'ran' && results.get(u)!.outcome !== 'cached',
      );
      if (failedUp) {
        results.set(id, { outcome: 'skipped', seconds: 0 });
        reporter.finished(id, 'skipped', 0, `upstream ${failedUp} did not complete`);
        pending.splice(i, 1);
      } else if (ups.every((u) => results.has(u))) {
        pending.splice(i, 1);
        start(id);
      } else {
        i++;
      }
    }
    if (stopped && running.size === 0) break;
    if (running.size > 0) await Promise.race(running.values());
    else if (pending.length > 0 && !stopped)
      throw new Error(`scheduler stalled with ${pending.length} pending instances`);
  }
  for (const id of pending) {
    if (!results.has(id)) results.set(id, { outcome: 'skipped', seconds: 0 });
  }
  return { results, stageSeconds };
}

function describeRows(rows: Record<string, number>): string | undefined {
  const entries = Object.entries(rows);
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${k}=${v.toLocaleString('en-US')}`).join(' ');
}

export function exitCodeOf(result: ScheduleResult): number {
  return [...result.results.values()].some((r) => r.outcome === 'failed' || r.outcome === 'skipped')
    ? EXIT.stageFailed
    : EXIT.ok;
}

/** The lock entry a planned instance leaves behind. */
export function lockEntry(p: Planned): Lock['pipelines'][string]['nodes'][string] {
  return { stage: p.instance.stage.name, fingerprint: p.fingerprint, record: p.record };
}
