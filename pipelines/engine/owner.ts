// Who holds a lock or lease: the owner record the store-wide lock, the build locks and the run leases write beside
// their lock files, and whether that process is still alive (same host only: a pid means nothing across machines).
import { readFile } from 'node:fs/promises';

export interface OwnerRecord {
  pid: number;
  host: string;
  startedAt: string;
}

/** The owner file's record, or null when it is missing or torn (being written, or left by a crash). */
export async function readOwner<T extends OwnerRecord = OwnerRecord>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Whether process `pid` exists on this host (EPERM: it exists but is another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
