// Extract a downloaded zip without trusting it: an archive from the network (or a tampered mirror) can name files
// outside the target (zip-slip), smuggle symlinks, or inflate to terabytes (zip bombs). Every entry is checked
// before and while it is written; any violation refuses the whole archive, and nothing but a temporary folder
// (removed on failure) is ever written, so the target either holds the complete extraction or does not exist.
import { crc32 } from 'node:zlib';
import { mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

export interface ZipLimits {
  /** Entries in the central directory, directories included. */
  maxEntries: number;
  /** Uncompressed bytes of one extracted entry. */
  maxEntryBytes: number;
  /** Uncompressed bytes of all extracted entries together. */
  maxTotalBytes: number;
  /** Uncompressed / compressed; text compresses ~5–10×, bombs 1000×. */
  maxRatio: number;
  /** The ratio is only checked above this many bytes: tiny files legitimately compress very well. */
  ratioFloorBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 256 * MiB,
  maxTotalBytes: 1024 * MiB,
  maxRatio: 200,
  ratioFloorBytes: 1 * MiB,
};

export interface ExtractOptions {
  limits?: Partial<ZipLimits>;
  /** Extract only entries for which this returns true; all entries are still checked for unsafe names and types. */
  include?: (name: string) => boolean;
  signal?: AbortSignal;
}

export interface ExtractResult {
  /** Extracted file paths relative to the target, posix separators, in archive order. */
  files: string[];
  bytes: number;
}

/** An archive refused for safety or integrity; names the archive and the offending entry. */
export class UnsafeZipError extends Error {
  constructor(
    readonly archive: string,
    readonly entry: string | undefined,
    reason: string,
  ) {
    super(`refusing zip archive ${archive}${entry === undefined ? '' : `, entry "${entry}"`}: ${reason}`);
    this.name = 'UnsafeZipError';
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Extract `archive` into `target`, which must not exist yet: entries go to a sibling temporary folder that is
 * renamed to `target` only after every entry passed.
 */
export async function extractZip(
  archive: string,
  target: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const limits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  const include = options.include ?? (() => true);
  if (await exists(target)) throw new Error(`extractZip: target ${target} already exists`);
  await mkdir(dirname(target), { recursive: true });
  const temp = await mkdtemp(join(dirname(target), `.${basename(target)}.extract-`));
  // Why decodeStrings off and our own size checks: yauzl would rewrite backslashes to slashes and enforce sizes
  // with messages that do not name the archive; we want to refuse backslashes and say exactly what was wrong.
  let zip: yauzl.ZipFile | undefined;
  try {
    try {
      zip = await yauzl.openPromise(archive, {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: false,
        validateEntrySizes: false,
      });
    } catch (error) {
      throw new UnsafeZipError(archive, undefined, `not a readable zip (${(error as Error).message})`);
    }
    if (zip.entryCount > limits.maxEntries) {
      throw new UnsafeZipError(archive, undefined, `${zip.entryCount} entries, over the limit of ${limits.maxEntries}`);
    }
    const seen = new Set<string>();
    const files: string[] = [];
    let total = 0;
    for await (const entry of zip.eachEntry()) {
      options.signal?.throwIfAborted();
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      const refuse = (reason: string) => new UnsafeZipError(archive, name, reason);
      const relative = safeRelativePath(name, refuse);
      const full = resolve(temp, relative);
      if (full !== temp && !full.startsWith(temp + sep)) throw refuse('path escapes the target folder');
      const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (type === S_IFLNK) throw refuse('symbolic links are not allowed');
      const isDir = name.endsWith('/');
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        throw refuse(`special file type 0o${type.toString(8)} is not allowed`);
      }
      if (seen.has(relative)) throw refuse('duplicate entry');
      seen.add(relative);
      if (!include(name)) continue;
      if (isDir) {
        await mkdir(full, { recursive: true });
        continue;
      }
      if (entry.isEncrypted()) throw refuse('encrypted entries are not supported');
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw refuse(`compression method ${entry.compressionMethod} is not supported`);
      }
      checkDeclaredSizes(entry, total, limits, refuse);
      await mkdir(dirname(full), { recursive: true });
      const bytes = await writeEntry(zip, entry, full, total, limits, refuse, options.signal);
      total += bytes;
      files.push(relative);
    }
    zip.close();
    zip = undefined;
    await rename(temp, target);
    return { files, bytes: total };
  } catch (error) {
    zip?.close();
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The entry's path relative to the target, or a refusal. Checks the raw name (not a normalised one) so that
 * `a/../../x`, `/etc/x`, `C:x`, `\\server\x` and `a\..\..\x` are all refused rather than "repaired".
 */
export function safeRelativePath(name: string, refuse: (reason: string) => Error): string {
  if (name.length === 0) throw refuse('empty file name');
  if (name.includes('\0')) throw refuse('NUL in file name');
  if (name.includes('\\')) throw refuse('backslash in file name (Windows path separator)');
  if (/^[A-Za-z]:/.test(name)) throw refuse('drive letter: absolute path');
  if (name.startsWith('/')) throw refuse('absolute path');
  const segments = name.split('/');
  if (segments.includes('..')) throw refuse('".." path segment escapes the target folder');
  const normalised = posix.normalize(name).replace(/\/+$/, '');
  if (normalised === '' || normalised === '.') throw refuse('names the target folder itself');
  return normalised;
}

function checkDeclaredSizes(
  entry: yauzl.Entry,
  totalSoFar: number,
  limits: ZipLimits,
  refuse: (reason: string) => Error,
): void {
  const size = entry.uncompressedSize;
  if (size > limits.maxEntryBytes) {
    throw refuse(`declares ${size} uncompressed bytes, over the per-entry limit of ${limits.maxEntryBytes}`);
  }
  if (totalSoFar + size > limits.maxTotalBytes) {
    throw refuse(`would bring the extracted total over the limit of ${limits.maxTotalBytes} bytes`);
  }
  if (entry.compressionMethod === 0 && entry.compressedSize !== size) {
    throw refuse(`stored entry with compressed size ${entry.compressedSize} ≠ uncompressed size ${size}`);
  }
  if (size > limits.ratioFloorBytes && size > entry.compressedSize * limits.maxRatio) {
    throw refuse(
      `compression ratio ${(size / Math.max(1, entry.compressedSize)).toFixed(0)}:1 is over the limit of ${limits.maxRatio}:1`,
    );
  }
}

/** Inflate one entry to `path`, counting real bytes: the header's sizes are claims, checked here as data flows. */
async function writeEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  path: string,
  totalSoFar: number,
  limits: ZipLimits,
  refuse: (reason: string) => Error,
  signal: AbortSignal | undefined,
): Promise<number> {
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    throw refuse(`cannot read entry (${(error as Error).message})`);
  }
  // 'wx': the temporary folder is fresh, so an existing file here could only be planted by an earlier entry.
  const file = await open(path, 'wx');
  let count = 0;
  let crc = 0;
  try {
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        signal?.throwIfAborted();
        count += chunk.length;
        if (count > entry.uncompressedSize) {
          throw refuse(`inflates to more than the ${entry.uncompressedSize} bytes its header declares`);
        }
        if (count > limits.maxEntryBytes)
          throw refuse(`inflates past the per-entry limit of ${limits.maxEntryBytes} bytes`);
        if (totalSoFar + count > limits.maxTotalBytes) {
          throw refuse(`inflating it brings the total past the limit of ${limits.maxTotalBytes} bytes`);
        }
        if (count > limits.ratioFloorBytes && count > entry.compressedSize * limits.maxRatio) {
          throw refuse(`inflates past the compression ratio limit of ${limits.maxRatio}:1`);
        }
        crc = crc32(chunk, crc);
        await file.write(chunk, 0, chunk.length);
      }
    } catch (error) {
      stream.destroy();
      if (error instanceof UnsafeZipError || signal?.aborted) throw error;
      throw refuse(`corrupt data (${(error as Error).message})`);
    }
    if (count !== entry.uncompressedSize) {
      throw refuse(`inflates to ${count} bytes but its header declares ${entry.uncompressedSize}`);
    }
    if (crc >>> 0 !== entry.crc32 >>> 0) throw refuse('CRC-32 mismatch (corrupt archive)');
    return count;
  } finally {
    await file.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
