// Stage `download`: the pipeline's source stage. It materialises the raw datasets (MLQA dev, XQuAD-R, MLQA-R, MUSE,
// XNLI dev) as an artifact, from the shipped data/ folder by default (offline, reproducible) or from the official URLs
// / a
// mirror, and guarantees either way that every file is the registered one (sha256 + size, see sources.ts).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStage } from '../../pipelines/engine/index.ts';
import { DOWNLOAD_OUTPUTS } from './outputs.ts';
import { jitterRandom } from './backoff.ts';
import { createDispatcher, DEFAULT_TIMEOUT_MS } from './http.ts';
import { copyDataset, localDir } from './local.ts';
import { fetchDataset } from './remote.ts';
import { DATASET_IDS, DATASETS, datasetRemoteUrl, remoteUrl, type DatasetId } from './sources.ts';

export const LOCAL_SOURCE_LABEL = 'local data/ (offline)';
export const SOURCES_FILE = DOWNLOAD_OUTPUTS.sources.path;
/** Scratch space inside outDir (a stage writes nowhere else); dot-named so it is never hashed, and removed anyway. */
const TMP_DIR = '.download-tmp';

const params = z
  .object({
    /** Which datasets to produce; output order is always the registry's. */
    datasets: z
      .array(z.enum(DATASET_IDS))
      .min(1)
      .default([...DATASET_IDS])
      .refine((list) => new Set(list).size === list.length, 'datasets must not repeat'),
    /** `local`: copy the shipped data/ (no network). `remote`: fetch from the official URLs, or from `baseUrl`. */
    source: z.enum(['local', 'remote']).default('local'),
    /** Mirror root with the official URL paths below it (e.g. `<baseUrl>/MLQA/MLQA_V1.zip`). Remote only. */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Connect, response-headers and body-stall timeout of each HTTP request. */
    timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
    /** Retries per file after the first attempt (5xx, 429, resets, timeouts; never 4xx). */
    retries: z.number().int().min(0).max(20).default(3),
  })
  .superRefine((p, ctx) => {
    if (p.baseUrl !== undefined && p.source !== 'remote') {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'baseUrl is only used with source "remote"' });
    }
  });

export type DownloadParams = z.output<typeof params>;

export interface DatasetRecord {
  title: string;
  /** "local data/ (offline)" or the URL the files came from (a folder, or the archive). */
  source: string;
  /** Every URL fetched (remote only). */
  urls?: string[];
  /** The official location, whatever source was used. */
  official: string;
  license: string;
  licenseUrl: string;
  nonCommercial: boolean;
  format: string;
  citation: string;
  files: number;
  bytes: number;
}

export interface DownloadSummary {
  [key: string]: unknown;
  source: 'local' | 'remote';
  /** Per dataset: where it came from (as in sources.json). */
  sources: Record<string, string>;
  files: Record<string, number>;
  bytes: number;
  /** Datasets under a non-commercial license (CC BY-NC 4.0). */
  nonCommercial: string[];
}

