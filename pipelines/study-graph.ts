// The study's graph, once: the nodes, their wiring, the profiles and the printed answer that the study
// (pipelines/study.ts) and the swapped study (pipelines/swap.ts) share. A pipeline built here differs from the
// study only in its name, its description and the pairs node's params (which data trains, which evaluates).
// download → pairs → batches (strategy × batch size [× seed]) → train (× loss) → attack (every model) → score (all
// models + baselines, clean and attacked queries); train → classify (all models: zero-shot XNLI, and MLDoc when given).
// → report (figures, intervals, the written answer: what the run prints at the end).
import { definePipeline, type PipelineDef, type Profile } from './engine/pipeline.ts';
import { attackStage } from '../stages/attack/index.ts';
import { batchesStage } from '../stages/batches/index.ts';
import { classifyStage } from '../stages/classify/index.ts';
import { downloadStage } from '../stages/download/index.ts';
import { pairsStage } from '../stages/pairs/index.ts';
import { reportStage } from '../stages/report/index.ts';
import { scoreStage } from '../stages/score/index.ts';
import { trainStage } from '../stages/train/index.ts';

/**
 * The study's grid, shared by the swapped pipeline. Seeds are zipped: seed i sets both the batch order and the init.
 * Profiles: `quick` (the default: finishes in minutes on 2 cores) and `full` (`--profile full`: the whole grid).
 */
export const STUDY_PROFILES: Record<string, Profile> = {
  // Three seeds so that each contrast the report states (strategy at a small and a large batch) has a spread; one
  // loss (InfoNCE, the default) to pay for them. ALBEF stays in `full`.
  quick: {
    description: 'strategy {mono, cross, hybrid} × batch size {32, 512} × seeds {0, 1, 2}, InfoNCE: 18 models',
    sweeps: {
      'batches.strategy': ['mono', 'cross', 'hybrid'],
      'batches.batchSize': [32, 512],
      'batches.seed+train.seed': [0, 1, 2],
    },
  },
  full: {
    description:
      'strategy {mono, cross, hybrid} × batch size {16 … 1024} × loss {infonce, albef} × seeds {0, 1, 2}: 126 models',
    sweeps: {
      'batches.strategy': ['mono', 'cross', 'hybrid'],
      'batches.batchSize': [16, 32, 64, 128, 256, 512, 1024],
      'train.loss': ['infonce', 'albef'],
      'batches.seed+train.seed': [0, 1, 2],
    },
  },
};

/** What a study pipeline sets for itself; the rest of the graph is the study's. */
export interface StudyVariant {
  name: string;
  description: string;
  /** The pairs node's params over the stage's defaults (the data swapped); none: the stage's defaults. */
  pairs?: Record<string, unknown>;
}

/** A pipeline with the study's nodes, wiring, profiles (quick by default) and printed summary. */
export function studyPipeline(variant: StudyVariant): PipelineDef {
  return definePipeline({
    name: variant.name,
    description: variant.description,
    nodes: {
      download: { stage: downloadStage },
      pairs: { stage: pairsStage, ...(variant.pairs && { params: variant.pairs }), inputs: { raw: 'download' } },
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
}
