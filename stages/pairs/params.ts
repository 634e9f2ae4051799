// The stage's params: every field has a default, so `{}` is the default study (train MLQA dev → evaluate XQuAD-R).
// Combinations that would leak evaluation questions into training, or languages a dataset lacks, fail here with the
// param named (the engine prefixes "pairs.").
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { LANGS, MLQA_LANGS, XQUAD_LANGS, type Lang } from './langs.ts';

export const TRAIN_SETS = ['mlqa-dev', 'xquad'] as const;
export const EVAL_SETS = ['xquad-r', 'mlqa-r'] as const;
export type TrainSet = (typeof TRAIN_SETS)[number];
export type EvalSet = (typeof EVAL_SETS)[number];

export const TRAIN_LANGS: Record<TrainSet, readonly Lang[]> = { 'mlqa-dev': MLQA_LANGS, xquad: XQUAD_LANGS };
export const EVAL_LANGS: Record<EvalSet, readonly Lang[]> = { 'xquad-r': XQUAD_LANGS, 'mlqa-r': MLQA_LANGS };
/** Which eval set holds the same questions as which train set (XQuAD-R is XQuAD + sentence annotation). */
const SAME_QUESTIONS: Record<TrainSet, EvalSet> = { 'mlqa-dev': 'mlqa-r', xquad: 'xquad-r' };

const Lang = z.enum(LANGS);

export const PairsParams = z
  .object({
    /** Training QA data: MLQA dev (49 context/question language files) or XQuAD (read from the xquad-r files). */
    train: z.enum(TRAIN_SETS).default('mlqa-dev'),
    /** Evaluation pool and queries, with LAReQA's own sentence breaks. */
    eval: z.enum(EVAL_SETS).default('xquad-r'),
    /** Languages of training questions and passages (and of dictionary pairs). Default: the 7 MLQA languages. */
    trainLanguages: z
      .array(Lang)
      .min(1)
      .default([...MLQA_LANGS]),
    /** Languages of the evaluation pool and queries; "all" = every language of the eval set. */
    evalLanguages: z.union([z.literal('all'), z.array(Lang).min(1)]).default('all'),
    /** Extra cross-lingual pairs from MUSE dictionaries (identity pairs dropped). */
    alignment: z.enum(['none', 'muse']).default('muse'),
    /**
     * Which languages get dictionary pairs: "all" = every training or evaluation language with an en-xx dictionary
     * (the evaluation questions and passages stay unseen: that is the study's zero-shot); "train" = training
     * languages only, so the evaluation-only languages (el, ru, th, tr in the default study) stay language-level
     * zero-shot.
     */
    alignmentLanguages: z.enum(['all', 'train']).default('all'),
    /**
     * Dictionary entries kept per language, in MUSE file order (frequent words first). Chosen on the dev split with
     * `alignmentDirections` (stages/train/README.md): 10,000 one-way rows gave the best mean dev mAP@20 of the six
     * quick configurations, at the steps of 5,000 both ways.
     */
    alignmentMaxPerLanguage: z.number().int().nonnegative().default(10000),
    /** "both": en→xx and xx→en rows per entry; "en-xx" (the default): only the English word as the query. */
    alignmentDirections: z.enum(['both', 'en-xx']).default('en-xx'),
    /** Fraction of article groups in split "dev" (rounded to whole articles). */
    devFraction: z.number().min(0).lt(1).default(0.1),
    seed: z.number().int().default(13),
    /** Worker threads; does not change a byte of the output. */
    workers: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(() => availableParallelism()),
  })
  .superRefine((p, ctx) => {
    if (SAME_QUESTIONS[p.train] === p.eval) {
      ctx.addIssue({
        code: 'custom',
        path: ['eval'],
        message: `eval "${p.eval}" holds the same questions as train "${p.train}"; use train "mlqa-dev" with eval "xquad-r", or train "xquad" with eval "mlqa-r"`,
      });
    }
    const dup = p.trainLanguages.find((l, i) => p.trainLanguages.indexOf(l) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['trainLanguages'], message: `"${dup}" is listed twice` });
    const badTrain = p.trainLanguages.filter((l) => !TRAIN_LANGS[p.train].includes(l));
    if (badTrain.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['trainLanguages'],
        message: `train "${p.train}" has no ${badTrain.join(', ')} (it has ${TRAIN_LANGS[p.train].join(', ')})`,
      });
    }
    if (p.evalLanguages !== 'all') {
      const dupE = p.evalLanguages.find((l, i) => (p.evalLanguages as Lang[]).indexOf(l) !== i);
      if (dupE) ctx.addIssue({ code: 'custom', path: ['evalLanguages'], message: `"${dupE}" is listed twice` });
      const badEval = p.evalLanguages.filter((l) => !EVAL_LANGS[p.eval].includes(l));
      if (badEval.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['evalLanguages'],
          message: `eval "${p.eval}" has no ${badEval.join(', ')} (it has ${EVAL_LANGS[p.eval].join(', ')})`,
        });
      }
    }
  });
export type PairsParams = z.output<typeof PairsParams>;

/** Eval languages after resolving "all", in the canonical order. */
export function evalLanguagesOf(p: PairsParams): Lang[] {
  const list = p.evalLanguages === 'all' ? [...EVAL_LANGS[p.eval]] : p.evalLanguages;
  return [...list].sort((a, b) => LANGS.indexOf(a) - LANGS.indexOf(b));
}

/** Languages that get MUSE dictionary pairs (never English: the dictionaries are en-xx), in the canonical order. */
export function alignmentLanguagesOf(p: PairsParams): Lang[] {
  if (p.alignment === 'none') return [];
  const langs = new Set<Lang>(trainLanguagesOf(p));
  if (p.alignmentLanguages === 'all') for (const l of evalLanguagesOf(p)) langs.add(l);
  return [...langs].filter((l) => l !== 'en').sort((a, b) => LANGS.indexOf(a) - LANGS.indexOf(b));
}

/** Train languages in the canonical order (so param order does not change the output). */
export function trainLanguagesOf(p: PairsParams): Lang[] {
  return [...p.trainLanguages].sort((a, b) => LANGS.indexOf(a) - LANGS.indexOf(b));
}
