// Stage `export`: the prepared data as a self-describing dataset for teams that only want the data — pairs,
// candidate pools, queries and training batches as hive-partitioned Parquet, with a data card (README.md),
// schema.json and SHA256SUMS. `npm run pipeline -- export --out DIR` copies this artifact to DIR.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { ArtifactRef } from '../../pipelines/engine/stage.ts';
import { defineStage } from '../../pipelines/engine/stage.ts';
import { canonicalJson } from '../../pipelines/engine/fingerprint.ts';
import { sha256File } from '../../pipelines/engine/hashing.ts';
import { readArrow, schemaJson, tablesEnv, TABLES_SOURCES, writeParquet, type TableSchema } from '../common/tables.ts';
import { batchesSchema, compositionSchema } from '../batches/schema.ts';
import { SOURCES_FILE, type DatasetRecord } from '../download/index.ts';
import { CANDIDATES_SCHEMA, PAIRS_SCHEMA, QUERIES_SCHEMA } from '../pairs/schema.ts';
import { dataCard, type BuildInfo, type ExportedTable } from './data-card.ts';
import { partitionSegment, partitionTable } from './partition.ts';

export const CHECKSUMS_FILE = 'SHA256SUMS';
export const SCHEMA_FILE = 'schema.json';
export const CARD_FILE = 'README.md';

export interface ExportSummary {
  [key: string]: unknown;
  rows: Record<string, number>;
  datasetFingerprint: string;
  files: number;
  languages: string[];
  nonCommercial: string[];
}

export const exportStage = defineStage({
  name: 'export',
  version: 1,
  description: 'Dataset export: hive-partitioned Parquet of pairs, pools, queries and batches, with data card, schema.json and SHA256SUMS',
  params: z.object({}),
  inputs: ['raw', 'pairs', 'batches'],
  env: () => tablesEnv(),
  sourceDir: new URL('.', import.meta.url),
  extraSources: [...TABLES_SOURCES],
  async run(ctx): Promise<ExportSummary> {
    const raw = ctx.input('raw');
    const pairsRef = ctx.input('pairs');
    const batchRefs = ctx.inputs('batches');
    if (batchRefs.length === 0) throw new Error('export: input "batches" is wired to no artifact');
    const written: string[] = [];
    const tables: ExportedTable[] = [];
    const languages = new Set<string>();
    const partitioned = async (name: string, schema: TableSchema, file: string, by: ExportedTable['partitioning']) => {
      const { columns, rows } = await readArrow(pairsRef.path(file), schema);
      for (const column of ['question_lang', 'passage_lang', 'lang']) {
        for (const l of (columns[column] as string[] | undefined) ?? []) languages.add(l);
      }
      const parts = partitionTable(schema, columns, by.map((p) => p.name));
      const files: ExportedTable['files'] = [];
      for (const part of parts) {
        const path = `${name}/${part.dir}/part-0.parquet`;
        await mkdir(dirname(join(ctx.outDir, path)), { recursive: true });
        await writeParquet(join(ctx.outDir, path), partitionSchemaOf(schema, by), part.columns);
        files.push({ path, rows: part.rows });
        written.push(path);
      }
      tables.push({ name, schema: partitionSchemaOf(schema, by), partitioning: by, rows, files });
      ctx.progress(tables.length, 5, name);
    };
    const lang = { name: 'lang', type: 'utf8', description: 'ISO 639-1 language code.' } as const;
    await partitioned('pairs', PAIRS_SCHEMA, 'pairs.arrow', [
      { name: 'split', type: 'utf8', description: '"train" or "dev" (article-level split: parallel questions of one article never straddle it).' },
      { name: 'direction', type: 'utf8', description: '"mono" (question and passage in one language) or "cross".' },
    ]);
    await partitioned('candidates', CANDIDATES_SCHEMA, 'candidates.arrow', [{ ...lang, description: 'Language of the candidate pool.' }]);
    await partitioned('queries', QUERIES_SCHEMA, 'queries.arrow', [{ ...lang, description: 'Language of the query.' }]);

    const configs = batchPartitions(batchRefs);
    for (const [table, schema, file] of [
      ['batches', batchesSchema, 'batches.parquet'],
      ['batch_composition', compositionSchema, 'composition.parquet'],
    ] as const) {
      const files: ExportedTable['files'] = [];
      for (const c of configs) {
        const path = `${table}/${c.partition}/part-0.parquet`;
        await mkdir(dirname(join(ctx.outDir, path)), { recursive: true });
        // The stage's Parquet already is the partition's file (it has no partition columns): copy it byte for byte.
        await copyFile(c.ref.path(file), join(ctx.outDir, path));
        files.push({ path, rows: c.ref.manifest.rows[table === 'batches' ? 'batches' : 'composition'] ?? 0 });
        written.push(path);
      }
      tables.push({
        name: table,
        schema,
        partitioning: BATCH_PARTITIONING,
        rows: files.reduce((n, f) => n + f.rows, 0),
        files,
      });
      ctx.progress(tables.length, 5, table);
    }

    const allSources = JSON.parse(await readFile(raw.path(SOURCES_FILE), 'utf8')) as { datasets: Record<string, DatasetRecord> };
    const pairsReport = JSON.parse(await readFile(pairsRef.path('report.json'), 'utf8')) as { params: Record<string, unknown> };
    const sources = usedSources(allSources.datasets, pairsReport.params);
    const fingerprints: Record<string, string[]> = {
      download: [raw.fingerprint],
      pairs: [pairsRef.fingerprint],
      batches: configs.map((c) => c.ref.fingerprint),
    };
    const build: BuildInfo = {
      fingerprints,
      datasetFingerprint: createHash('sha256').update(canonicalJson(fingerprints)).digest('hex'),
      pairsParams: pairsReport.params,
      batchConfigs: configs.map((c) => ({
        partition: c.partition,
        params: { ...c.ref.manifest.record.params, seed: c.ref.manifest.record.seed },
        rows: c.ref.manifest.rows.batches ?? 0,
        batches: c.ref.manifest.rows.composition ?? 0,
      })),
    };

    await writeFile(join(ctx.outDir, CARD_FILE), dataCard({ tables, sources, languages: [...languages].sort(), build }));
    const schemaDoc = {
      format: 1,
      datasetFingerprint: build.datasetFingerprint,
      hivePartitioning: true,
      tables: tables.map((t) => ({
        path: `${t.name}/`,
        rows: t.rows,
        partitioning: t.partitioning,
        files: t.files,
        ...schemaJson(t.schema),
      })),
    };
    await writeFile(join(ctx.outDir, SCHEMA_FILE), `${JSON.stringify(schemaDoc, null, 2)}\n`);
    written.push(CARD_FILE, SCHEMA_FILE);
    await writeFile(join(ctx.outDir, CHECKSUMS_FILE), await checksums(ctx.outDir, written));
    const nonCommercial = Object.entries(sources).filter(([, s]) => s.nonCommercial).map(([id]) => id);
    if (nonCommercial.length > 0) ctx.log.warn(`the export holds NON-COMMERCIAL data (${nonCommercial.join(', ')}): its data card says so`);
    return {
      rows: Object.fromEntries(tables.map((t) => [t.name, t.rows])),
      datasetFingerprint: build.datasetFingerprint,
      files: written.length + 1,
      languages: [...languages].sort(),
      nonCommercial,
    };
  },
});

