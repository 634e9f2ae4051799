// Integrity checks against the registry: every file the stage emits, whatever its route (copied from data/,
// downloaded, extracted, converted), passes through here, so "the artifact holds exactly the registered bytes"
// holds by construction.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import type { SourceFile } from './sources.ts';

/** A file whose bytes are not the registered ones; the message names it and both digests (or sizes). */
export class IntegrityError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    detail = '',
  ) {
    super(`integrity check failed for ${file}: expected ${expected}, got ${actual}${detail}`);
    this.name = 'IntegrityError';
  }
}

export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Check `path` against the registry entry; `label` is how the error names the file (a data/ path or a URL). */
export async function verifyFile(
  path: string,
  expected: SourceFile,
  label: string,
  signal?: AbortSignal,
): Promise<void> {
  const { size } = await stat(path);
  // Why size first: cheap, and it tells a truncated file from an edited one at a glance.
  if (size !== expected.bytes) {
    throw new IntegrityError(label, `${expected.bytes} bytes`, `${size} bytes`);
  }
  const actual = await sha256OfFile(path, signal);
  if (actual !== expected.sha256) {
    throw new IntegrityError(label, `sha256 ${expected.sha256}`, `sha256 ${actual}`);
  }
}

/**
 * Copy `src` to `dest`, hashing the bytes as they are written (one read, not two), and delete `dest` unless they
 * are exactly the registered ones.
 */
export async function copyVerified(
  src: string,
  dest: string,
  expected: SourceFile,
  label: string,
  signal?: AbortSignal,
): Promise<void> {
  let size: number;
  try {
    size = (await stat(src)).size;
  } catch {
    throw new IntegrityError(label, `a file of ${expected.bytes} bytes`, 'no such file');
  }
  if (size !== expected.bytes) throw new IntegrityError(label, `${expected.bytes} bytes`, `${size} bytes`);
  const hash = createHash('sha256');
  const out = await open(dest, 'wx');
  try {
    for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20, signal })) {
      hash.update(chunk as Buffer);
      await out.write(chunk as Buffer);
    }
  } finally {
    await out.close();
  }
  const actual = hash.digest('hex');
  if (actual !== expected.sha256) {
    await rm(dest, { force: true });
    throw new IntegrityError(label, `sha256 ${expected.sha256}`, `sha256 ${actual}`);
  }
}
