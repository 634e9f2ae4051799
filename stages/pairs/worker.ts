// Piscina worker entry: runs one task (reads its own input file, so the main thread never ships file contents) and
// hands its column buffers back as a transfer list instead of cloning them.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { buffersOf, type PackedColumns } from './packed.ts';
import { runTask, type Task, type TaskResult } from './tasks.ts';

export default async function work(task: Task): Promise<unknown> {
  const result = await runTask(task);
  // move() marks the wrapper so piscina posts `result` with the buffers in the transfer list (no copy).
  return move({ [transferableSymbol]: transferablesOf(result), [valueSymbol]: result } as unknown as Parameters<
    typeof move
  >[0]);
}

export function transferablesOf(result: TaskResult): ArrayBuffer[] {
  const batches: PackedColumns[] = result.kind === 'eval' ? [result.candidates, result.queries] : [result.columns];
  return batches.flatMap(buffersOf);
}
