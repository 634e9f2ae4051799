// What the export stage writes: the dataset's top-level files (data card, schema.json, SHA256SUMS) and one folder of
// hive partitions per table.
import { declareOutputs } from '../../pipelines/engine/index.ts';

/**
 * The dataset's top-level files; its tables are folders of hive partitions (pairs/, candidates/, queries/, batches/,
 * batch_composition/).
 */
export const EXPORT_OUTPUTS = declareOutputs('export', {
  card: {
    path: 'README.md',
    kind: 'markdown',
    description: 'Data card: Hugging Face YAML header, how it was built, fingerprints, licenses and citations.',
  },
  schema: {
    path: 'schema.json',
    kind: 'json',
    description: "Every table's columns, types, descriptions, partitions, files and row counts.",
  },
  checksums: { path: 'SHA256SUMS', kind: 'binary', description: '`sha256sum -c SHA256SUMS` checks every file.' },
  pairs: { path: 'pairs', kind: 'folder', description: 'Training pairs, partitioned by split and direction.' },
  candidates: { path: 'candidates', kind: 'folder', description: 'LAReQA candidate pool, partitioned by language.' },
  queries: { path: 'queries', kind: 'folder', description: 'LAReQA queries, partitioned by language.' },
  batches: {
    path: 'batches',
    kind: 'folder',
    description: 'Training batches, partitioned by strategy, batch size and seed.',
  },
  composition: {
    path: 'batch_composition',
    kind: 'folder',
    description: 'One row per batch, partitioned like batches.',
  },
});
export const CHECKSUMS_FILE = EXPORT_OUTPUTS.checksums.path;
export const SCHEMA_FILE = EXPORT_OUTPUTS.schema.path;
export const CARD_FILE = EXPORT_OUTPUTS.card.path;
