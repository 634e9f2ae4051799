// The offline default: copy a dataset from the shipped data/<dataset>/ folder, verifying every file against the
// registry so that an edited or corrupted data/ file stops the run instead of producing a quietly different artifact.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetSource, SourceFile } from './sources.ts';
import { copyVerified } from './verify.ts';

/** Files allowed in data/<dataset>/ besides the registered ones: documentation, never copied. */
const DOCUMENTATION = new Set(['PROVENANCE.md']);

export interface LocalCopyOptions {
  rootDir: string;
  outDir: string;
  signal: AbortSignal;
  onFile: (file: SourceFile) => void;
  /** Files present in data/<dataset>/ that the registry does not know: reported, not copied. */
  onUnknown?: (path: string) => void;
}

export function localDir(dataset: DatasetSource): string {
  return `data/${dataset.id}`;
}

export async function copyDataset(dataset: DatasetSource, options: LocalCopyOptions): Promise<void> {
  const srcDir = join(options.rootDir, localDir(dataset));
  const destDir = join(options.outDir, dataset.id);
  await mkdir(destDir, { recursive: true });
  const known = new Set(dataset.files.map((f) => f.name));
  try {
    for (const name of await readdir(srcDir)) {
      if (!known.has(name) && !DOCUMENTATION.has(name) && !name.startsWith('.')) {
        options.onUnknown?.(`${localDir(dataset)}/${name}`);
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${localDir(dataset)}/ does not exist under ${options.rootDir}: the shipped data is missing`);
    }
    throw error;
  }
  for (const file of dataset.files) {
    options.signal.throwIfAborted();
    await copyVerified(join(srcDir, file.name), join(destDir, file.name), file, `data/${file.path}`, options.signal);
    options.onFile(file);
  }
}
