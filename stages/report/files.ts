// The report's output files, and the upstream files it reads, named once. Upstream names are the producing stages'
// (score's metrics.parquet …); when a stage exports its own constant, import it here instead of the literal.

/** Every file the report stage writes into its artifact (figures/ holds one .svg and one .parquet per figure). */
export const REPORT_FILES = {
  html: 'report.html',
  markdown: 'report.md',
  summary: 'summary.md',
  stats: 'stats.parquet',
  figures: 'figures',
  provenance: 'provenance.json',
} as const;

/** The files of upstream artifacts the report reads, by input. */
export const UPSTREAM_FILES = {
  score: { metrics: 'metrics.parquet', ranks: 'ranks.parquet', metricsJson: 'metrics.json' },
  train: { curve: 'curve.parquet', model: 'model/model.json' },
  attack: { attacks: 'attacks.parquet', transfer: 'transfer.parquet' },
  classify: { metrics: 'metrics.parquet' },
} as const;
