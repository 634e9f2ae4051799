// Distributed runs on a store: a distributed coordinator does not hold the store lock for its run (other
// coordinators and every worker share the store), so it leaves a lease in `<store>/.runs/` instead, refreshed
// while it runs. `gc` holds the store lock and refuses while a live lease exists: an artifact a worker has just
// committed is not yet in the lock file, and must not be collected as unreferenced.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './owner.ts';

const RUNS = '.runs';
const REFRESH_MS = 30_000;
/** A lease not refreshed for this long belongs to a coordinator that died on another host. */
const STALE_MS = 5 * 60_000;

interface LeaseOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface RunLease {
  release(): Promise<void>;
}

export async function takeRunLease(storeRoot: string): Promise<RunLease> {
  const dir = join(storeRoot, RUNS);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const owner: LeaseOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
  };
  await writeFile(path, JSON.stringify(owner));
  const timer = setInterval(() => {
    const now = new Date();
    void utimes(path, now, now).catch(() => {});
  }, REFRESH_MS);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await rm(path, { force: true });
    },
  };
}

/** Live distributed runs on this store, described for a message (dead ones' leases are removed). */
export async function liveRuns(storeRoot: string): Promise<string[]> {
  const dir = join(storeRoot, RUNS);
  const names = await readdir(dir).catch(() => [] as string[]);
  const live: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const [info, text] = await Promise.all([stat(path).catch(() => null), readFile(path, 'utf8').catch(() => null)]);
    if (!info || text === null) continue;
    let owner: LeaseOwner | null = null;
    try {
      owner = JSON.parse(text) as LeaseOwner;
    } catch {
      owner = null;
    }
    const dead = (owner && owner.host === hostname() && !isAlive(owner.pid)) || Date.now() - info.mtimeMs > STALE_MS;
    if (dead) {
      await rm(path, { force: true });
      continue;
    }
    live.push(
      owner
        ? `pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}${owner.command ? `: ${owner.command}` : ''}`
        : name,
    );
  }
  return live;
}
