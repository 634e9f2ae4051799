// One target model: its pool embedded once (score's densePool), the positive's rank for the clean sample, for each
// transformation's texts, and for the greedy search's queries made against it; every recorded rank comes from
// score's ranking code (ranks.ts). The greedy search's own bookkeeping is compared with it and any disagreement
// counted (the tests require none).
import type { LoadedEncoder } from '../train/index.ts';
import { createRng } from '../common/random.ts';
import { densePool, querySubset, type EvalSet, type RetrieverInfo } from '../score/index.ts';
import type { Dictionaries } from './codemix.ts';
import { greedyAttack, type AttackStatus } from './greedy.ts';
import type { AttackParams } from './params.ts';
import { positiveRanks } from './ranks.ts';
import { perturb, type Perturbed, type Recipe, type Transform } from './recipes.ts';
import { Target } from './target.ts';

/** A sampled query: its index in the evaluation set, id, language and positive candidate. */
export interface SampledQuery {
  q: number;
  id: string;
  lang: string;
  langIndex: number;
  positive: number;
  text: string;
  /** The model's tokenizer finds no feature in it (empty, or punctuation only). */
  featureless: boolean;
}

export interface AttackRow {
  info: RetrieverInfo;
  query: SampledQuery;
  recipe: Recipe;
  adversarial: string;
  words: number;
  edits: number;
  kinds: string[];
  modelCalls: number;
  rankBefore: number;
  rankAfter: number;
  status: AttackStatus;
}

export interface ModelAttack {
  rows: AttackRow[];
  /** The greedy queries made against this model (sample order), or null when greedy is not run. */
  greedyTexts: string[] | null;
  /** Queries where the search's own rank or outcome differs from score's ranking of the same text. */
  disagreements: number;
  poolVectors: Float32Array;
}

export interface AttackInput {
  model: LoadedEncoder;
  info: RetrieverInfo;
  data: EvalSet;
  sample: readonly SampledQuery[];
  /**
   * Model-independent perturbations per transformation, per sampled query (null: the query's language has no
   * dictionary).
   */
  transformed: ReadonlyMap<Transform, readonly (Perturbed | null)[]>;
  dictionaries: Dictionaries | null;
  p: AttackParams;
  signal?: AbortSignal;
  onQuery?(done: number, total: number): void;
}

function statusOf(featureless: boolean, before: number, after: number, k: number): AttackStatus {
  if (featureless) return 'featureless';
  if (before > k) return 'skipped';
  return after > k ? 'successful' : 'failed';
}

export async function attackModel(input: AttackInput): Promise<ModelAttack> {
  const { model, info, data, sample, p } = input;
  const ids = sample.map((s) => s.id);
  const positivesAll = Int32Array.from(sample, (s) => s.positive);
  const pool = await densePool(model, data.candidates.texts);
  const rows: AttackRow[] = [];
  let disagreements = 0;
  let greedyTexts: string[] | null = null;
  const target = new Target(model, data, pool.vectors);
  try {
    const rankSet = async (members: number[], texts: string[]): Promise<Int32Array> => {
      const set = querySubset(
        data,
        members.map((i) => ids[i]),
        texts,
      );
      return (
        await positiveRanks(
          set,
          await pool.scorer(texts),
          Int32Array.from(members, (i) => positivesAll[i]),
          p.block,
          input.signal,
        )
      ).ranks;
    };
    const all = sample.map((_, i) => i);
    const before = await rankSet(
      all,
      sample.map((s) => s.text),
    );

    for (const recipe of p.recipes) {
      if (recipe === 'greedy') continue;
      let perturbed = input.transformed.get(recipe)!;
      const calls = new Array<number>(sample.length).fill(0);
      if (recipe === 'codemix' && p.codemix === 'adversarial' && input.dictionaries) {
        perturbed = await adversarialCodemix(input, target, calls);
      }
      const members = all.filter((i) => perturbed[i] !== null);
      const after = await rankSet(
        members,
        members.map((i) => perturbed[i]!.text),
      );
      members.forEach((i, m) => {
        const r = perturbed[i]!;
        const featureless = r.featureless || sample[i].featureless;
        rows.push({
          info,
          query: sample[i],
          recipe,
          adversarial: r.text,
          words: r.words,
          edits: r.edits,
          kinds: r.kinds,
          modelCalls: calls[i],
          rankBefore: before[i],
          rankAfter: after[m],
          status: statusOf(featureless, before[i], after[m], p.k),
        });
      });
    }

    if (p.recipes.includes('greedy')) {
      const results = [];
      for (const [i, s] of sample.entries()) {
        input.signal?.throwIfAborted();
        const opts = {
          ...p,
          batch: true,
          dictionaries: input.dictionaries ?? undefined,
          embedded: input.dictionaries?.embeddable(s.lang) ?? [],
        };
        const r = s.featureless
          ? {
              text: s.text,
              status: 'featureless' as const,
              edits: 0,
              words: 0,
              kinds: [],
              modelCalls: 0,
              rankBefore: 0,
              rankAfter: 0,
            }
          : await greedyAttack(
              s.text,
              s.lang,
              createRng(p.seed, `greedy:${s.id}`),
              target.scorer(s.langIndex, s.positive, p.k),
              opts,
            );
        results.push(r);
        input.onQuery?.(i + 1, sample.length);
      }
      greedyTexts = results.map((r) => r.text);
      const after = await rankSet(all, greedyTexts);
      results.forEach((r, i) => {
        const featureless = r.status === 'featureless';
        const status = statusOf(featureless, before[i], after[i], p.k);
        if (
          !featureless &&
          (r.rankBefore !== before[i] ||
            r.rankAfter !== after[i] ||
            (r.status === 'successful') !== (status === 'successful'))
        )
          disagreements++;
        rows.push({
          info,
          query: sample[i],
          recipe: 'greedy',
          adversarial: r.text,
          words: r.words,
          edits: r.edits,
          kinds: r.kinds,
          modelCalls: r.modelCalls,
          rankBefore: before[i],
          rankAfter: after[i],
          status,
        });
      });
    }
    return { rows, greedyTexts, disagreements, poolVectors: pool.vectors };
  } finally {
    target.dispose();
    pool.dispose();
  }
}

/**
 * codemix with the embedded language chosen against this model: each language the query can be mixed with gives
 * one variant (its own seeded draw), all scored in one call; the variant with the lowest objective wins.
 */
async function adversarialCodemix(input: AttackInput, target: Target, calls: number[]): Promise<(Perturbed | null)[]> {
  const { sample, p, dictionaries } = input;
  const out: (Perturbed | null)[] = [];
  for (const [i, s] of sample.entries()) {
    const options = dictionaries!.embeddable(s.lang);
    if (options.length === 0) {
      out.push(null);
      continue;
    }
    const variants = options.map((e) =>
      perturb('codemix', s.text, s.lang, createRng(p.seed, `codemix:${s.id}:${e}`), {
        ...p,
        dictionaries: dictionaries!,
        embedded: [e],
      }),
    );
    const live = variants.filter((v) => !v.featureless);
    if (live.length === 0 || s.featureless) {
      out.push(variants[0]);
      continue;
    }
    const scored = await target.scorer(s.langIndex, s.positive, p.k)(live.map((v) => v.text));
    calls[i] = 1;
    let best = 0;
    for (let c = 1; c < scored.length; c++) if (scored[c].objective < scored[best].objective) best = c;
    out.push(live[best]);
  }
  return out;
}
