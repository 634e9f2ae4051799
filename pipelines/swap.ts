// The swapped study (`npm run pipeline -- --pipeline swap`): train on XQuAD (11 languages), evaluate on MLQA-R
// (7 languages). The questions of the two never overlap; the pairs stage refuses combinations that would.
import { definePipeline } from './engine/pipeline.ts';
import { attackStage } from '../stages/attack/index.ts';
import { batchesStage } from '../stages/batches/index.ts';
import { classifyStage } from '../stages/classify/index.ts';
import { downloadStage } from '../stages/download/index.ts';
import { XQUAD_LANGS } from '../stages/pairs/index.ts';
import { pairsStage } from '../stages/pairs/index.ts';
import { reportStage } from '../stages/report/index.ts';
import { scoreStage } from '../stages/score/index.ts';
import { trainStage } from '../stages/train/index.ts';
import { STUDY_PROFILES } from './study.ts';

export default definePipeline({
  name: 'swap',
  description: 'The study with its data swapped: XQuAD training pairs → MLQA-R evaluation',
  nodes: {
    download: { stage: downloadStage },
    pairs: {
      stage: pairsStage,
      params: { train: 'xquad', eval: 'mlqa-r', trainLanguages: [...XQUAD_LANGS] },
      inputs: { raw: 'download' },
    },
    batches: { stage: batchesStage, inputs: { pairs: 'pairs' } },
    train: { stage: trainStage, inputs: { batches: 'batches', dev: 'pairs' } },
    attack: { stage: attackStage, inputs: { models: { from: 'train', all: true }, eval: 'pairs', raw: 'download' } },
    score: { stage: scoreStage, inputs: { models: { from: 'train', all: true }, eval: 'pairs', attacks: 'attack' } },
    classify: {
      stage: classifyStage,
      inputs: { models: { from: 'train', all: true }, raw: 'download', eval: 'pairs' },
    },
    // The answer: figures, paired bootstrap intervals and the written answer over score, attack, classify and every
    // training curve; what the run prints at the end.
    report: {
      stage: reportStage,
      inputs: { score: 'score', models: { from: 'train', all: true }, attack: 'attack', classify: 'classify' },
    },
  },
  profiles: STUDY_PROFILES,
  defaultProfile: 'quick',
  summary: { node: 'report', file: 'summary.md', links: ['report.html', 'report.md'] },
});
