// XNLI under attack: the attack stage's recipes (imported from it, never re-implemented here) applied to the
// hypotheses of a seeded sample of part-B pairs in every language. `char`, `homoglyph` and `codemix` transform a
// text without looking at a model, so they are drawn once for every retriever; `greedy` searches per retriever,
// with the probe's loss as its goal: the gold label must lose its place as the top class (a label flip).
import { createRng } from '../common/random.ts';
import {
  greedyAttack,
  perturb,
  TRANSFORMS,
  type Dictionaries,
  type Recipe,
  type Scored,
  type Transform,
} from '../attack/index.ts';
import { logProbabilities, type Classifier } from './classifier.ts';
import type { TextFeaturizer } from './features.ts';
import { pairFeatures } from './features.ts';
import { summaryOf, type Task, type TaskOutcome } from './protocol.ts';
import type { AttackOutcome, DatasetResult } from './results.ts';
import { NO_LABEL } from './xnli.ts';

export interface AttackConfig {
  recipes: readonly Recipe[];
  perLanguage: number;
  wordShare: number;
  maxEdits: number;
  maxModelCalls: number;
  charCandidates: number;
  homoglyphCandidates: number;
  codemixLanguages: number;
  seed: number;
}

/** Positions (into task.test[i]'s arrays) of each language's attacked rows: a seeded sample of the labelled ones. */
export interface AttackSample {
  language: string;
  positions: Int32Array;
}

/**
 * The same part-B rows in every language (the files are aligned), drawn once with the seed's `classify/attack-sample`
 * stream.
 */
export function attackSample(task: Task, perLanguage: number, seed: number): AttackSample[] {
  const n = task.test[0]?.rows.length ?? 0;
  const labelled = Array.from({ length: n }, (_, i) => i).filter((i) => task.test.every((t) => t.gold[i] !== NO_LABEL));
  const rng = createRng(seed, 'classify/attack-sample');
  for (let i = labelled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [labelled[i], labelled[j]] = [labelled[j], labelled[i]];
  }
  const positions = Int32Array.from(labelled.slice(0, perLanguage)).sort();
  return task.test.map((t) => ({ language: t.language, positions }));
}

/**
 * One language's transformed hypotheses; null where the recipe cannot run for that language (codemix, no dictionary).
 */
export type Transformed = Map<Transform, ({ texts: string[]; changed: boolean[] } | null)[]>;

/** The model-independent recipes' hypotheses, per recipe and language (in sample order). */
export function transformHypotheses(
  task: Task,
  sample: readonly AttackSample[],
  cfg: AttackConfig,
  dictionaries: Dictionaries | null,
): Transformed {
  const out: Transformed = new Map();
  for (const recipe of TRANSFORMS) {
    if (!cfg.recipes.includes(recipe)) continue;
    out.set(
      recipe,
      sample.map((s, li) => {
        const t = task.test[li];
        const options = recipe === 'codemix' ? (dictionaries?.embeddable(s.language) ?? []) : [];
        if (recipe === 'codemix' && options.length === 0) return null;
        const texts: string[] = [];
        const changed: boolean[] = [];
        for (const pos of s.positions) {
          const text = task.index.texts[t.second![pos]];
          const rng = createRng(cfg.seed, `classify/${recipe}:${s.language}:${t.rows[pos]}`);
          const opts = { wordShare: cfg.wordShare, maxEdits: cfg.maxEdits };
          const p =
            recipe === 'codemix'
              ? perturb('codemix', text, s.language, rng, {
                  ...opts,
                  dictionaries: dictionaries!,
                  embedded: draw(options, cfg.codemixLanguages, rng),
                })
              : perturb(recipe, text, s.language, rng, opts);
          texts.push(p.text);
          changed.push(p.text !== text);
        }
        return { texts, changed };
      }),
    );
  }
  return out;
}

/** `n` of `options`, drawn without replacement, sorted. */
function draw(options: readonly string[], n: number, rng: ReturnType<typeof createRng>): string[] {
  const pool = [...options];
  const out: string[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]);
  return out.sort();
}

/**
 * The probe's view of (premise, hypothesis variants): the gold class's rank, probability, and margin over the best
 * other.
 */
