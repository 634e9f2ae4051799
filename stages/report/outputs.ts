// The report's outputs, declared once (the engine checks each was written), and the attack and classify outputs it
// reads, through the handles those stages export.
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { ATTACK_OUTPUTS } from '../attack/index.ts';
import { CLASSIFY_OUTPUTS } from '../classify/index.ts';
import { STATS_SCHEMA } from './schema.ts';

export const REPORT_OUTPUTS = declareOutputs('report', {
  html: {
    path: 'report.html',
    kind: 'html',
    description: 'The report as one self-contained page: inline SVG figures, no script, no request.',
  },
  markdown: {
    path: 'report.md',
    kind: 'markdown',
    description: 'The same report in Markdown; its figures are figures/<id>.svg beside it.',
  },
  summary: {
    path: 'summary.md',
    kind: 'markdown',
    description: 'The written answer and where the full report is: what `npm run pipeline` prints at the end.',
  },
  stats: { path: 'stats.parquet', kind: 'parquet', schema: STATS_SCHEMA, description: STATS_SCHEMA.description },
  figures: {
    path: 'figures',
    kind: 'folder',
    description: 'Each rendered figure as <id>.svg and its plotted rows as <id>.parquet.',
  },
  provenance: {
    path: 'provenance.json',
    kind: 'json',
    description: 'Every upstream file read (stage, node, fingerprint, sha256), backends, the report params.',
  },
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

/**
 * attack's outputs the report reads: per attacked query its positive's rank before and after, and the transfer matrix.
 */
export const ATTACK_READS = { attacks: ATTACK_OUTPUTS.attacks, transfer: ATTACK_OUTPUTS.transfer } as const;

/** classify's output the report reads: accuracy per retriever, dataset, language and recipe. */
export const CLASSIFY_READS = { metrics: CLASSIFY_OUTPUTS.metrics } as const;
