// A pipeline definition: named nodes (a stage plus params and wiring), default sweeps and named profiles. Pure
// data, checked for unknown nodes, params and cycles when it is expanded.
import type { StageDef } from './stage.ts';

/** How an input is wired: the upstream node's name, or `{ from, all: true }` to fan in every sweep branch. */
export type InputWire = string | { from: string; all: true };

export interface NodeSpec {
  stage: StageDef<any, any>;
  /** Params for this node, over the stage's defaults; `--set` overrides these. */
  params?: Record<string, unknown>;
  /** Stage input name → upstream node. */
  inputs?: Record<string, InputWire>;
}

export interface PipelineDef {
  name: string;
  description: string;
  nodes: Record<string, NodeSpec>;
  /** The node whose artifact `export --out DIR` publishes (copies out of the store). */
  output?: string;
  /**
   * Default sweeps, `"node.param": [values]`; a CLI `--sweep` of the same key replaces the list. A key may join
   * params with `+` (`"batches.seed+train.seed"`): they take the i-th value together instead of a cartesian product.
   */
  sweeps?: Record<string, readonly unknown[]>;
  /** Named variants of the pipeline (`--profile NAME`), e.g. a quick default and a full study. */
  profiles?: Record<string, Profile>;
  /** The profile used when `--profile` is not given; none when absent. */
  defaultProfile?: string;
  /**
   * A file of one node's artifact that `run` prints after a successful run (the study's answer), and files of the
   * same artifact whose paths it prints under it (the full report, which a terminal cannot show).
   */
  summary?: { node: string; file: string; links?: readonly string[] };
}

/** A profile: sweeps and params laid over the definition's; `--sweep` and `--set` still win over it. */
export interface Profile {
  description: string;
  sweeps?: Record<string, readonly unknown[]>;
  /** Node → params, over the nodes' own params. */
  params?: Record<string, Record<string, unknown>>;
}

export function definePipeline(def: PipelineDef): PipelineDef {
  return def;
}

export function wireSource(wire: InputWire): { from: string; all: boolean } {
  return typeof wire === 'string' ? { from: wire, all: false } : { from: wire.from, all: true };
}
