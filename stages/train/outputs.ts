// What the train stage writes: the model folder (TF.js layout plus the tokenizer config) and the training curve.
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { curveSchema } from './schema.ts';

export const TRAIN_OUTPUTS = declareOutputs('train', {
  model: {
    path: 'model',
    kind: 'folder',
    description: 'The encoder: model.json (TF.js layout, metadata), weight shards, tokenizer.json.',
  },
  curve: { path: 'curve.parquet', kind: 'parquet', schema: curveSchema, description: curveSchema.description },
  curveJson: {
    path: 'curve.json',
    kind: 'json',
    description: 'The same curve as JSON (`hybrid-xlr/training-curve@1`).',
  },
});
