// The artifact store: `<root>/<stage>/<fingerprint>/` folders whose `manifest.json` is the commit point.
// `Store` is the interface the engine uses (a shared or remote store can implement it later); `LocalStore`
// keeps artifacts on the local filesystem and builds them in `<root>/.tmp/` so the final rename is atomic.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { acquireBuildLock, isBuildLocked, type BuildLock, type BuildLockOptions } from './build-lock.ts';
import { hashFolderFiles, sha256File } from './hashing.ts';
import { MANIFEST_FILE, ManifestSchema, type Manifest } from './manifest.ts';
import { writeFileAtomic } from './atomic.ts';

export interface StagingArea {
  readonly stage: string;
  readonly fingerprint: string;
  /** Empty folder on the store's filesystem; becomes the artifact on commit. */
  readonly dir: string;
}

export interface StoredArtifact {
  readonly dir: string;
  readonly manifest: Manifest;
}

export interface ArtifactListing {
  stage: string;
  fingerprint: string;
  dir: string;
  bytes: number;
  /** False for a folder without a valid manifest: it does not count as an artifact. */
  valid: boolean;
}

export interface VerifyReport {
  stage: string;
  fingerprint: string;
  problems: string[];
}

export interface Store {
  readonly root: string;
  /** The committed artifact, or null. Costs one manifest read, never a rehash. */
  get(stage: string, fingerprint: string): Promise<StoredArtifact | null>;
  /** A fresh staging folder for a run. */
  begin(stage: string, fingerprint: string): Promise<StagingArea>;
  /** Hash the staged files, write the manifest (the commit point) and move the folder into place. */
  commit(staging: StagingArea, manifest: Omit<Manifest, 'files'>): Promise<StoredArtifact>;
  discard(staging: StagingArea): Promise<void>;
  list(): Promise<ArtifactListing[]>;
  /** The committed artifacts of `stage` whose fingerprint starts with `prefix`, sorted by fingerprint. */
  find(stage: string, prefix: string): Promise<StoredArtifact[]>;
  /** The committed artifact whose folder is `dir` (a path a user typed), or null. */
  at(dir: string): Promise<StoredArtifact | null>;
  remove(stage: string, fingerprint: string): Promise<void>;
  /** Rehash every file against the manifest. */
  verify(stage: string, fingerprint: string): Promise<VerifyReport>;
  /**
   * Remove staging leftovers of runs that died (call only while holding the store lock). Checkpoints stay, and so
   * do the staging folders of builds whose build lock is held: a worker of a distributed run may be writing them.
   */
  cleanup(): Promise<number>;
  /**
   * The build lock of one artifact: held while it is built, so two processes sharing the store never build it
   * at once; a dead holder's lock is taken over. A remote store implements it with its own primitive.
   */
  lockBuild(stage: string, fingerprint: string, options?: BuildLockOptions): Promise<BuildLock>;
  /**
   * The folder where a run of `stage` with this fingerprint keeps resumable state (training checkpoints). It
   * survives a failed or killed run, so the next run with the same fingerprint resumes from it, and it is
   * removed once the artifact is committed. Created on demand by the stage.
   */
  checkpointDir(stage: string, fingerprint: string): string;
  /** Names (`<stage>-<fingerprint>`) of the checkpoint folders unfinished runs left. */
  listCheckpoints(): Promise<string[]>;
  /** Remove one run's checkpoint folder (after a commit), or every checkpoint folder when called without a stage. */
  dropCheckpoints(stage?: string, fingerprint?: string): Promise<number>;
}

const TMP = '.tmp';
const TRASH = '.trash';
const CHECKPOINTS = '.checkpoints';

export class LocalStore implements Store {
  private readonly cache = new Map<string, StoredArtifact>();

  constructor(readonly root: string) {}

  private dirOf(stage: string, fingerprint: string): string {
    return join(this.root, stage, fingerprint);
  }

  async get(stage: string, fingerprint: string): Promise<StoredArtifact | null> {
    const key = `${stage}/${fingerprint}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const dir = this.dirOf(stage, fingerprint);
    const manifest = await readManifest(dir);
    if (!manifest || manifest.stage !== stage || manifest.fingerprint !== fingerprint) return null;
    const artifact = { dir, manifest };
    this.cache.set(key, artifact);
    return artifact;
  }

  async begin(stage: string, fingerprint: string): Promise<StagingArea> {
    const dir = join(this.root, TMP, `${stage}-${fingerprint}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return { stage, fingerprint, dir };
  }

