// Fetch one dataset from its official location (or a mirror with the same paths) into the artifact. Each registry
// location kind has its own route to the same end: `<outDir>/<dataset>/<file>` holding exactly the registered bytes.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { download, type DownloadOptions } from './http.ts';
import { museTextToTsv } from './muse.ts';
import { remoteUrl, type DatasetSource, type SourceFile } from './sources.ts';
import { IntegrityError, sha256OfFile, verifyFile } from './verify.ts';
import { extractZip } from './zip.ts';
import { commitFile, tempPathFor } from '../../pipelines/engine/index.ts';

export interface RemoteFetchOptions {
  outDir: string;
  /** Scratch folder for archives and raw dictionaries; the caller removes it. */
  tmpDir: string;
  baseUrl?: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  retries: number;
  random: () => number;
  signal: AbortSignal;
  /** Called once per finished file. */
  onFile: (file: SourceFile) => void;
  onBytes?: (label: string, done: number, total: number | undefined) => void;
  onRetry?: DownloadOptions['onRetry'];
}

export async function fetchDataset(dataset: DatasetSource, options: RemoteFetchOptions): Promise<{ urls: string[] }> {
  const dir = join(options.outDir, dataset.id);
  await mkdir(dir, { recursive: true });
  const common = {
    dispatcher: options.dispatcher,
    timeoutMs: options.timeoutMs,
    stallTimeoutMs: options.timeoutMs,
    retries: options.retries,
    random: options.random,
    signal: options.signal,
    onRetry: options.onRetry,
  } satisfies Partial<DownloadOptions>;
  const urls = new Set<string>();
  const archives = new Map<string, SourceFile[]>();

  for (const file of dataset.files) {
    options.signal.throwIfAborted();
    const { remote } = file;
    const url = remoteUrl(remote, options.baseUrl);
    const onProgress = (done: number, total: number | undefined) => options.onBytes?.(url, done, total);
    if (remote.kind === 'file') {
      urls.add(url);
      await download({
        ...common,
        url,
        dest: join(dir, file.name),
        sha256: file.sha256,
        bytes: file.bytes,
        onProgress,
      });
      options.onFile(file);
    } else if (remote.kind === 'muse-text') {
      urls.add(url);
      const raw = join(options.tmpDir, `${dataset.id}-${file.name}.txt`);
      await download({ ...common, url, dest: raw, maxBytes: dataset.maxDownloadBytes, onProgress });
      await writeConverted(raw, join(dir, file.name), file, url);
      await rm(raw, { force: true });
      options.onFile(file);
    } else {
      // Several files share one archive: fetch it once, after the loop.
      const list = archives.get(url) ?? [];
      list.push(file);
      archives.set(url, list);
    }
  }

  let n = 0;
  for (const [url, files] of archives) {
    urls.add(url);
    const archive = join(options.tmpDir, `${dataset.id}-${n}.zip`);
    const extracted = join(options.tmpDir, `${dataset.id}-${n++}`);
    await download({
      ...common,
      url,
      dest: archive,
      maxBytes: dataset.maxDownloadBytes,
      onProgress: (done, total) => options.onBytes?.(url, done, total),
    });
    const wanted = new Map(files.map((f) => [f.remote.kind === 'zip-entry' ? f.remote.entry : '', f]));
    // Why extract only the wanted entries: the MLQA zip also holds the test split, which we must not unpack.
    await extractZip(archive, extracted, { include: (name) => wanted.has(name), signal: options.signal });
    await rm(archive, { force: true });
    for (const [entry, file] of wanted) {
      const path = join(extracted, entry);
      const label = `${url} → ${entry}`;
      try {
        await verifyFile(path, file, label, options.signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new IntegrityError(label, `entry ${entry}`, 'no such entry in the archive');
        }
        throw error;
      }
      await commitFile(path, join(dir, file.name));
      options.onFile(file);
    }
    await rm(extracted, { recursive: true, force: true });
  }
  return { urls: [...urls] };
}

/** Convert a raw MUSE dictionary to TSV at `dest`, keeping it only if the converted bytes are the registered ones. */
async function writeConverted(raw: string, dest: string, file: SourceFile, url: string): Promise<void> {
  const tsv = museTextToTsv(await readFile(raw, 'utf8'), url);
  const part = tempPathFor(dest);
  await writeFile(part, tsv);
  const actual = await sha256OfFile(part);
  if (actual !== file.sha256) {
    await rm(part, { force: true });
    throw new IntegrityError(
      url,
      `sha256 ${file.sha256}`,
      `sha256 ${actual}`,
      ` (after conversion to TSV, ${Buffer.byteLength(tsv)} bytes; expected ${file.bytes})`,
    );
  }
  await commitFile(part, dest);
}
