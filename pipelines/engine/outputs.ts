// Declared outputs: a stage names the files and folders it writes (kind, description, schema where it is a table),
// and a consumer reads an upstream output through the handle the producer exports, never by a literal file name.
// The engine checks the wiring against these declarations when a pipeline is expanded (plan time), and checks that
// a stage wrote every declared output before its artifact is committed.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What an output is; `folder` outputs are checked for existence only, the others for being a file. */
export type OutputKind =
  'arrow' | 'parquet' | 'json' | 'ndjson' | 'markdown' | 'html' | 'svg' | 'text' | 'binary' | 'folder';

export interface OutputSpec {
  /** Path inside the artifact (forward slashes). */
  readonly path: string;
  readonly kind: OutputKind;
  readonly description: string;
  /** A table's schema (opaque to the engine: stages validate their tables themselves). */
  readonly schema?: unknown;
  /** Written only under some params (e.g. `score.ranks=false` leaves ranks.parquet out). */
  readonly optional?: boolean;
}

/** A declared output, stamped with its producer: what consumers import and pass to `ArtifactRef.output()`. */
export interface OutputHandle extends OutputSpec {
  readonly stage: string;
  readonly name: string;
}

export type OutputHandles<K extends string = string> = { readonly [P in K]: OutputHandle };

/** Stamp a stage's output specs with the stage and output names. */
export function declareOutputs<K extends string>(
  stage: string,
  specs: { readonly [P in K]: OutputSpec },
): OutputHandles<K> {
  const out = {} as { [P in K]: OutputHandle };
  for (const name of Object.keys(specs) as K[]) {
    const spec = specs[name];
    if (spec.path.startsWith('/') || spec.path.split('/').includes('..')) {
      throw new Error(`stage ${stage}: output "${name}" has path "${spec.path}", which leaves the artifact folder`);
    }
    out[name] = Object.freeze({ ...spec, stage, name });
  }
  return Object.freeze(out);
}

/** An input's declaration: the outputs of an upstream stage it reads. */
export type InputNeeds = readonly OutputHandle[];

/** A stage's inputs: plain names, or names with the upstream outputs each reads (checked at plan time). */
export type InputsDecl = readonly string[] | { readonly [name: string]: InputNeeds };

export function inputNames(inputs: InputsDecl | undefined): string[] {
  if (!inputs) return [];
  return Array.isArray(inputs) ? [...inputs] : Object.keys(inputs);
}

export function inputNeeds(inputs: InputsDecl | undefined, name: string): InputNeeds {
  if (!inputs || Array.isArray(inputs)) return [];
  return (inputs as { readonly [name: string]: InputNeeds })[name] ?? [];
}

/** Why `producer` cannot serve `needs`, or null when it declares every output needed. */
export function unmetNeeds(producer: { name: string; outputs?: OutputHandles }, needs: InputNeeds): string | null {
  const missing = needs.filter((h) => {
    const own = producer.outputs?.[h.name];
    return h.stage !== producer.name || !own || own.path !== h.path;
  });
  if (missing.length === 0) return null;
  const have = Object.keys(producer.outputs ?? {});
  return `needs ${missing.map((h) => `output "${h.name}" (${h.path}) of stage "${h.stage}"`).join(', ')}, but stage "${producer.name}" declares ${have.length ? `outputs ${have.join(', ')}` : 'no outputs'}`;
}

/** The declared, non-optional outputs missing from a finished stage's folder (or of the wrong kind). */
export async function missingOutputs(dir: string, outputs: OutputHandles | undefined): Promise<string[]> {
  const problems: string[] = [];
  for (const h of Object.values(outputs ?? {})) {
    const info = await stat(join(dir, h.path)).catch(() => null);
    if (!info) {
      if (!h.optional) problems.push(`"${h.name}" (${h.path}) was not written`);
    } else if (h.kind === 'folder' ? !info.isDirectory() : !info.isFile()) {
      problems.push(`"${h.name}" (${h.path}) is a ${info.isDirectory() ? 'folder' : 'file'}, declared as ${h.kind}`);
    }
  }
  return problems;
}
