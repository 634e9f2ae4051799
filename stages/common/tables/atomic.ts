// Row tables: the files a table writer streams into. Each file is written to the project's temporary path
// beside its target (`tempPathFor`), its writes overlap the encoding of the next row group, and it is fsynced
// (all of a table's files in parallel) before `commitFile` moves it into place; a failed write removes it.
// The whole-buffer helper (`writeFileAtomic`) does not fit: a table is streamed row group by row group.

import { open, unlink, type FileHandle } from 'node:fs/promises';
import { commitFile, tempPathFor } from '../../../pipelines/engine/index.ts';

export interface Target {
  final: string;
  tmp: string;
  fh: FileHandle;
  bytes: number;
  /** The write in flight, if any: at most one per file, so memory stays bounded by one row group. */
  inflight: Promise<void>;
}

export async function openTarget(final: string): Promise<Target> {
  const tmp = tempPathFor(final);
  const fh = await open(tmp, 'wx');
  return { final, tmp, fh, bytes: 0, inflight: Promise.resolve() };
}

/**
 * Starts writing `bytes` once the previous write to `t` is done, without waiting for it: the copy into
 * the page cache (~0.5 GB/s here) runs on libuv's thread pool while the next row group is encoded.
 * Waits for the previous write first, so its error surfaces here and at most one is in flight.
 * `bytes` must not be modified until `t.inflight` settles.
 */
export async function queueWrite(t: Target, bytes: Uint8Array | Uint8Array[]): Promise<void> {
  await t.inflight;
  t.inflight = writeAll(t, bytes);
  t.inflight.catch(() => undefined); // handled by the next queueWrite or by close()
}

// writev rather than concatenating: a record batch is tens of MB in many small buffers.
async function writeAll(t: Target, bytes: Uint8Array | Uint8Array[]): Promise<void> {
  const parts = Array.isArray(bytes) ? bytes : [bytes];
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  if (total === 0) return;
  const { bytesWritten } = await t.fh.writev(parts);
  if (bytesWritten < total) {
    const rest = Buffer.concat(parts).subarray(bytesWritten);
    let off = 0;
    while (off < rest.byteLength) off += (await t.fh.write(rest, off, rest.byteLength - off)).bytesWritten;
  }
  t.bytes += total;
}

/** Awaits every promise, then throws the first error, so nothing is left running on failure. */
export async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Waits for the write in flight, fsyncs and closes the file (it stays at its temporary path). */
export async function syncTarget(t: Target): Promise<void> {
  await t.inflight;
  await t.fh.sync();
  await t.fh.close();
}

/** Moves a synced file to its final path (commitFile's own sync then finds nothing left to flush). */
export async function publishTarget(t: Target): Promise<void> {
  await commitFile(t.tmp, t.final);
}

/** Closes and removes a file that will not be published; never throws. */
export async function discardTarget(t: Target): Promise<void> {
  await t.inflight.catch(() => undefined);
  await t.fh.close().catch(() => undefined);
  await unlink(t.tmp).catch(() => undefined);
}
