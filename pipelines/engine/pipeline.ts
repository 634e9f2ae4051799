// A pipeline definition: named nodes (a stage plus params and wiring) and default sweeps. Pure data, checked
// for unknown nodes and cycles when it is expanded.
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
  /** Default sweeps, `"node.param": [values]`; a CLI `--sweep` of the same key replaces the list. */
  sweeps?: Record<string, readonly unknown[]>;
}

export function definePipeline(def: PipelineDef): PipelineDef {
  return def;
}

export function wireSource(wire: InputWire): { from: string; all: boolean } {
  return typeof wire === 'string' ? { from: wire, all: false } : { from: wire.from, all: true };
}
