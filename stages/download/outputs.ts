// What the download stage writes: one folder per dataset (the registered files, sha256-verified) and sources.json.
import { declareOutputs } from '../../pipelines/engine/index.ts';

export const DOWNLOAD_OUTPUTS = declareOutputs('download', {
  sources: {
    path: 'sources.json',
    kind: 'json',
    description: 'Per dataset: title, license, citation, where it came from and every file with its sha256.',
  },
  mlqaDev: {
    path: 'mlqa-dev',
    kind: 'folder',
    optional: true,
    description: 'MLQA v1.0 dev: one SQuAD-format JSON per context × question language.',
  },
  xquadR: {
    path: 'xquad-r',
    kind: 'folder',
    optional: true,
    description: 'XQuAD-R (LAReQA): one SQuAD-format JSON with sentence breaks per language.',
  },
  mlqaR: {
    path: 'mlqa-r',
    kind: 'folder',
    optional: true,
    description: 'MLQA-R (LAReQA): one SQuAD-format JSON with sentence breaks per language.',
  },
  muse: {
    path: 'muse',
    kind: 'folder',
    optional: true,
    description: 'MUSE bilingual dictionaries en-xx as TSV (English word, translation).',
  },
  xnliDev: {
    path: 'xnli-dev',
    kind: 'folder',
    optional: true,
    description:
      'XNLI 1.0 dev: dev-<lang>.tsv per language (premise, hypothesis, label; CRLF, no header), 15 languages.',
  },
});

/** The folder output of each dataset id. */
export const DATASET_OUTPUT = {
  'mlqa-dev': DOWNLOAD_OUTPUTS.mlqaDev,
  'xquad-r': DOWNLOAD_OUTPUTS.xquadR,
  'mlqa-r': DOWNLOAD_OUTPUTS.mlqaR,
  muse: DOWNLOAD_OUTPUTS.muse,
  'xnli-dev': DOWNLOAD_OUTPUTS.xnliDev,
} as const;
