// One builder per artifact: a lock per `<stage>-<fingerprint>` in the store (`<root>/.locks/`), so two processes
// that share a store (two workers of a distributed run, a worker and a local run, two machines on one NFS mount)
// never build the same artifact at once, and a builder that died leaves a lock the next one takes over.
// proper-lockfile gives the atomic mkdir lock and mtime refreshes; the owner file beside it lets a process on the
// same host take over a dead holder's lock at once (its pid is gone) instead of after the staleness period, which
// remains the rule across hosts.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { isAlive, readOwner } from './owner.ts';

const LOCKS = '.locks';

/**
 * A holder refreshes its lock's mtime every UPDATE_MS; a lock older than STALE_MS belongs to a dead holder on
 * another host. Long enough that a busy event loop (a training step) never looks dead, short enough that a
 * crashed worker's job, which BullMQ hands on after its own lock expires (30 s), does not wait long.
 * `HXLR_BUILD_LOCK_STALE_MS` shortens it for tests.
 */
const DEFAULT_STALE_MS = 60_000;

interface Owner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface BuildLock {
  release(): Promise<void>;
  /** Set when the lock was taken over from a holder that died. */
  recoveredFrom?: Owner;
}

export interface BuildLockOptions {
  signal?: AbortSignal;
  /** Called once when another live process holds the lock and we start waiting for it. */
  onWait?: (holder: string) => void;
  staleMs?: number;
}

function paths(storeRoot: string, key: string): { dir: string; target: string; lock: string; owner: string } {
  const dir = join(storeRoot, LOCKS);
  // proper-lockfile keeps its in-process registry by target path: one target per key, never the shared folder,
  // or two builds in one process (--jobs 2, a worker's --concurrency) would release each other's locks.
  return { dir, target: join(dir, key), lock: join(dir, `${key}.lock`), owner: join(dir, `${key}.owner.json`) };
}

function staleMs(options: BuildLockOptions): number {
  return options.staleMs ?? (Number(process.env.HXLR_BUILD_LOCK_STALE_MS) || DEFAULT_STALE_MS);
}

/** Waits until this process holds the build lock of `key` (`<stage>-<fingerprint>`). */
export async function acquireBuildLock(
  storeRoot: string,
  key: string,
  options: BuildLockOptions = {},
): Promise<BuildLock> {
  const p = paths(storeRoot, key);
  await mkdir(p.dir, { recursive: true });
  const stale = Math.max(2000, staleMs(options));
  let recoveredFrom: Owner | undefined;
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const release = await lockfile.lock(p.target, {
        lockfilePath: p.lock,
        stale,
        update: Math.max(1000, Math.floor(stale / 4)),
        realpath: false,
        // Losing the lock (another host judged us dead) is survivable: the store's commit keeps whichever complete
        // artifact lands first, both hold the same bytes. A warning, not a crash mid-stage.
        onCompromised: (error) => process.emitWarning(`build lock ${key} compromised: ${error.message}`),
      });
      const owner: Owner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
      await writeFile(p.owner, JSON.stringify(owner));
      return {
        recoveredFrom,
        release: async () => {
          await rm(p.owner, { force: true });
          await release().catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    const owner = await readOwner<Owner>(p.owner);
    if (owner && owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid)) {
      // Same reasoning as the store lock: re-read just before, remove the dead owner file first, then its lock.
      const again = await readOwner<Owner>(p.owner);
      if (!again || again.pid !== owner.pid) continue;
      await rm(p.owner, { force: true });
      await rm(p.lock, { recursive: true, force: true });
      recoveredFrom = owner;
      continue;
    }
    if (!told) {
      options.onWait?.(owner ? `pid ${owner.pid} on ${owner.host} since ${owner.startedAt}` : 'another process');
      told = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** True while a live process holds the build lock of `key` (a staging folder of that key is then in use). */
export async function isBuildLocked(
  storeRoot: string,
  key: string,
  options: { staleMs?: number } = {},
): Promise<boolean> {
  const p = paths(storeRoot, key);
  const owner = await readOwner<Owner>(p.owner);
  if (owner && owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid)) return false;
  return lockfile
    .check(p.target, { lockfilePath: p.lock, stale: Math.max(2000, staleMs(options)), realpath: false })
    .catch(() => false);
}