export const downloadStage = defineStage({
  name: 'download',
  version: 1,
  description:
    'Materialise MLQA dev, XQuAD-R, MLQA-R, MUSE and XNLI dev from data/ (offline default) or their official URLs, sha256-verified.',
  params,
  outputs: DOWNLOAD_OUTPUTS,
  // Timeouts and retries decide whether a fetch succeeds, never what it yields: every file is sha256-verified.
  runtimeParams: ['timeoutMs', 'retries'],
  sourceDir: new URL('.', import.meta.url),
  // Why only for `local`: then data/ decides the output and editing it must rerun the stage; remote output is
  // pinned by the registry's digests, which live in this stage's source.
  files: (p) => (p.source === 'local' ? selected(p.datasets).map((id) => localDir(DATASETS[id])) : []),
  async run(ctx): Promise<DownloadSummary> {
    const p = ctx.params;
    const ids = selected(p.datasets);
    const totalFiles = ids.reduce((n, id) => n + DATASETS[id].files.length, 0);
    let done = 0;
    const onFile = (file: { path: string }) => {
      done++;
      ctx.progress(done, totalFiles, file.path);
    };
    const where = p.source === 'local' ? LOCAL_SOURCE_LABEL : (p.baseUrl ?? 'official URLs');
    ctx.log.info({ source: p.source, baseUrl: p.baseUrl, datasets: ids }, `download: source ${p.source} (${where})`);
    for (const id of ids) {
      if (DATASETS[id].license.nonCommercial) {
        ctx.log.warn(
          { dataset: id, license: DATASETS[id].license.spdx },
          `${id} is licensed for NON-COMMERCIAL use only`,
        );
      }
    }
    ctx.progress(0, totalFiles, p.source);

    const records: Record<string, DatasetRecord> = {};
    const tmpDir = join(ctx.outDir, TMP_DIR);
    const dispatcher = p.source === 'remote' ? createDispatcher({ timeoutMs: p.timeoutMs }) : undefined;
    try {
      for (const id of ids) {
        ctx.signal.throwIfAborted();
        const dataset = DATASETS[id];
        let source = LOCAL_SOURCE_LABEL;
        let urls: string[] | undefined;
        if (p.source === 'local') {
          await copyDataset(dataset, {
            rootDir: ctx.rootDir,
            outDir: ctx.outDir,
            signal: ctx.signal,
            onFile,
            onUnknown: (path) => ctx.log.warn({ path }, `${path} is not in the registry; not copied`),
          });
        } else {
          await mkdir(tmpDir, { recursive: true });
          ({ urls } = await fetchDataset(dataset, {
            outDir: ctx.outDir,
            tmpDir,
            baseUrl: p.baseUrl,
            dispatcher: dispatcher!,
            timeoutMs: p.timeoutMs,
            retries: p.retries,
            random: jitterRandom(ctx.seed),
            signal: ctx.signal,
            onFile,
            onBytes: (url, bytes, total) =>
              ctx.progress(done, totalFiles, `${url} ${mb(bytes)}${total ? `/${mb(total)}` : ''} MB`),
            onRetry: ({ attempt, delayMs, error, resumeFrom }) =>
              ctx.log.warn(
                { dataset: id, attempt, delayMs, resumeFrom, err: error.message },
                `retrying: ${error.message}`,
              ),
          }));
          source = datasetRemoteUrl(dataset, p.baseUrl);
        }
        const bytes = dataset.files.reduce((n, f) => n + f.bytes, 0);
        records[id] = {
          title: dataset.title,
          source,
          ...(urls ? { urls } : {}),
          official: datasetRemoteUrl(dataset),
          license: dataset.license.spdx,
          licenseUrl: dataset.license.url,
          nonCommercial: dataset.license.nonCommercial,
          format: dataset.format,
          citation: dataset.citation,
          files: dataset.files.length,
          bytes,
        };
        ctx.log.info(
          { dataset: id, source, files: dataset.files.length, bytes },
          `${id}: ${dataset.files.length} files verified`,
        );
      }
    } finally {
      await dispatcher?.close().catch(() => {});
      await rm(tmpDir, { recursive: true, force: true });
    }

    // No timestamps or host names: the same inputs must give the same bytes.
    const document = { format: 1, source: p.source, datasets: records };
    await writeFile(join(ctx.outDir, SOURCES_FILE), `${JSON.stringify(document, null, 2)}\n`);
    return {
      source: p.source,
      sources: Object.fromEntries(ids.map((id) => [id, records[id].source])),
      files: Object.fromEntries(ids.map((id) => [id, records[id].files])),
      bytes: ids.reduce((n, id) => n + records[id].bytes, 0),
      nonCommercial: ids.filter((id) => DATASETS[id].license.nonCommercial),
    };
  },
});

/** The requested datasets in registry order, so the output never depends on how the list was spelled. */
function selected(datasets: readonly DatasetId[]): DatasetId[] {
  return DATASET_IDS.filter((id) => datasets.includes(id));
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

export { DATASETS, DATASET_IDS, remoteUrl };
export { DOWNLOAD_OUTPUTS, DATASET_OUTPUT } from './outputs.ts';
