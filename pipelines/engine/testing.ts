// Run one stage outside a pipeline, for tests and benchmarks: real params validation, real files, real logger.
// Upstream inputs are given as folders (e.g. the output folder of an earlier runStage call).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { artifactRef, FOLDER_STAGE } from './artifact-ref.ts';
import { hashFolderFiles } from './hashing.ts';
import type { Manifest } from './manifest.ts';
import { missingOutputs } from './outputs.ts';
import { resolveParams, seedOf } from './params.ts';
import type { ArtifactRef, StageDef, StageSummary } from './stage.ts';

export interface RunStageOptions {
  params?: Record<string, unknown>;
  /** Input name → folder (single) or folders (fan-in). */
  inputs?: Record<string, string | string[]>;
  /** Project root the stage resolves `data/` against; defaults to the current directory. */
  rootDir?: string;
  /** Output folder; a fresh temporary folder when omitted. */
  outDir?: string;
  /** Checkpoint folder (kept between calls to test resuming); `<outDir>.checkpoints` when omitted. */
  checkpointDir?: string;
  onProgress?: (done: number, total: number, message?: string) => void;
}

export interface RunStageResult<R> {
  outDir: string;
  summary: R;
}

export async function runStage<R extends StageSummary>(
  stage: StageDef<any, R>,
  options: RunStageOptions = {},
): Promise<RunStageResult<R>> {
  const params = resolveParams(stage, stage.name, options.params ?? {});
  const outDir = options.outDir ?? (await mkdtemp(join(tmpdir(), `hxlr-${stage.name}-`)));
  const refs = new Map<string, ArtifactRef[]>();
  for (const [name, dirs] of Object.entries(options.inputs ?? {})) {
    const list = Array.isArray(dirs) ? dirs : [dirs];
    refs.set(name, await Promise.all(list.map((dir, i) => folderRef(name, i, dir))));
  }
  const controller = new AbortController();
  const summary = await stage.run({
    env: stage.env?.(params as never) ?? {},
    params,
    seed: seedOf(stage.params, params) ?? 0,
    node: stage.name,
    outDir,
    checkpointDir: options.checkpointDir ?? `${outDir}.checkpoints`,
    rootDir: options.rootDir ?? process.cwd(),
    input(name) {
      const list = refs.get(name);
      if (!list || list.length !== 1) throw new Error(`runStage: input "${name}" needs exactly one folder`);
      return list[0];
    },
    inputs(name) {
      return refs.get(name) ?? [];
    },
    log: pino({ level: process.env.HXLR_TEST_LOG ?? 'silent' }),
    progress: options.onProgress ?? (() => {}),
    signal: controller.signal,
  });
  const missing = await missingOutputs(outDir, stage.outputs);
  if (missing.length > 0)
    throw new Error(`stage ${stage.name} did not write its declared outputs: ${missing.join('; ')}`);
  return { outDir, summary };
}

/** A folder seen as an artifact: its files hashed into a synthetic manifest so `output()` checks names. */
async function folderRef(name: string, index: number, dir: string): Promise<ArtifactRef> {
  const files = await hashFolderFiles(dir);
  const manifest: Manifest = {
    format: 1,
    stage: FOLDER_STAGE,
    node: `${name}#${index}`,
    fingerprint: 'test',
    record: { format: 1, stage: name, version: 0, code: {}, params: {}, seed: null, inputs: {}, files: {}, env: {} },
    files,
    rows: {},
    timings: { startedAt: '', finishedAt: '', seconds: 0 },
    environment: {},
    summary: null,
  };
  return artifactRef(`${name}#${index}`, dir, manifest);
}
