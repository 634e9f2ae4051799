// Where a stage writes a declared table output: writeTable takes the path without extension and writes the Arrow
// and Parquet files beside each other, so the Arrow output's handle names both.
import { join } from 'node:path';
import type { OutputHandle } from '../../pipelines/engine/index.ts';

/** `<dir>/<name>` for an output declared as `<name>.arrow` (its Parquet twin is `<name>.parquet`). */
export function tableBase(dir: string, arrow: OutputHandle): string {
  if (arrow.kind !== 'arrow' || !arrow.path.endsWith('.arrow'))
    throw new Error(`output ${arrow.stage}.${arrow.name} (${arrow.path}) is not an Arrow table`);
  return join(dir, arrow.path.slice(0, -'.arrow'.length));
}

/** `<dir>/<path>` of a declared output: where the stage writes it inside its artifact. */
export function outputPath(dir: string, handle: OutputHandle): string {
  return join(dir, handle.path);
}
