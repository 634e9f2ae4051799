// Stage `export`: the prepared data as a self-describing dataset for teams that only want the data — pairs,
// candidate pools, queries and training batches as hive-partitioned Parquet, with a data card (README.md),
// schema.json and SHA256SUMS. `npm run pipeline -- export --out DIR` copies this artifact to DIR.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  canonicalJson,
  defineStage,
  sha256File,
  type ArtifactRef,
  type OutputHandle,
} from '../../pipelines/engine/index.ts';
import { readArrow, schemaJson, TABLES_SOURCES, type TableSchema, tablesEnv, writeParquet } from '../common/tables.ts';
import {
  BATCHES_OUTPUTS,
  batchesInfo,
  batchesSchema,
  compositionSchema,
  type BatchesSummary,
} from '../batches/index.ts';
import { DOWNLOAD_OUTPUTS, type DatasetRecord } from '../download/index.ts';
import { CANDIDATES_SCHEMA, PAIRS_OUTPUTS, PAIRS_SCHEMA, QUERIES_SCHEMA, readPairsReport } from '../pairs/index.ts';
import { dataCard, type BuildInfo, type ExportedTable } from './data-card.ts';
import { CARD_FILE, CHECKSUMS_FILE, EXPORT_OUTPUTS, SCHEMA_FILE } from './outputs.ts';
import { partitionSegment, partitionTable } from './partition.ts';

export { CARD_FILE, CHECKSUMS_FILE, EXPORT_OUTPUTS, SCHEMA_FILE } from './outputs.ts';

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
  description:
    'Dataset export: hive-partitioned Parquet of pairs, pools, queries and batches, with data card, schema.json and SHA256SUMS',
  params: z.object({}),
  inputs: {
    raw: [DOWNLOAD_OUTPUTS.sources],
    pairs: [PAIRS_OUTPUTS.pairs, PAIRS_OUTPUTS.candidates, PAIRS_OUTPUTS.queries, PAIRS_OUTPUTS.report],
    batches: [BATCHES_OUTPUTS.batchesParquet, BATCHES_OUTPUTS.compositionParquet],
  },
  outputs: EXPORT_OUTPUTS,
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
    const partitioned = async (
      name: string,
      schema: TableSchema,
      file: OutputHandle,
      by: ExportedTable['partitioning'],
    ) => {
      const { columns, rows } = await readArrow(pairsRef.output(file), schema);
      for (const column of ['question_lang', 'passage_lang', 'lang']) {
        for (const l of (columns[column] as string[] | undefined) ?? []) languages.add(l);
      }
      const parts = partitionTable(
        schema,
        columns,
        by.map((p) => p.name),
      );
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
    await partitioned('pairs', PAIRS_SCHEMA, PAIRS_OUTPUTS.pairs, [
      {
        name: 'split',
        type: 'utf8',
        description: '"train" or "dev" (article-level split: parallel questions of one article never straddle it).',
      },
      { name: 'direction', type: 'utf8', description: '"mono" (question and passage in one language) or "cross".' },
    ]);
    await partitioned('candidates', CANDIDATES_SCHEMA, PAIRS_OUTPUTS.candidates, [
      { ...lang, description: 'Language of the candidate pool.' },
    ]);
    await partitioned('queries', QUERIES_SCHEMA, PAIRS_OUTPUTS.queries, [
      { ...lang, description: 'Language of the query.' },
    ]);

    const configs = batchPartitions(batchRefs);
    for (const [table, schema, file] of [
      ['batches', batchesSchema, BATCHES_OUTPUTS.batchesParquet],
      ['batch_composition', compositionSchema, BATCHES_OUTPUTS.compositionParquet],
    ] as const) {
      const files: ExportedTable['files'] = [];
      for (const c of configs) {
        const path = `${table}/${c.partition}/part-0.parquet`;
        await mkdir(dirname(join(ctx.outDir, path)), { recursive: true });
        // The stage's Parquet already is the partition's file (it has no partition columns): copy it byte for byte.
        await copyFile(c.ref.output(file), join(ctx.outDir, path));
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

    const allSources = JSON.parse(await readFile(raw.output(DOWNLOAD_OUTPUTS.sources), 'utf8')) as {
      datasets: Record<string, DatasetRecord>;
    };
    const pairsReport = await readPairsReport(pairsRef);
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
        params: {
          strategy: c.info.strategy,
          batchSize: c.info.batchSize,
          alpha: c.info.alpha,
          epochs: c.info.epochs,
          dropLast: c.info.dropLast,
          split: c.info.split,
          seed: c.info.seed,
        },
        rows: c.ref.manifest.rows.batches ?? 0,
        batches: c.ref.manifest.rows.composition ?? 0,
      })),
    };

    await writeFile(
      join(ctx.outDir, CARD_FILE),
      dataCard({ tables, sources, languages: [...languages].sort(), build }),
    );
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
    const nonCommercial = Object.entries(sources)
      .filter(([, s]) => s.nonCommercial)
      .map(([id]) => id);
    if (nonCommercial.length > 0)
      ctx.log.warn(`the export holds NON-COMMERCIAL data (${nonCommercial.join(', ')}): its data card says so`);
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
  { name: 'batch_size', type: 'int64', description: "Rows per batch (the study's independent variable)." },
  { name: 'seed', type: 'int64', description: 'Seed of the shuffles and of the hybrid mono/cross draws.' },
];

function partitionSchemaOf(schema: TableSchema, by: ExportedTable['partitioning']): TableSchema {
  return { ...schema, columns: schema.columns.filter((c) => !by.some((p) => p.name === c.name)) };
}

interface BatchConfig {
  partition: string;
  ref: ArtifactRef;
  info: BatchesSummary;
}

/** One partition per batches artifact; two artifacts that differ only in other params would collide, so refuse. */
function batchPartitions(refs: ArtifactRef[]): BatchConfig[] {
  const seen = new Map<string, ArtifactRef>();
  const configs: BatchConfig[] = [];
  for (const ref of refs) {
    const info = batchesInfo(ref);
    if (!info)
      throw new Error(
        `export: input batches ${ref.node} is not a committed batches artifact (no strategy, batch size or seed to partition by)`,
      );
    const partition = [
      partitionSegment('strategy', info.strategy),
      partitionSegment('batch_size', info.batchSize),
      partitionSegment('seed', info.seed),
    ].join('/');
    const other = seen.get(partition);
    if (other && other.fingerprint !== ref.fingerprint) {
      throw new Error(
        `export: batches ${other.node} and ${ref.node} both map to partition ${partition} (they differ in other params); export them one at a time`,
      );
    }
    if (other) continue;
    seen.set(partition, ref);
    configs.push({ partition, ref, info });
  }
  return configs.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
}

/** The source datasets these rows come from: the training set, the evaluation set, and MUSE when it was used. */
function usedSources(
  all: Record<string, DatasetRecord>,
  params: Record<string, unknown>,
): Record<string, DatasetRecord> {
  const ids = [
    params.train === 'xquad' ? 'xquad-r' : 'mlqa-dev',
    String(params.eval),
    ...(params.alignment === 'muse' ? ['muse'] : []),
  ];
  const out: Record<string, DatasetRecord> = {};
  for (const id of ids) {
    const record = all[id];
    if (!record)
      throw new Error(
        `export: ${DOWNLOAD_OUTPUTS.sources.path} of the download artifact has no record of dataset "${id}"`,
      );
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
