// The fingerprint of a stage run: a typed record of everything that decides its output, and nothing else.
// Its hash names the artifact folder; the record itself is stored in the manifest and the lock file so that
// `status` and `explain` can say *why* a stage is stale.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';

/** Bump when the record's fields or their meaning change: every older artifact then misses, as it must. */
export const FINGERPRINT_FORMAT = 1;

export const FingerprintRecordSchema = z.object({
  // Why: a record written under another format has fields with other meanings; comparing them would lie.
  format: z.literal(FINGERPRINT_FORMAT),
  // Why: two stages never share an artifact even if every other field matched.
  stage: z.string(),
  // Why: the author's declaration that the output's meaning changed in a way the code digest cannot see
  // (a file format revision in a dependency, a fix in data the stage reads through another route).
  version: z.number().int(),
  // Why: editing a stage's source must rerun it. Keyed by folder relative to the project root, value = digest of
  // every file under it (path + content), so "code changed: stages/train/" can name the folder.
  code: z.record(z.string(), z.string()),
  // Why: params decide the output. Stored after defaults are applied, so spelling a default explicitly does not
  // rerun anything, and canonicalised (RFC 8785) so key order never matters. The seed is kept apart (below).
  params: z.record(z.string(), z.unknown()),
  // Why: every random choice comes from it; surfaced on its own so a seed sweep reads as such in diffs.
  seed: z.number().int().nullable(),
  // Why: an upstream change must propagate. The upstream *fingerprints* (not paths, not timestamps), by input
  // name; a fan-in input lists all of its upstreams in pipeline order.
  inputs: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  // Why: files outside the store (shipped data under data/) decide the output of source stages. Keyed by path
  // relative to the project root, value = content digest (never mtime: a fresh clone must hit the same cache).
  files: z.record(z.string(), z.string()),
  // Why: a short allowlist of environment values that change results (e.g. the TF.js backend: wasm and cpu
  // differ in the last bits). Anything not allowlisted (machine name, paths, time) must never enter here.
  env: z.record(z.string(), z.string()),
});
export type FingerprintRecord = z.infer<typeof FingerprintRecordSchema>;

/** RFC 8785 (JCS) canonical JSON: sorted keys, shortest number form; the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised as JSON');
  return text;
}

/** Length of the hex fingerprint: 80 bits, ample for a cache, short enough for folder names and messages. */
export const FINGERPRINT_HEX_LENGTH = 20;

export function fingerprintOf(record: FingerprintRecord): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex').slice(0, FINGERPRINT_HEX_LENGTH);
}

/** One human-readable reason per field that differs, most telling first: what `status` prints after "stale". */
export function diffRecords(before: FingerprintRecord, after: FingerprintRecord, nodeName: string): string[] {
  const reasons: string[] = [];
  if (before.format !== after.format) return ['engine fingerprint format changed'];
  if (before.stage !== after.stage) reasons.push(`stage changed: ${before.stage} → ${after.stage}`);
  if (before.version !== after.version) reasons.push(`version changed: ${before.version} → ${after.version}`);
  const paramChanges = diffValues(before.params, after.params, nodeName);
  if (paramChanges.length > 0) reasons.push(`params changed: ${paramChanges.join(', ')}`);
  if (before.seed !== after.seed) reasons.push(`seed changed: ${before.seed} → ${after.seed}`);
  const inputs = changedKeys(before.inputs, after.inputs);
  if (inputs.length > 0) reasons.push(`input changed: ${inputs.join(', ')}`);
  const code = changedKeys(before.code, after.code);
  if (code.length > 0) reasons.push(`code changed: ${code.join(', ')}`);
  const files = changedKeys(before.files, after.files);
  if (files.length > 0) reasons.push(`files changed: ${abbreviate(files)}`);
  const env = changedKeys(before.env, after.env).map((k) => `${k} ${show(before.env[k])} → ${show(after.env[k])}`);
  if (env.length > 0) reasons.push(`environment changed: ${env.join(', ')}`);
  return reasons;
}

function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null));
}

/** Leaf-level differences as "node.path old → new". */
function diffValues(a: unknown, b: unknown, path: string): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffValues(a[k], b[k], `${path}.${k}`));
  }
  if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return [];
  return [`${path} ${show(a)} → ${show(b)}`];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function abbreviate(items: string[]): string {
  return items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}
