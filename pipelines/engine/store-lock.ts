// One writer at a time on a store: a second `npm run pipeline` either waits (--wait) or exits with a clear
// message. proper-lockfile gives an atomic mkdir lock; we add an owner file so a lock left by a killed run
// (SIGKILL, power loss) is recognised at once by its dead pid instead of after a long staleness timeout.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { EXIT, UserError } from './errors.ts';
import { isAlive, readOwner } from './owner.ts';

interface Owner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface StoreLock {
  release(): Promise<void>;
  /** Set when the lock was taken over from a dead process. */
  recoveredFrom?: Owner;
}

export interface AcquireOptions {
  /** Wait for the other run to finish instead of failing. */
  wait?: boolean;
  /** Called once when we start waiting. */
  onWait?: (message: string) => void;
  /** Upper bound on waiting, in ms (default: no bound). */
  waitTimeoutMs?: number;
}

// Staleness by mtime is only a last resort (another host on a shared disk); a long synchronous training step
// must never make a live lock look stale, hence the long period.
const STALE_MS = 30 * 60_000;
const UPDATE_MS = 60_000;

export async function acquireStoreLock(storeRoot: string, options: AcquireOptions = {}): Promise<StoreLock> {
  await mkdir(storeRoot, { recursive: true });
  const lockPath = join(storeRoot, '.lock');
  const ownerPath = join(storeRoot, '.lock-owner.json');
  const started = Date.now();
  let told = false;
  let recoveredFrom: Owner | undefined;
  for (;;) {
    try {
      const release = await lockfile.lock(storeRoot, {
        lockfilePath: lockPath,
        stale: STALE_MS,
        update: UPDATE_MS,
        realpath: false,
        // The lock guards against concurrent writers, it does not hold data: losing it is worth a warning,
        // not a crash in the middle of a stage.
        onCompromised: (error) => process.emitWarning(`store lock compromised: ${error.message}`),
      });
      const owner: Owner = {
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        command: process.argv.slice(2).join(' '),
      };
      await writeFile(ownerPath, JSON.stringify(owner));
      return {
        recoveredFrom,
        // The owner file goes first: an owner file that outlives its lock always names a dead process.
        release: async () => {
          await rm(ownerPath, { force: true });
          await release();
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    const owner = await readOwner<Owner>(ownerPath);
    if (owner && owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid)) {
      // The holder died without releasing: take the lock over. Re-read the owner just before, so two waiters
      // recovering at once do not remove each other's fresh lock; remove the dead owner file first, so nobody
      // mistakes the next holder (before it writes its own) for the dead one.
      const again = await readOwner<Owner>(ownerPath);
      if (!again || again.pid !== owner.pid) continue;
      await rm(ownerPath, { force: true });
      // proper-lockfile only unlocks locks this process holds; the dead holder's lock is a plain folder.
      await rm(lockPath, { recursive: true, force: true });
      recoveredFrom = owner;
      continue;
    }
    const who = owner
      ? `pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}${owner.command ? `: ${owner.command}` : ''}`
      : 'another process';
    if (!options.wait) {
      throw new UserError(
        `the artifact store ${storeRoot} is in use by another pipeline run (${who}). Wait for it to finish, or pass --wait to queue behind it.`,
        EXIT.locked,
      );
    }
    if (options.waitTimeoutMs !== undefined && Date.now() - started > options.waitTimeoutMs) {
      throw new UserError(
        `gave up waiting for the artifact store lock after ${options.waitTimeoutMs} ms (held by ${who})`,
        EXIT.locked,
      );
    }
    if (!told) {
      options.onWait?.(`waiting for another pipeline run to finish (${who})`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