function scorer(c: Classifier, featurizer: TextFeaturizer, premise: Float32Array, gold: number) {
  const dim = featurizer.dim;
  return async (texts: readonly string[]): Promise<Scored[]> => {
    const hyp = await featurizer.vectors(texts);
    const premiseSlots = new Int32Array(texts.length);
    const x = pairFeatures(
      premise,
      dim,
      premiseSlots,
      Int32Array.from({ length: texts.length }, (_, i) => i),
      hyp,
    );
    const lp = logProbabilities(c, x);
    return texts.map((_, i) => {
      const row = lp.subarray(i * c.classes, (i + 1) * c.classes);
      let rank = 1;
      let other = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < c.classes; j++) {
        if (j === gold) continue;
        if (row[j] > row[gold]) rank++;
        other = Math.max(other, row[j]);
      }
      return { rank, similarity: Math.exp(row[gold]), objective: row[gold] - other };
    });
  };
}

/** Every configured recipe's result for one retriever, from its clean outcome (probe, vectors, predictions). */
export async function attackedResults(
  task: Task,
  outcome: TaskOutcome,
  featurizer: TextFeaturizer,
  sample: readonly AttackSample[],
  transformed: Transformed,
  cfg: AttackConfig,
  dictionaries: Dictionaries | null,
  retrieverLanguages: readonly string[] | null,
): Promise<DatasetResult[]> {
  const dim = featurizer.dim;
  const results: DatasetResult[] = [];
  for (const recipe of cfg.recipes) {
    const outcomes: AttackOutcome[] = [];
    for (const [li, s] of sample.entries()) {
      const t = task.test[li];
      const clean = outcome.predictions[li];
      const o: AttackOutcome = {
        language: s.language,
        examples: s.positions.length,
        attacked: 0,
        successful: 0,
        unchanged: 0,
        skipped: 0,
        modelCalls: 0,
      };
      if (recipe === 'greedy') {
        for (const pos of s.positions) {
          if (clean[pos] !== t.gold[pos]) {
            o.skipped++;
            continue;
          }
          o.attacked++;
          const premise = outcome.vectors.subarray(t.first[pos] * dim, (t.first[pos] + 1) * dim);
          const opts = {
            k: 1,
            maxModelCalls: cfg.maxModelCalls,
            batch: true,
            wordShare: cfg.wordShare,
            maxEdits: cfg.maxEdits,
            charCandidates: cfg.charCandidates,
            homoglyphCandidates: cfg.homoglyphCandidates,
            dictionaries: dictionaries ?? undefined,
            embedded: dictionaries?.embeddable(s.language) ?? [],
          };
          const r = await greedyAttack(
            task.index.texts[t.second![pos]],
            s.language,
            createRng(cfg.seed, `classify/greedy:${s.language}:${t.rows[pos]}`),
            scorer(outcome.classifier, featurizer, premise, t.gold[pos]),
            opts,
          );
          o.modelCalls += r.modelCalls;
          if (r.status === 'successful') o.successful++;
          else if (r.status === 'featureless' || r.edits === 0) o.unchanged++;
        }
      } else {
        const variants = transformed.get(recipe)?.[li];
        if (!variants) continue;
        const hyp = await featurizer.vectors(variants.texts);
        const slots = Int32Array.from({ length: variants.texts.length }, (_, i) => i);
        const x = pairFeatures(
          outcome.vectors,
          dim,
          Int32Array.from(s.positions, (pos) => t.first[pos]),
          slots,
          hyp,
        );
        const lp = logProbabilities(outcome.classifier, x);
        s.positions.forEach((pos, i) => {
          if (clean[pos] !== t.gold[pos]) {
            o.skipped++;
            return;
          }
          o.attacked++;
          if (!variants.changed[i]) {
            o.unchanged++;
            return;
          }
          const row = lp.subarray(i * outcome.classifier.classes, (i + 1) * outcome.classifier.classes);
          let arg = 0;
          for (let j = 1; j < row.length; j++) if (row[j] > row[arg]) arg = j;
          if (arg !== t.gold[pos]) o.successful++;
        });
      }
      outcomes.push(o);
    }
    if (outcomes.length === 0 || !outcomes.some((o) => o.language === 'en')) continue;
    const byLanguage = outcomes.map((o) => ({
      language: o.language,
      accuracy: (o.attacked - o.successful) / o.examples,
      examples: o.examples,
      unlabelled: 0,
    }));
    results.push({
      dataset: task.dataset,
      recipe,
      byLanguage,
      summary: summaryOf(byLanguage, retrieverLanguages),
      attack: outcomes,
    });
  }
  return results;
}
