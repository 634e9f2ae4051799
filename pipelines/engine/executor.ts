// The executor seam: the engine plans and decides what is ready; an executor runs one ready instance and returns
// its committed artifact. `local` (the default, executor-local.ts) runs it in this process; `bullmq`
// (executor-bullmq.ts) hands it to workers on any machine through Redis. Both end in runInstance()
// (run-instance.ts) against the same store, so a stage never knows which executor runs it.
import type { Planned } from './plan.ts';
import type { StoredArtifact } from './store.ts';

export interface ExecuteHooks {
  /** Committed artifacts of the instance's upstream instances, by instance id. */
  input(id: string): StoredArtifact | undefined;
  /** Build even when the store already has it (`--force`). */
  force: boolean;
  progress(done: number, total: number, message?: string): void;
  log(level: string, message: string): void;
  signal: AbortSignal;
}

export interface Executed {
  artifact: StoredArtifact;
  /** `cached` when someone else committed the artifact first (another run, another worker). */
  outcome: 'ran' | 'cached';
}

export interface Executor {
  /** `local` or `bullmq`, for messages. */
  readonly name: string;
  /**
   * Whether the run must hold the store-wide lock for its whole length. The local executor does (one writer per
   * store, as before); a distributed coordinator holds it only to clean up at the start, so several coordinators
   * and their workers share one store, each artifact guarded by its own build lock.
   */
  readonly exclusiveStore: boolean;
  /** Instances in flight when `--jobs` is not given. */
  readonly defaultJobs: number;
  execute(p: Planned, hooks: ExecuteHooks): Promise<Executed>;
  close(): Promise<void>;
}
