// The export's README.md: a Hugging Face style data card (YAML header + prose) that lets another team use,
// cite and license-check the data without our code, and rebuild it exactly from the fingerprints it names.
import { stringify } from 'yaml';
import { schemaMarkdown, type TableSchema } from '../common/tables.ts';
import type { DatasetRecord } from '../download/index.ts';

export interface ExportedTable {
  /** Folder under the export root, e.g. `pairs`. */
  name: string;
  schema: TableSchema;
  /** Hive partition columns, outermost first, with the type readers infer from the folder names. */
  partitioning: { name: string; type: 'utf8' | 'int64' | 'float64'; description: string }[];
  rows: number;
  files: { path: string; rows: number }[];
}

export interface BuildInfo {
  /** Stage → artifact fingerprints this export was built from (a sweep contributes several). */
  fingerprints: Record<string, string[]>;
  /** One fingerprint over all of the above: two exports with the same one hold the same data. */
  datasetFingerprint: string;
  pairsParams: Record<string, unknown>;
  batchConfigs: { partition: string; params: Record<string, unknown>; rows: number; batches: number }[];
}

export interface DataCardInput {
  tables: ExportedTable[];
  sources: Record<string, DatasetRecord>;
  languages: string[];
  build: BuildInfo;
}

function sizeCategory(rows: number): string {
  const bands: [number, string][] = [
    [1e3, 'n<1K'],
    [1e4, '1K<n<10K'],
    [1e5, '10K<n<100K'],
    [1e6, '100K<n<1M'],
    [1e7, '1M<n<10M'],
    [1e8, '10M<n<100M'],
  ];
  return bands.find(([limit]) => rows < limit)?.[1] ?? 'n>100M';
}

/** Hugging Face takes one license id; mixed sources are `other`, spelled out in the card's body. */
function licenseFields(sources: DatasetRecord[]): Record<string, string> {
  const ids = [...new Set(sources.map((s) => s.license))];
  if (ids.length === 1) return { license: ids[0].toLowerCase() };
  return {
    license: 'other',
    license_name: `mixed: ${ids.join(', ')}`,
  };
}

function header(input: DataCardInput): string {
  const sources = Object.values(input.sources);
  const pairs = input.tables.find((t) => t.name === 'pairs');
  const meta = {
    pretty_name: 'hybrid-xlr multilingual retrieval pairs, candidate pools and training batches',
    ...licenseFields(sources),
    language: input.languages,
    multilinguality: 'multilingual',
    size_categories: [sizeCategory(pairs?.rows ?? 0)],
    source_datasets: sources.map((s) => s.official),
    task_categories: ['text-retrieval', 'question-answering'],
    tags: [
      'cross-lingual-retrieval',
      'lareqa',
      'hybrid-batching',
      ...(sources.some((s) => s.nonCommercial) ? ['non-commercial'] : []),
    ],
    configs: input.tables.map((t) => ({ config_name: t.name, data_files: `${t.name}/**/*.parquet` })),
  };
  // YAML 1.1 rules, as PyYAML (which reads Hugging Face cards) applies them: `no` (Norwegian) must be quoted there.
  return `---\n${stringify(meta, { lineWidth: 0, version: '1.1' })}---`;
}

function readingExamples(tables: ExportedTable[]): string {
  const first = tables[0]?.name ?? 'pairs';
  return [
    '## Reading it',
    '',
    'Every table is a folder of Parquet files in hive-style partitions; the partition columns come from the folder',
    'names, so ask your reader for hive partitioning. Nothing here needs hybrid-xlr to read.',
    '',
    '```sql',
    `-- DuckDB`,
    `SELECT * FROM read_parquet('${first}/**/*.parquet', hive_partitioning = true) LIMIT 5;`,
    '```',
    '',
    '```python',
    'import pandas as pd, pyarrow.dataset as ds',
    `pairs = ds.dataset("${first}", format="parquet", partitioning="hive").to_table().to_pandas()`,
    `# Spark: spark.read.parquet("${first}")  (discovers the partitions itself)`,
    '```',
    '',
    'Check the files first with `sha256sum -c SHA256SUMS`. `schema.json` describes every column in machine-readable form.',
  ].join('\n');
}

function tablesSection(tables: ExportedTable[]): string {
  const lines = ['## Tables', '', '| table | rows | files | partitioned by |', '| --- | ---: | ---: | --- |'];
  for (const t of tables) {
    lines.push(
      `| \`${t.name}/\` | ${t.rows.toLocaleString('en-US')} | ${t.files.length} | ${t.partitioning.map((p) => `\`${p.name}\``).join(', ') || '—'} |`,
    );
  }
  for (const t of tables) {
    lines.push('', `### \`${t.name}\``, '', t.schema.description, '');
    if (t.partitioning.length > 0) {
      lines.push('Partition columns (from folder names):', '');
      for (const p of t.partitioning) lines.push(`- \`${p.name}\` (${p.type}): ${p.description}`);
      lines.push('');
    }
    lines.push(schemaMarkdown(t.schema).trim());
  }
  return lines.join('\n');
}

