// Content digests: of artifact files (for manifests and `verify`), of stage source folders and of declared data
// files (for fingerprints). A stat cache keeps a no-op rerun from rehashing unchanged files.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { LOG_FILE, MANIFEST_FILE, type FileEntry } from './manifest.ts';
import { writeFileAtomic } from './atomic.ts';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir`, as sorted posix paths relative to it. Dotfiles and node_modules are skipped. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(current: string): Promise<void> {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  }
  await walk(dir);
  return out.sort();
}

/** The data files of an artifact folder with size and digest; the manifest and the log are not data. */
export async function hashFolderFiles(dir: string): Promise<FileEntry[]> {
  const files = (await listFiles(dir)).filter((f) => f !== MANIFEST_FILE && f !== LOG_FILE);
  const entries: FileEntry[] = [];
  for (const path of files) {
    const full = join(dir, path);
    const [info, sha256] = await Promise.all([stat(full), sha256File(full)]);
    entries.push({ path, bytes: info.size, sha256 });
  }
  return entries;
}

interface CachedDigest {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

/**
 * Digests of files and folders outside the store, remembered by (size, mtime, inode) like git's index and DVC's
 * state db: unchanged files are not reread. The cache only saves time; a miss always rehashes content.
 */
export class DigestCache {
  private entries = new Map<string, CachedDigest>();
  private dirty = false;

  constructor(private readonly cachePath: string) {}

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.cachePath, 'utf8')) as Record<string, CachedDigest>;
      this.entries = new Map(Object.entries(parsed));
    } catch {
      this.entries = new Map();
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await writeFileAtomic(this.cachePath, JSON.stringify(Object.fromEntries(this.entries)));
    this.dirty = false;
  }

  async fileDigest(path: string): Promise<string> {
    const info = await stat(path);
    const hit = this.entries.get(path);
    if (hit && hit.size === info.size && hit.mtimeMs === info.mtimeMs && hit.ino === info.ino) return hit.sha256;
    const sha256 = await sha256File(path);
    this.entries.set(path, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256 });
    this.dirty = true;
    return sha256;
  }

  /** A file's digest, or for a folder the digest of its sorted (path, digest) list. */
  async pathDigest(path: string): Promise<string> {
    const info = await stat(path).catch(() => null);
    if (info === null) throw new Error(`declared file or folder does not exist: ${path}`);
    if (!info.isDirectory()) return this.fileDigest(path);
    const hash = createHash('sha256');
    for (const rel of await listFiles(path)) hash.update(`${rel}\0${await this.fileDigest(join(path, rel))}\n`);
    return hash.digest('hex');
  }
}
