// Checkpoints of a training run: the model in TF.js layout plus every optimizer and momentum array, so a run killed
// at any moment resumes from the last checkpoint and ends with the same weights as a run never interrupted. A
// checkpoint is written into a `.partial` folder and renamed into place: a half-written one is never picked up.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncoderConfig } from './encoder.ts';
import { loadEncoder, saveEncoder } from './model-io.ts';
import type { TokenizerConfig } from './tokenizer.ts';
import type { TrainerState } from './trainer.ts';
import { writeFileAtomic } from '../../pipelines/engine/index.ts';

const STATE_JSON = 'state.json';
const STATE_BIN = 'state.bin';
const NAME = /^ckpt-(\d{9})$/;

interface ArrayEntry {
  name: string;
  dtype: 'float32' | 'int32';
  /** Byte offset in state.bin. */
  offset: number;
  length: number;
}

interface StateJson<P> {
  format: 1;
  step: number;
  /** What the run was started with; a checkpoint of another configuration is never resumed. */
  key: string;
  queuePtr: number | null;
  arrays: ArrayEntry[];
  /** Whatever else the caller needs to resume (e.g. the curve so far). */
  progress: P;
}

type NamedArray = [string, Float32Array | Int32Array];

function stateArrays(state: TrainerState): NamedArray[] {
  const out: NamedArray[] = [
    ['adam/table/m', state.adam.table.m],
    ['adam/table/v', state.adam.table.v],
    ['adam/kernel/m', state.adam.kernel.m],
    ['adam/kernel/v', state.adam.kernel.v],
    ['adam/bias/m', state.adam.bias.m],
    ['adam/bias/v', state.adam.bias.v],
    ['adam/temperature/m', state.adam.temperature.m],
    ['adam/temperature/v', state.adam.temperature.v],
    ['temperature', state.temperature],
  ];
  if (state.momentum) {
    out.push(
      ['momentum/table', state.momentum.weights.table],
      ['momentum/kernel', state.momentum.weights.kernel],
      ['momentum/bias', state.momentum.weights.bias],
      ['momentum/synced', state.momentum.synced],
      ['momentum/queue-q', state.momentum.queueQ],
      ['momentum/queue-p', state.momentum.queueP],
    );
  }
  return out;
}

export interface CheckpointMeta {
  encoder: EncoderConfig;
  tokenizer: TokenizerConfig;
  /** Identity of the run (params and input digest); must match to resume. */
  key: string;
}

/** Writes the checkpoint of `state` and removes older ones. Returns its folder. */
export async function writeCheckpoint<P>(
  dir: string,
  meta: CheckpointMeta,
  state: TrainerState,
  progress: P,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = `ckpt-${String(state.step).padStart(9, '0')}`;
  const partial = join(dir, `${name}.partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial);
  await saveEncoder(partial, meta.encoder, meta.tokenizer, state.weights);
  const arrays: ArrayEntry[] = [];
  const named = stateArrays(state);
  let offset = 0;
  for (const [n, a] of named) {
    arrays.push({ name: n, dtype: a instanceof Int32Array ? 'int32' : 'float32', offset, length: a.length });
    offset += a.byteLength;
  }
  // Array by array: the momentum table and Adam moments are hundreds of MiB, not worth a second copy in memory.
  const handle = await open(join(partial, STATE_BIN), 'w');
  try {
    for (const [, a] of named) await handle.write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    // Synced before the folder is renamed into place: a checkpoint that looks complete is complete.
    await handle.sync();
  } finally {
    await handle.close();
  }
  const json: StateJson<P> = {
    format: 1,
    step: state.step,
    key: meta.key,
    queuePtr: state.momentum?.queuePtr ?? null,
    arrays,
    progress,
  };
  await writeFileAtomic(join(partial, STATE_JSON), JSON.stringify(json));
  await rm(join(dir, name), { recursive: true, force: true });
  await rename(partial, join(dir, name));
  for (const other of await readdir(dir)) {
    if (other !== name) await rm(join(dir, other), { recursive: true, force: true });
  }
  return join(dir, name);
}

/**
 * Restores the newest complete checkpoint in `dir` into `state` (whose arrays have the right sizes already) and
 * returns its step and progress, or null when there is none for this `key`.
 */
export async function restoreCheckpoint<P>(
  dir: string,
  key: string,
  state: TrainerState,
): Promise<{ step: number; progress: P; path: string } | null> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => NAME.test(n)).sort();
  const name = names.at(-1);
  if (!name) return null;
  const path = join(dir, name);
  const json = JSON.parse(await readFile(join(path, STATE_JSON), 'utf8')) as StateJson<P>;
  if (json.key !== key) return null;
  const model = await loadEncoder(path);
  const check = (what: string, got: number, want: number) => {
    if (got !== want) throw new Error(`${path}: ${what} has ${got} values, this run needs ${want}`);
  };
  check('embedding/table', model.weights.table.length, state.weights.table.length);
  state.weights.table.set(model.weights.table);
  state.weights.kernel.set(model.weights.kernel);
  state.weights.bias.set(model.weights.bias);
  const bin = await readFile(join(path, STATE_BIN));
  const byName = new Map(json.arrays.map((a) => [a.name, a]));
  for (const [n, target] of stateArrays(state)) {
    const entry = byName.get(n);
    if (!entry) throw new Error(`${path}: ${STATE_JSON} has no array ${n}`);
    check(n, entry.length, target.length);
    const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
    bytes.set(bin.subarray(entry.offset, entry.offset + target.byteLength));
  }
  state.step = json.step;
  if (state.momentum) state.momentum.queuePtr = json.queuePtr ?? 0;
  return { step: json.step, progress: json.progress, path };
}