  async commit(staging: StagingArea, partial: Omit<Manifest, 'files'>): Promise<StoredArtifact> {
    const files = await hashFolderFiles(staging.dir);
    const manifest: Manifest = ManifestSchema.parse({ ...partial, files });
    // The manifest is written last and synced: a folder is an artifact only once it holds a complete manifest.
    await writeFileAtomic(join(staging.dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    const final = this.dirOf(staging.stage, staging.fingerprint);
    await mkdir(join(this.root, staging.stage), { recursive: true });
    if (await exists(final)) {
      // A forced rerun, or a folder left without a valid manifest: move the old one aside first, so the final
      // path always holds either the old complete artifact, nothing, or the new complete artifact.
      const trash = join(
        this.root,
        TRASH,
        `${staging.stage}-${staging.fingerprint}-${process.pid}-${randomBytes(4).toString('hex')}`,
      );
      await mkdir(join(this.root, TRASH), { recursive: true });
      await rename(final, trash);
      await rename(staging.dir, final);
      await rm(trash, { recursive: true, force: true });
    } else {
      try {
        await rename(staging.dir, final);
      } catch (error) {
        // Another process committed the same fingerprint first (same inputs, same output): keep theirs.
        const code = (error as NodeJS.ErrnoException).code;
        const theirs = code === 'ENOTEMPTY' || code === 'EEXIST' ? await readManifest(final) : null;
        if (!theirs || theirs.fingerprint !== staging.fingerprint) throw error;
        await this.discard(staging);
        const artifact = { dir: final, manifest: theirs };
        this.cache.set(`${staging.stage}/${staging.fingerprint}`, artifact);
        return artifact;
      }
    }
    const artifact = { dir: final, manifest };
    this.cache.set(`${staging.stage}/${staging.fingerprint}`, artifact);
    return artifact;
  }

  async discard(staging: StagingArea): Promise<void> {
    await rm(staging.dir, { recursive: true, force: true });
  }

  async list(): Promise<ArtifactListing[]> {
    const out: ArtifactListing[] = [];
    for (const stage of await subdirs(this.root)) {
      if (stage.startsWith('.') || stage === 'bench') continue;
      for (const fingerprint of await subdirs(join(this.root, stage))) {
        const dir = this.dirOf(stage, fingerprint);
        const manifest = await readManifest(dir);
        const valid = manifest !== null && manifest.stage === stage && manifest.fingerprint === fingerprint;
        out.push({ stage, fingerprint, dir, valid, bytes: await folderBytes(dir) });
      }
    }
    return out;
  }

  async find(stage: string, prefix: string): Promise<StoredArtifact[]> {
    const found: StoredArtifact[] = [];
    for (const name of await subdirs(join(this.root, stage))) {
      if (!name.startsWith(prefix)) continue;
      const artifact = await this.get(stage, name);
      if (artifact) found.push(artifact);
    }
    return found;
  }

  async at(dir: string): Promise<StoredArtifact | null> {
    // Whatever the path, the manifest says which artifact it is; `get` then insists it sits where it should.
    const manifest = await readManifest(dir);
    if (!manifest) return null;
    const artifact = await this.get(manifest.stage, manifest.fingerprint);
    return artifact && resolve(artifact.dir) === resolve(dir) ? artifact : { dir: resolve(dir), manifest };
  }

  async remove(stage: string, fingerprint: string): Promise<void> {
    this.cache.delete(`${stage}/${fingerprint}`);
    // Rename first so a crash mid-delete leaves trash, never a half-deleted folder that still has its manifest.
    const trash = join(this.root, TRASH, `${stage}-${fingerprint}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(join(this.root, TRASH), { recursive: true });
    await rename(this.dirOf(stage, fingerprint), trash);
    await rm(trash, { recursive: true, force: true });
  }

  async verify(stage: string, fingerprint: string): Promise<VerifyReport> {
    const dir = this.dirOf(stage, fingerprint);
    const manifest = await readManifest(dir);
    if (!manifest) return { stage, fingerprint, problems: ['missing or invalid manifest.json'] };
    const problems: string[] = [];
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const entry of manifest.files) {
      const path = join(dir, entry.path);
      const info = await stat(path).catch(() => null);
      if (!info) {
        problems.push(`${entry.path}: missing`);
        continue;
      }
      if (info.size !== entry.bytes) problems.push(`${entry.path}: size ${info.size} ≠ manifest ${entry.bytes}`);
      else if ((await sha256File(path)) !== entry.sha256)
        problems.push(`${entry.path}: content changed (sha256 mismatch)`);
    }
    for (const extra of (await hashFolderFiles(dir).catch(() => [])).filter((f) => !listed.has(f.path))) {
      problems.push(`${extra.path}: not in manifest`);
    }
    return { stage, fingerprint, problems };
  }

  checkpointDir(stage: string, fingerprint: string): string {
    return join(this.root, CHECKPOINTS, `${stage}-${fingerprint}`);
  }

  listCheckpoints(): Promise<string[]> {
    return subdirs(join(this.root, CHECKPOINTS));
  }

  async dropCheckpoints(stage?: string, fingerprint?: string): Promise<number> {
    const names =
      stage !== undefined && fingerprint !== undefined
        ? [`${stage}-${fingerprint}`]
        : await subdirs(join(this.root, CHECKPOINTS));
    let removed = 0;
    for (const name of names) {
      const dir = join(this.root, CHECKPOINTS, name);
      if (!(await exists(dir))) continue;
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  lockBuild(stage: string, fingerprint: string, options?: BuildLockOptions): Promise<BuildLock> {
    return acquireBuildLock(this.root, `${stage}-${fingerprint}`, options);
  }

  async cleanup(): Promise<number> {
    let removed = 0;
    for (const sub of [TMP, TRASH]) {
      for (const name of await subdirs(join(this.root, sub))) {
        // `<stage>-<fingerprint>-<pid>-<random>`: a live builder of that artifact may still be writing it.
        const key = /^(.+-[0-9a-f]{20})-\d+-[0-9a-f]{8}$/.exec(name)?.[1];
        if (key && (await isBuildLocked(this.root, key))) continue;
        await rm(join(this.root, sub, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}

/** The valid manifest of the artifact folder `dir`, or null (missing, unreadable or invalid: not an artifact). */
export async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
