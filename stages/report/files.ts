// The report's outputs, declared once (the engine checks each was written), and the upstream outputs it reads:
// score's and train's through the handles they export; attack's and classify's as their contract names them
// (docs/CONTRACTS), declared here until those stages export their own handles, then imported instead.
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { STATS_SCHEMA } from './schema.ts';

export const REPORT_OUTPUTS = declareOutputs('report', {
  html: { path: 'report.html', kind: 'html', description: 'The report as one self-contained page: inline SVG figures, no script, no request.' },
  markdown: { path: 'report.md', kind: 'markdown', description: 'The same report in Markdown; its figures are figures/<id>.svg beside it.' },
  summary: { path: 'summary.md', kind: 'markdown', description: 'The written answer and where the full report is: what `npm run pipeline` prints at the end.' },
  stats: { path: 'stats.parquet', kind: 'parquet', schema: STATS_SCHEMA, description: STATS_SCHEMA.description },
  figures: { path: 'figures', kind: 'folder', description: 'Each rendered figure as <id>.svg and its plotted rows as <id>.parquet.' },
  provenance: { path: 'provenance.json', kind: 'json', description: 'Every upstream file read (stage, node, fingerprint, sha256), backends, the report params.' },
});

/** The output file names (for readers that want a name, e.g. the pipeline's summary links). */
export const REPORT_FILES = {
  html: REPORT_OUTPUTS.html.path,
  markdown: REPORT_OUTPUTS.markdown.path,
  summary: REPORT_OUTPUTS.summary.path,
  stats: REPORT_OUTPUTS.stats.path,
  figures: REPORT_OUTPUTS.figures.path,
  provenance: REPORT_OUTPUTS.provenance.path,
} as const;

/** attack's outputs the report reads (CONTRACTS: attacks.parquet, transfer.parquet). */
export const ATTACK_READS = declareOutputs('attack', {
  attacks: { path: 'attacks.parquet', kind: 'parquet', description: 'One row per target model × recipe × query: rank_before, rank_after.' },
  transfer: { path: 'transfer.parquet', kind: 'parquet', description: 'source_retriever, target_retriever, recipe, metric, value.' },
});

/** classify's output the report reads (CONTRACTS: metrics.parquet). */
export const CLASSIFY_READS = declareOutputs('classify', {
  metrics: { path: 'metrics.parquet', kind: 'parquet', description: 'Retriever columns, dataset, language, recipe, metric, value, examples.' },
});
