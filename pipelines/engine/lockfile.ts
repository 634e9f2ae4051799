// The lock file (`hybrid-xlr.lock.json`, committed by users like `dvc.lock`): which fingerprint each node of
// each pipeline produced in its last run, with the full record, so `status` can explain staleness and `gc` knows
// what to keep.
import { readFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { UserError } from './errors.ts';
import { FingerprintRecordSchema } from './fingerprint.ts';
import { writeFileAtomic } from './atomic.ts';

export const LOCK_FILE = 'hybrid-xlr.lock.json';

const LockedNodeSchema = z.object({
  stage: z.string(),
  fingerprint: z.string(),
  record: FingerprintRecordSchema,
});
export type LockedNode = z.infer<typeof LockedNodeSchema>;

const LockSchema = z.object({
  version: z.literal(1),
  pipelines: z.record(z.string(), z.object({ nodes: z.record(z.string(), LockedNodeSchema) })),
});
export type Lock = z.infer<typeof LockSchema>;

export async function readLock(path: string): Promise<Lock> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { version: 1, pipelines: {} };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `${path}: not valid JSON (${(error as Error).message}); fix it or delete it (it only records the last run)`,
    );
  }
  const parsed = LockSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}; fix it or delete it (it only records the last run)`,
    );
  }
  return parsed.data;
}

/** Written atomically, with sorted keys so diffs in git stay small. */
export async function writeLock(path: string, lock: Lock): Promise<void> {
  const sorted: Lock = { version: 1, pipelines: {} };
  for (const name of Object.keys(lock.pipelines).sort()) {
    const nodes = lock.pipelines[name].nodes;
    sorted.pipelines[name] = {
      nodes: Object.fromEntries(
        Object.keys(nodes)
          .sort()
          .map((id) => [id, nodes[id]]),
      ),
    };
  }
  await writeFileAtomic(path, `${JSON.stringify(sorted, null, 2)}\n`);
}

/** Every fingerprint any pipeline in the lock references, as `stage/fingerprint`. */
export function referencedArtifacts(lock: Lock): Set<string> {
  const refs = new Set<string>();
  for (const pipeline of Object.values(lock.pipelines)) {
    for (const node of Object.values(pipeline.nodes)) refs.add(`${node.stage}/${node.fingerprint}`);
  }
  return refs;
}

/**
 * Read, change and write the lock file under a short lock of its own, so runs that share a project root (two
 * distributed coordinators, which do not hold the store lock for their whole run) merge their entries instead
 * of overwriting each other's. `change` returns whether it changed anything; nothing is written otherwise.
 */
export async function updateLock(path: string, change: (lock: Lock) => boolean): Promise<void> {
  const release = await lockfile.lock(path, {
    lockfilePath: `${path}.writing`,
    realpath: false,
    stale: 10_000,
    retries: { retries: 200, minTimeout: 10, maxTimeout: 100 },
  });
  try {
    const lock = await readLock(path);
    if (change(lock)) await writeLock(path, lock);
  } finally {
    await release();
  }
}
