// The attack stage's params: which recipes, how many queries, the goal (top k) and the budget. Every field has a
// default; a bad value is a zod error that names the param (unknown recipe, budget out of range, k < 1).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BACKEND_CHOICES } from '../train/index.ts';
import { RECIPES, type Recipe } from './recipes.ts';

export const AttackParams = z.object({
  backend: z
    .enum(BACKEND_CHOICES)
    .default('auto')
    .describe('TF.js backend for embedding and scoring (as in train and score)'),
  recipes: z
    .array(z.enum(RECIPES))
    .min(1)
    .default([...RECIPES])
    .describe('recipes to run: char, homoglyph, codemix, greedy'),
  perLanguage: z.number().int().min(1).max(1_000_000).default(8).describe('sampled queries per language (seeded)'),
  k: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(1)
    .describe("goal: the positive leaves the top k of its language's pool"),
  wordShare: z
    .number()
    .gt(0)
    .max(1)
    .default(0.25)
    .describe("budget: largest share of a query's words edited (at least one word)"),
  maxEdits: z.number().int().min(1).max(64).default(3).describe('budget: at most this many edited words'),
  maxModelCalls: z
    .number()
    .int()
    .min(2)
    .max(100_000)
    .default(40)
    .describe('budget (greedy): embedding calls per query'),
  charCandidates: z.number().int().min(1).max(64).default(6).describe('greedy: random typos tried per word'),
  homoglyphCandidates: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('greedy: random homoglyph / invisible edits tried per word'),
  codemix: z
    .enum(['random', 'adversarial'])
    .default('random')
    .describe('embedded language: random, or the one that hurts the target most (then per model)'),
  codemixLanguages: z.number().int().min(1).max(11).default(1).describe('embedded languages drawn per query'),
  transfer: z
    .boolean()
    .default(true)
    .describe('score every model on the greedy queries made against every other (transfer.parquet)'),
  seed: z.number().int().default(0),
  block: z
    .number()
    .int()
    .min(1)
    .max(1 << 16)
    .default(256)
    .describe('queries scored per matrix product when ranking (runtime: changes no number)'),
});

export type AttackParams = z.output<typeof AttackParams>;

/** The params that decide a recipe's output, hashed: the attacks table's params_digest. */
export function paramsDigest(recipe: Recipe, p: AttackParams): string {
  const common = { seed: p.seed, wordShare: p.wordShare, maxEdits: p.maxEdits, perLanguage: p.perLanguage };
  const own =
    recipe === 'greedy'
      ? {
          k: p.k,
          maxModelCalls: p.maxModelCalls,
          charCandidates: p.charCandidates,
          homoglyphCandidates: p.homoglyphCandidates,
        }
      : recipe === 'codemix'
        ? { codemix: p.codemix, codemixLanguages: p.codemixLanguages }
        : {};
  return createHash('sha256')
    .update(JSON.stringify({ recipe, ...common, ...own }))
    .digest('hex')
    .slice(0, 16);
}
