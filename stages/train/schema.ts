// The train stage's table: one row per optimizer step (the training curve), for DuckDB, pandas or a plot.
import type { TableSchema } from '../common/tables.ts';

export const curveSchema: TableSchema = {
  name: 'training_curve',
  description:
    'One row per optimizer step, in order. Every column but pairs_per_second is a pure function of the inputs, params and backend; ' +
    'pairs_per_second is wall-clock throughput and differs between runs.',
  columns: [
    { name: 'step', type: 'int32', description: 'Optimizer step, 1-based.' },
    { name: 'batch_id', type: 'int32', description: 'batches.batch_id of the batch this step trained on.' },
    { name: 'epoch', type: 'int32', description: 'Epoch of that batch, 0-based.' },
    { name: 'kind', type: 'utf8', description: '"mono" or "cross": the kind of the batch.' },
    { name: 'batch_size', type: 'int32', description: 'Pairs in the batch.' },
    {
      name: 'negatives',
      type: 'int32',
      description: 'Negatives each question is scored against: batch_size − 1, plus the queue size for albef.',
    },
    { name: 'loss', type: 'float64', description: 'Training loss of the step, before the update.' },
    { name: 'lr', type: 'float64', description: 'Learning rate of the update.' },
    { name: 'temperature', type: 'float64', description: 'Softmax temperature after the update.' },
    {
      name: 'pairs_per_second',
      type: 'float64',
      description: 'Pairs per second of wall time over this step (tokenisation excluded).',
    },
  ],
};