const BATCH_PARTITIONING: ExportedTable['partitioning'] = [
  { name: 'strategy', type: 'utf8', description: 'Batch sampling strategy: "mono", "cross" or "hybrid".' },
  { name: 'batch_size', type: 'int64', description: 'Rows per batch (the study\'s independent variable).' },
  { name: 'seed', type: 'int64', description: 'Seed of the shuffles and of the hybrid mono/cross draws.' },
];

function partitionSchemaOf(schema: TableSchema, by: ExportedTable['partitioning']): TableSchema {
  return { ...schema, columns: schema.columns.filter((c) => !by.some((p) => p.name === c.name)) };
}

interface BatchConfig {
  partition: string;
  ref: ArtifactRef;
}

/** One partition per batches artifact; two artifacts that differ only in other params would collide, so refuse. */
function batchPartitions(refs: ArtifactRef[]): BatchConfig[] {
  const seen = new Map<string, ArtifactRef>();
  const configs: BatchConfig[] = [];
  for (const ref of refs) {
    const params = ref.manifest.record.params as { strategy: string; batchSize: number };
    const partition = [
      partitionSegment('strategy', params.strategy),
      partitionSegment('batch_size', params.batchSize),
      partitionSegment('seed', ref.manifest.record.seed ?? 0),
    ].join('/');
    const other = seen.get(partition);
    if (other && other.fingerprint !== ref.fingerprint) {
      throw new Error(
        `export: batches ${other.node} and ${ref.node} both map to partition ${partition} (they differ in other params); export them one at a time`,
      );
    }
    if (other) continue;
    seen.set(partition, ref);
    configs.push({ partition, ref });
  }
  return configs.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
}

/** The source datasets these rows come from: the training set, the evaluation set, and MUSE when it was used. */
function usedSources(all: Record<string, DatasetRecord>, params: Record<string, unknown>): Record<string, DatasetRecord> {
  const ids = [params.train === 'xquad' ? 'xquad-r' : 'mlqa-dev', String(params.eval), ...(params.alignment === 'muse' ? ['muse'] : [])];
  const out: Record<string, DatasetRecord> = {};
  for (const id of ids) {
    const record = all[id];
    if (!record) throw new Error(`export: ${SOURCES_FILE} of the download artifact has no record of dataset "${id}"`);
    out[id] = record;
  }
  return out;
}

/** `sha256sum -c` format: "<hex>  <path>", sorted by path. */
async function checksums(root: string, paths: string[]): Promise<string> {
  const lines: string[] = [];
  for (const path of [...paths].sort()) lines.push(`${await sha256File(join(root, path))}  ${path}`);
  return `${lines.join('\n')}\n`;
}