function licensing(sources: Record<string, DatasetRecord>): string {
  const list = Object.entries(sources);
  const nc = list.filter(([, s]) => s.nonCommercial).map(([id]) => id);
  const lines = ['## Licensing and sources', ''];
  if (nc.length > 0) {
    lines.push(
      `> **NON-COMMERCIAL:** this export contains data derived from ${nc.join(', ')} (CC BY-NC 4.0). It must not be used`,
      '> commercially, and neither may anything trained on it, unless you obtain other rights.',
      '',
    );
  }
  lines.push(
    'The rows are derived from the datasets below and keep their licenses (share-alike licenses carry over to this',
    'derived data). hybrid-xlr itself is Apache-2.0; that license does not cover this data.',
    '',
    '| dataset | license | commercial use | official source |',
    '| --- | --- | --- | --- |',
  );
  for (const [id, s] of list) {
    lines.push(
      `| ${id}: ${s.title} | [${s.license}](${s.licenseUrl}) | ${s.nonCommercial ? '**no**' : 'yes'} | ${s.official} |`,
    );
  }
  lines.push('', '### Citations', '');
  for (const [id, s] of list) lines.push(`- ${id}: ${s.citation}`);
  lines.push(
    '- Hybrid batch training (the batching method): Synergistic Approach for Simultaneous Optimization of Monolingual,',
    '  Cross-lingual, and Multilingual Information Retrieval (2024). arXiv:2408.10536.',
  );
  return lines.join('\n');
}

function buildSection(build: BuildInfo): string {
  const lines = [
    '## How it was built',
    '',
    'By the hybrid-xlr pipeline (`npm run pipeline -- export --out DIR`): `download` (sha256-verified copies of the',
    'sources) → `pairs` (question → answer-sentence pairs in every language direction, article-level train/dev split,',
    'and the LAReQA candidate pools and queries) → `batches` (the exact training batch sequence per sampling strategy,',
    'batch size and seed: a batch is all monolingual or all cross-lingual pairs, with no two rows sharing a question or',
    'a passage) → `export` (this folder). Every random choice comes from the recorded seeds.',
    '',
    `Dataset fingerprint: \`${build.datasetFingerprint}\` (sha-256 over the artifact fingerprints below, which`,
    'hash every input file, parameter and source file of each stage; the same fingerprints give byte-identical files).',
    '',
    '| stage | artifact fingerprints |',
    '| --- | --- |',
  ];
  for (const [stage, fps] of Object.entries(build.fingerprints))
    lines.push(`| ${stage} | ${fps.map((f) => `\`${f}\``).join(', ')} |`);
  lines.push('', 'Pair construction parameters:', '', '```json', JSON.stringify(build.pairsParams, null, 2), '```', '');
  lines.push(
    'Batch configurations (one `batches/` partition each):',
    '',
    '| partition | rows | batches | parameters |',
    '| --- | ---: | ---: | --- |',
  );
  for (const c of build.batchConfigs) {
    lines.push(
      `| \`${c.partition}\` | ${c.rows.toLocaleString('en-US')} | ${c.batches.toLocaleString('en-US')} | \`${JSON.stringify(c.params)}\` |`,
    );
  }
  return lines.join('\n');
}

export function dataCard(input: DataCardInput): string {
  const pairs = input.tables.find((t) => t.name === 'pairs');
  const intro = [
    '# hybrid-xlr: multilingual question → passage retrieval data',
    '',
    `Question → answer-sentence pairs in ${input.languages.length} languages (${input.languages.join(', ')}), monolingual and`,
    'cross-lingual, with the LAReQA-style evaluation candidate pools and queries and the exact training batches used by',
    `the hybrid-batch scaling study. ${pairs ? `${pairs.rows.toLocaleString('en-US')} training/dev pairs.` : ''}`,
  ].join('\n');
  const nc = Object.entries(input.sources)
    .filter(([, s]) => s.nonCommercial)
    .map(([id]) => id);
  const warning =
    nc.length > 0
      ? `> **NON-COMMERCIAL:** derived from ${nc.join(', ')} (CC BY-NC 4.0); see "Licensing and sources" below.`
      : '';
  return [
    header(input),
    intro,
    ...(warning ? [warning] : []),
    readingExamples(input.tables),
    tablesSection(input.tables),
    buildSection(input.build),
    licensing(input.sources),
    '',
  ].join('\n\n');
}
