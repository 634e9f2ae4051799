// The default executor: runs each instance in this process (stages bring their own worker threads), exactly as
// the engine always has.
import type { Executed, ExecuteHooks, Executor } from './executor.ts';
import type { Planned } from './plan.ts';
import { runInstance } from './run-instance.ts';
import type { Store } from './store.ts';

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly exclusiveStore = true;
  readonly defaultJobs = 1;

  constructor(
    private readonly store: Store,
    private readonly rootDir: string,
  ) {}

  execute(p: Planned, hooks: ExecuteHooks): Promise<Executed> {
    return runInstance(p, hooks.input, { store: this.store, rootDir: this.rootDir, ...hooks });
  }

  async close(): Promise<void> {}
}
