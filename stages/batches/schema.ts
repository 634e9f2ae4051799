// The batches stage's tables, defined once: the training batches in order, and one composition row per batch.
import type { TableSchema } from '../common/tables.ts';

export const batchesSchema: TableSchema = {
  name: 'batches',
  description:
    'Training batches in the exact order training consumes them: rows sorted by (batch_id, position). Each batch holds only ' +
    'monolingual or only cross-lingual pairs, and no two rows of a batch share a question_id or a passage_id.',
  columns: [
    { name: 'batch_id', type: 'int32', description: 'Global batch index, 0-based, increasing across epochs.' },
    { name: 'epoch', type: 'int32', description: 'Epoch of the batch, 0-based.' },
    { name: 'position', type: 'int32', description: 'Row position inside its batch, 0-based.' },
    { name: 'kind', type: 'utf8', description: '"mono" (question and passage in one language) or "cross".' },
    { name: 'pair_id', type: 'utf8', description: 'pairs.pair_id of the row.' },
    { name: 'source', type: 'utf8', description: 'pairs.source: "qa" or "dictionary".' },
    { name: 'question_id', type: 'utf8', description: 'pairs.question_id (shared by translations of one question).' },
    { name: 'question_lang', type: 'utf8', description: 'ISO 639-1 code of the query.' },
    { name: 'question', type: 'utf8', description: 'Query text.' },
    { name: 'passage_id', type: 'utf8', description: 'pairs.passage_id of the positive passage.' },
    { name: 'passage_lang', type: 'utf8', description: 'ISO 639-1 code of the passage.' },
    { name: 'passage', type: 'utf8', description: 'Positive passage text.' },
  ],
};

export const compositionSchema: TableSchema = {
  name: 'batch_composition',
  description: 'One row per batch: its kind, size and language histograms.',
  columns: [
    { name: 'batch_id', type: 'int32', description: 'batches.batch_id.' },
    { name: 'epoch', type: 'int32', description: 'Epoch of the batch.' },
    { name: 'kind', type: 'utf8', description: '"mono" or "cross".' },
    {
      name: 'size',
      type: 'int32',
      description: 'Rows in the batch (below batchSize only for short or kept-last batches).',
    },
    { name: 'question_langs', type: 'list<utf8>', description: 'Query languages present, sorted.' },
    { name: 'question_lang_counts', type: 'list<int32>', description: 'Rows per entry of question_langs.' },
    { name: 'passage_langs', type: 'list<utf8>', description: 'Passage languages present, sorted.' },
    { name: 'passage_lang_counts', type: 'list<int32>', description: 'Rows per entry of passage_langs.' },
    { name: 'dictionary_rows', type: 'int32', description: 'Rows whose source is "dictionary".' },
  ],
};
