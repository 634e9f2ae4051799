// Params: defaults from the stage's zod schema, overrides from the pipeline and the CLI, and errors that name
// the stage, the key and what was expected.
import type { z } from 'zod';
import { UserError } from './errors.ts';
import type { ParamsSchema, StageDef } from './stage.ts';

/** Validate `raw` against the stage's schema; the error names `<node>.<key>`, the value and the expectation. */
export function resolveParams(stage: StageDef, node: string, raw: Record<string, unknown>): Record<string, unknown> {
  const known = Object.keys(stage.params.shape);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new UserError(
        `unknown param ${node}.${key} (stage "${stage.name}" has: ${known.join(', ') || 'no params'})`,
      );
    }
  }
  const result = stage.params.safeParse(raw);
  if (!result.success) throw new UserError(formatIssues(node, raw, result.error.issues));
  return result.data as Record<string, unknown>;
}

function formatIssues(node: string, raw: Record<string, unknown>, issues: z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const key = [node, ...issue.path.map(String)].join('.');
    const given = issue.path.length > 0 ? valueAt(raw, issue.path) : undefined;
    const shown = given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
    return `invalid param ${key}${shown}: ${issue.message}`;
  });
  return lines.join('\n');
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** The seed of a params object: its `seed` field when the schema declares one. */
export function seedOf(schema: ParamsSchema, params: Record<string, unknown>): number | null {
  return 'seed' in schema.shape && typeof params.seed === 'number' ? params.seed : null;
}

/**
 * Params as the fingerprint stores them: the seed lives in its own field, and runtime params (worker counts,
 * timeouts: how a run goes, never what it outputs) are left out so that changing them hits the cache.
 */
export function paramsWithoutSeed(
  schema: ParamsSchema,
  params: Record<string, unknown>,
  runtimeParams: readonly string[] = [],
): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'seed' && 'seed' in schema.shape) continue;
    if (runtimeParams.includes(key)) continue;
    rest[key] = value;
  }
  return rest;
}

/** A CLI value: JSON when it parses (numbers, booleans, arrays), else the raw string. */
export function parseCliValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
