// Committing a file: the one way the project puts a file in place so that a reader, or a run killed at any
// moment, sees the old content or the new content and never a torn one. Whole buffers go through
// write-file-atomic (unique temp name beside the target, fsync, rename, temp removed on failure, writes to one
// path serialised); files produced by a stream are written to `tempPathFor(target)` and committed by
// `commitFile`, which syncs the data before the rename and the folder after it.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';

/** Writes `data` to `path` atomically and durably (creating the folder); utf8 for strings. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const bytes = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await writeFileAtomicLib(path, bytes, { fsync: true });
}

/** A unique temporary name beside `target` (same folder, so the rename cannot cross filesystems). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Moves a fully written temporary file into place: its data synced first, the rename then made durable. */
export async function commitFile(temp: string, target: string): Promise<void> {
  try {
    await syncPath(temp, 'r+');
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // The rename lives in the folder's entry table: sync it so a power cut cannot undo the commit. Some
  // filesystems refuse fsync on a folder (EISDIR/EINVAL): the rename itself is then all they offer.
  await syncPath(dirname(target), 'r').catch(() => undefined);
}

async function syncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
