// The stage contract: what a stage author writes, and what the engine hands to `run`.
// A stage is a value (see DESIGN.md): name, version, zod params, named inputs, run(ctx).
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Manifest } from './manifest.ts';
import type { InputsDecl, OutputHandle, OutputHandles } from './outputs.ts';

/** A committed artifact of an upstream stage, as seen by a downstream stage. */
export interface ArtifactRef {
  /** Stage name of the producer (e.g. "pairs"). */
  readonly stage: string;
  /** Node instance id in the pipeline (e.g. "train[batchSize=64]"). */
  readonly node: string;
  readonly fingerprint: string;
  /** Absolute folder of the artifact. Read files through `path()`, never by guessing. */
  readonly dir: string;
  readonly manifest: Manifest;
  /**
   * Absolute path of a declared output of the producer (the handle its public module exports): a file the
   * manifest lists, or a folder holding listed files. A handle of another stage, or an output the artifact does
   * not hold (an optional one left out), is a clear error naming both.
   */
  output(handle: OutputHandle): string;
  /** Whether the artifact holds this output (for optional outputs). */
  has(handle: OutputHandle): boolean;
  /** Absolute path of a file the manifest lists inside a folder output (`relative` to that folder). */
  file(handle: OutputHandle, relative: string): string;
  /** The files the manifest lists inside a folder output, relative to it, sorted. */
  filesOf(handle: OutputHandle): string[];
}

/** What `run` returns: a small JSON summary stored in the manifest (row counts, metrics). */
export interface StageSummary {
  /** Row counts per table, shown by `status` and stored in the manifest. */
  rows?: Record<string, number>;
  [key: string]: unknown;
}

export interface StageContext<P> {
  /** Params after defaults and overrides, validated by the stage's schema. */
  readonly params: P;
  /** The seed of every random choice: `params.seed` when the schema has one, else 0. */
  readonly seed: number;
  /** Node instance id, unique in the expanded pipeline. */
  readonly node: string;
  /** Empty folder to write outputs into; it becomes the artifact on success, and vanishes on failure. */
  readonly outDir: string;
  /**
   * Folder for resumable state (checkpoints), the same for every run with this fingerprint: it survives a
   * failed or killed run and is removed after the artifact is committed. Not part of the artifact. Created on
   * demand by the stage.
   */
  readonly checkpointDir: string;
  /** Project root: where `data/` lives. Read only the files the stage declares in `files`. */
  readonly rootDir: string;
  /**
   * The environment values the fingerprint recorded (the stage's `env()` at plan time). A stage whose env is a
   * guess (which TF.js backend will start) compares it with what ran and fails rather than file an artifact
   * under the wrong fingerprint.
   */
  readonly env: Readonly<Record<string, string>>;
  /** The single upstream artifact wired to input `name`. */
  input(name: string): ArtifactRef;
  /** All upstream artifacts wired to a fan-in input `name`, in pipeline order. */
  inputs(name: string): ArtifactRef[];
  /** NDJSON logger; its lines are stored as `log.ndjson` beside the manifest. */
  readonly log: Logger;
  /** Report progress; drives the per-stage bar on a TTY and periodic lines elsewhere. */
  progress(done: number, total: number, message?: string): void;
  /** Aborted when the run is stopped (first failure elsewhere, SIGINT). Long loops should check it. */
  readonly signal: AbortSignal;
}

/** A stage's params schema: a zod object whose fields all have defaults, so `{}` is valid. */
export type ParamsSchema = z.ZodObject<z.ZodRawShape>;

export interface StageDef<S extends ParamsSchema = ParamsSchema, R extends StageSummary = StageSummary> {
  /** Unique name; artifacts live under `artifacts/<name>/`. */
  readonly name: string;
  /** Bump when the meaning of the output changes in a way the source digest cannot see (e.g. a data file format). */
  readonly version: number;
  readonly description: string;
  readonly params: S;
  /**
   * Upstream inputs; the pipeline wires each to a node. Either names, or names with the upstream outputs each
   * reads (`{ pairs: [PAIRS_OUTPUTS.pairs] }`), which lets a wrong wiring fail when the pipeline is planned.
   */
  readonly inputs?: InputsDecl;
  /**
   * Inputs a pipeline may leave unwired (a report that covers attacks when the pipeline has an attack node), declared
   * like `inputs`. An unwired one gives `ctx.inputs(name)` = []; the stage says in its output what it left out.
   */
  readonly optionalInputs?: InputsDecl;
  /** What the stage writes into `outDir` (`declareOutputs`); each is checked to exist before the commit. */
  readonly outputs?: OutputHandles;
  /** The stage's own folder (`new URL('.', import.meta.url)`); its files' digest is part of the fingerprint. */
  readonly sourceDir: string | URL;
  /** Other source folders or files the stage's output depends on (shared helpers). */
  readonly extraSources?: readonly (string | URL)[];
  /**
   * Params that decide how a run goes but never what it outputs (worker counts, timeouts, retries). They are
   * left out of the fingerprint, so a machine with more cores hits the same cache. The stage's tests must show
   * the output does not depend on them.
   */
  readonly runtimeParams?: readonly string[];
  /** Files or folders outside the store, relative to the project root, whose content decides the output. */
  files?(params: z.output<S>): string[];
  /** Environment values that decide the output (e.g. the training backend), by name. Allowlisted by design. */
  env?(params: z.output<S>): Record<string, string>;
  run(ctx: StageContext<z.output<S>>): Promise<R>;
}

/** Identity function that gives `run` its params type from the schema. */
export function defineStage<S extends ParamsSchema, R extends StageSummary>(def: StageDef<S, R>): StageDef<S, R> {
  return def;
}
