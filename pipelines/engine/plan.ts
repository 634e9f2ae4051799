// Planning: the fingerprint record of every instance (from definitions and file digests alone, without running
// anything), and each instance's status against the store and the lock file.
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FINGERPRINT_FORMAT, diffRecords, fingerprintOf, type FingerprintRecord } from './fingerprint.ts';
import type { Expansion, Instance } from './expand.ts';
import { createHash } from 'node:crypto';
import { DigestCache, listFiles } from './hashing.ts';
import type { Lock } from './lockfile.ts';
import { paramsWithoutSeed, seedOf } from './params.ts';
import type { Store } from './store.ts';

export interface Planned {
  instance: Instance;
  record: FingerprintRecord;
  fingerprint: string;
}

export type Status = { kind: 'fresh' } | { kind: 'stale'; reasons: string[] } | { kind: 'never-run' };

export class Planner {
  private readonly codeDigests = new Map<string, Promise<string>>();

  constructor(
    private readonly rootDir: string,
    private readonly digests: DigestCache,
  ) {}

  /** Records and fingerprints of all instances, upstream first. */
  async plan(expansion: Expansion): Promise<Map<string, Planned>> {
    const planned = new Map<string, Planned>();
    for (const instance of expansion.instances) {
      const record = await this.record(instance, planned);
      planned.set(instance.id, { instance, record, fingerprint: fingerprintOf(record) });
    }
    return planned;
  }

  private async record(instance: Instance, upstream: Map<string, Planned>): Promise<FingerprintRecord> {
    const { stage, params } = instance;
    const sources = [stage.sourceDir, ...(stage.extraSources ?? [])].map(toPath);
    const code: Record<string, string> = {};
    for (const source of sources) code[this.label(source)] = await this.codeDigest(source);
    const files: Record<string, string> = {};
    for (const rel of stage.files?.(params) ?? []) files[rel] = await this.digests.pathDigest(join(this.rootDir, rel));
    const inputs: Record<string, string | string[]> = {};
    for (const [name, ids] of Object.entries(instance.inputs)) {
      inputs[name] = Array.isArray(ids)
        ? ids.map((id) => upstream.get(id)!.fingerprint)
        : upstream.get(ids)!.fingerprint;
    }
    return {
      format: FINGERPRINT_FORMAT,
      stage: stage.name,
      version: stage.version,
      code,
      params: paramsWithoutSeed(stage.params, params, stage.runtimeParams),
      seed: seedOf(stage.params, params),
      inputs,
      files,
      env: stage.env?.(params) ?? {},
    };
  }

  /**
   * Folder digest over (relative path, content digest) of every source file; memoised per run. Markdown is left
   * out: a stage's README documents its output but never decides it, and editing it must not rerun the stage.
   */
  private codeDigest(path: string): Promise<string> {
    let digest = this.codeDigests.get(path);
    if (!digest) {
      digest = (async () => {
        const hash = createHash('sha256');
        const isDir = !/\.[cm]?[jt]s$/.test(path);
        const files = isDir ? (await listFiles(path)).filter((rel) => !DOC_FILE.test(rel)) : [''];
        for (const rel of files)
          hash.update(`${rel}\0${await this.digests.fileDigest(rel ? join(path, rel) : path)}\n`);
        return hash.digest('hex');
      })();
      this.codeDigests.set(path, digest);
    }
    return digest;
  }

  /** Project-relative posix path, so the record is the same on every machine and clone. */
  private label(path: string): string {
    const rel = relative(this.rootDir, path).split(sep).join('/');
    const isDir = !/\.[cm]?[jt]s$/.test(path);
    return isDir ? `${rel}/` : rel;
  }
}

const DOC_FILE = /\.(md|markdown)$/i;

function toPath(source: string | URL): string {
  const path = source instanceof URL || source.startsWith('file:') ? fileURLToPath(source) : source;
  return path.endsWith(sep) ? path.slice(0, -1) : path;
}

export async function statusOf(planned: Planned, store: Store, lock: Lock, pipeline: string): Promise<Status> {
  if (await store.get(planned.instance.stage.name, planned.fingerprint)) return { kind: 'fresh' };
  const previous = lock.pipelines[pipeline]?.nodes[planned.instance.id];
  if (!previous) return { kind: 'never-run' };
  if (previous.fingerprint === planned.fingerprint) {
    return { kind: 'stale', reasons: ['artifact missing from the store (removed by gc or by hand)'] };
  }
  const reasons = diffRecords(previous.record, planned.record, planned.instance.node);
  return { kind: 'stale', reasons: reasons.length > 0 ? reasons : ['fingerprint changed'] };
}
