// The written answer: sentences assembled from the computed effects and intervals (templates filled with numbers,
// never a conclusion written in advance), the method paragraph (which test and why), and the limitations. Every
// number comes from stats.parquet's rows or the figures' data, so the text and the tables cannot disagree.
import type { Configuration, ContrastRow } from './contrasts.ts';
import type { Figure, Row } from './figures.ts';
import type { ReportInputs } from './types.ts';
import { QUERY_METRICS, SAMPLE_SET, type QueryMetric } from './per-query.ts';

export const METRIC_LABEL: Record<QueryMetric, string> = {
  'map@20': 'multilingual mAP@20',
  mono_r1: 'mono R@1',
  cross_r1: 'cross R@1',
};

export interface AnswerContext {
  inputs: ReportInputs;
  configs: readonly Configuration[];
  contrasts: readonly ContrastRow[];
  figures: readonly Figure[];
  questions: number;
  queries: number;
  querySets: readonly string[];
  resamples: number;
  level: number;
}

export interface WrittenAnswer {
  /** Markdown paragraphs: the answer to the question, in its parts (quality, scaling, robustness, XNLI). */
  answer: string[];
  /** How the intervals were computed and why this test. */
  method: string;
  limitations: string;
}

/** A signed number with `digits` decimals and a real minus sign; zero (as printed) has no sign. */
export function signed(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  const s = Math.abs(x).toFixed(digits);
  if (Number(s) === 0) return s;
  return x > 0 ? `+${s}` : `−${s}`;
}

export function plain(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  const s = x.toFixed(digits);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

/** "+0.004 [+0.001, +0.007]" */
export function effect(r: Pick<ContrastRow, 'estimate' | 'lowSeeds' | 'highSeeds'>): string {
  return interval(r.estimate, r.lowSeeds, r.highSeeds);
}

/** "+0.004 [+0.001, +0.007]", one precision for the three: 4 decimals when all are below 0.01. */
export function interval(estimate: number, low: number, high: number): string {
  const digits = Math.max(Math.abs(estimate), Math.abs(low), Math.abs(high)) < 0.01 ? 4 : 3;
  return `${signed(estimate, digits)} [${signed(low, digits)}, ${signed(high, digits)}]`;
}

function capitalise(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** A sentence start: after the loss prefix ("With albef, of 6 …"), or capitalised on its own ("Of 6 …"). */
function lead(prefix: string, word: string): string {
  return prefix ? `${prefix} ${word}` : `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function writeAnswer(ctx: AnswerContext): WrittenAnswer {
  const { inputs, configs, contrasts } = ctx;
  const score = inputs.score;
  const answer: string[] = [];
  const seeds = configs.map((c) => c.retrievers.length);
  const minSeeds = seeds.length > 0 ? Math.min(...seeds) : 0;
  const maxSeeds = seeds.length > 0 ? Math.max(...seeds) : 0;
  const losses = [...new Set(configs.map((c) => c.loss))];
  const sizes = [...new Set(configs.map((c) => c.batchSize))].sort((a, b) => a - b);
  const pct = Math.round(ctx.level * 100);

  answer.push(
    `**Data.** ${plural(configs.length, 'trained configuration')} (strategies ${list([...new Set(configs.map((c) => c.strategy))])}; batch sizes ${sizes.join(', ')}; ` +
      `loss ${list(losses)}), ${minSeeds === maxSeeds ? plural(minSeeds, 'seed') : `${minSeeds}–${maxSeeds} seeds`} each, scored zero-shot on ${score.dataset} ` +
      `(${score.languages.length} languages, ${ctx.queries.toLocaleString('en-US')} queries from ${ctx.questions.toLocaleString('en-US')} questions). ` +
      `${scheduleSentence(ctx)}Effects are differences of means with ${pct}% paired-bootstrap intervals that resample questions and training seeds; "not distinguishable" means an interval includes 0.`,
  );
  if (configs.length === 0) {
    answer.push(
      'No trained model is in this pipeline, so the question has no answer here: only the baselines were scored.',
    );
  }
  if (contrasts.length === 0 && configs.length > 0) {
    answer.push(
      score.ranks === null
        ? 'No interval could be computed: score ran without ranks.parquet (param `ranks: false`), and the bootstrap needs per-query values.'
        : 'No contrast could be computed: the pipeline lacks a hybrid configuration or a mono/cross one at the same batch size.',
    );
  }

  for (const loss of losses) {
    const prefix = losses.length > 1 ? `With ${loss},` : '';
    const of = (kind: ContrastRow['contrast']) => contrasts.filter((r) => r.contrast === kind && r.loss === loss);
    // Quality: hybrid against each single-kind strategy.
    for (const rival of ['mono', 'cross'] as const) {
      const rows = of(`hybrid-${rival}`);
      if (rows.length === 0) continue;
      const better = rows.filter((r) => r.distinguishable && r.estimate > 0);
      const worse = rows.filter((r) => r.distinguishable && r.estimate < 0);
      const where = (rs: ContrastRow[]) =>
        list(rs.map((r) => `${METRIC_LABEL[r.metric]} at B = ${r.batchSize} (${effect(r)})`));
      const largest = [...rows].sort((a, b) => Math.abs(b.estimate) - Math.abs(a.estimate))[0];
      let s = `**Hybrid vs ${rival}-only batches.** ${lead(prefix, 'of')} ${plural(rows.length, 'comparison')} (3 metrics × ${plural(new Set(rows.map((r) => r.batchSize)).size, 'batch size')}), hybrid is better in ${better.length}`;
      s += better.length > 0 ? ` (${where(better)})` : '';
      s += `, worse in ${worse.length}`;
      s += worse.length > 0 ? ` (${where(worse)})` : '';
      s += `, and not distinguishable in ${rows.length - better.length - worse.length}.`;
      if (better.length + worse.length === 0)
        s += ` The largest difference, ${METRIC_LABEL[largest.metric]} at B = ${largest.batchSize}, is ${effect(largest)}.`;
      answer.push(s);
    }
    // Scaling the batch, per strategy.
    const scaling = of('batch-effect');
    if (scaling.length > 0) {
      const from = scaling[0].batchFrom;
      const to = scaling[0].batchTo;
      const describe = (strategy: string): string | null => {
        const rs = scaling.filter((r) => r.strategy === strategy);
        if (rs.length === 0) return null;
        return list(
          rs.map((r) => `${METRIC_LABEL[r.metric]} ${effect(r)}${r.distinguishable ? '' : ' (not distinguishable)'}`),
        );
      };
      const hybrid = describe('hybrid');
      const others = ['mono', 'cross'].map((s) => [s, describe(s)] as const).filter(([, d]) => d !== null);
      let s = `**Scaling the batch from ${from} to ${to}.** `;
      s += hybrid
        ? `${lead(prefix, 'hybrid')} batches change ${hybrid}.`
        : `${lead(prefix, 'there')} is no hybrid configuration at both batch sizes.`;
      if (others.length > 0)
        s += ` For comparison, ${others.map(([name, d]) => `${name}-only batches: ${d}`).join('; ')}.`;
      answer.push(s);
    }
    // Robustness: the change of the drop with the batch size, per recipe.
    const drops = of('drop-change');
    if (drops.length > 0) {
      const recipes = [...new Set(drops.map((r) => r.querySet))];
      const parts = recipes
        .map((recipe) => {
          const rs = drops.filter((r) => r.querySet === recipe && r.strategy === 'hybrid');
          if (rs.length === 0) return null;
          const pieces = rs.map((r) => {
            const verdict = !r.distinguishable
              ? 'not distinguishable'
              : r.estimate < 0
                ? 'smaller drop at the larger batch'
                : 'larger drop at the larger batch';
            return `${METRIC_LABEL[r.metric]}: drop ${plain(r.meanB)} at B = ${r.batchFrom}, ${plain(r.meanA)} at B = ${r.batchTo}, change ${effect(r)} (${verdict})`;
          });
          return `under ${recipe} (drop = ${rs[0].referenceSet === SAMPLE_SET ? 'unperturbed' : 'clean'} − attacked, same queries), ${pieces.join('; ')}`;
        })
        .filter((p): p is string => p !== null);
      const all = drops.length;
      const changed = drops.filter((r) => r.distinguishable).length;
      const measured = QUERY_METRICS.filter((m) => drops.some((r) => r.metric === m));
      const unmeasured = QUERY_METRICS.filter((m) => !measured.includes(m)).map((m) => METRIC_LABEL[m]);
      const note =
        unmeasured.length > 0
          ? ` ${capitalise(list(unmeasured))} ${unmeasured.length === 1 ? 'has' : 'have'} no per-query attacked values (score ranks clean queries only), so ${unmeasured.length === 1 ? 'its' : 'their'} drops are in the figure without intervals.`
          : '';
      if (parts.length > 0)
        answer.push(
          `**Robustness (hybrid).** ${lead(prefix, parts.map((p, i) => (i === 0 ? p : capitalise(p))).join('. '))}. Over every strategy, recipe and metric measured, ${changed} of ${all} drop changes are distinguishable from 0.${note}`,
        );
    }
  }

  const seedNoise = contrasts.filter((r) => r.distinguishableByQuestions && !r.distinguishable);
  if (seedNoise.length > 0) {
    answer.push(
      `**Seed noise.** ${plural(seedNoise.length, 'contrast')} would look distinguishable from the choice of questions alone but not once the training seeds are resampled too (${seedNoise
        .slice(0, 4)
        .map((r) => `${METRIC_LABEL[r.metric]}: ${r.sideA} vs ${r.sideB}`)
        .join(
          '; ',
        )}${seedNoise.length > 4 ? '; …' : ''}): differences of that size are within run-to-run variation, and are counted above as not distinguishable.`,
    );
  }

  const attackedSets = ctx.querySets.filter((s) => s !== 'clean' && s !== SAMPLE_SET);
  if (attackedSets.length === 0) {
    answer.push(
      '**Robustness to adversarial queries:** not in this pipeline (score has no attacked query set: no attack node), so this report does not answer that part of the question.',
    );
  } else if (!contrasts.some((r) => r.contrast === 'drop-change')) {
    const drop = ctx.figures.find((f) => f.id === 'robustness-drop');
    answer.push(
      `**Robustness:** score measured ${list(attackedSets)}, but ${score.ranks === null ? 'without ranks' : 'not for a strategy at both the smallest and the largest batch size'}, so the drops are shown (${drop?.table?.rows.length ?? 0} points in the robustness figure) without intervals.`,
    );
  }

  answer.push(xnliSentence(ctx));
  return { answer, method: methodParagraph(ctx), limitations: limitations(ctx, minSeeds) };
}

/**
 * What every model trained on before and besides its strategy's batches, from the models' metadata: the dictionary
 * warm-up the strategies share, or dictionary pairs mixed into the cross-lingual batches. Empty when the models do
 * not say, or say different things.
 */
export function scheduleSentence(ctx: AnswerContext): string {
  const schedules = ctx.inputs.curves.map((c) => c.schedule);
  if (schedules.length === 0) return '';
  const same = <K extends keyof (typeof schedules)[number]>(k: K) =>
    schedules.every((s) => s[k] !== null && s[k] === schedules[0][k]) ? schedules[0][k] : null;
  const warmup = same('warmupEpochs');
  const epochs = same('epochs');
  if (warmup !== null && warmup > 0 && epochs !== null) {
    return `Every model first trained ${plural(warmup, 'warm-up epoch')} on the dictionary pairs, in cross-lingual batches shared by all strategies, then ${plural(epochs, 'epoch')} of its strategy's batches of question–passage pairs: the strategies differ only there. `;
  }
  if (warmup === 0 && schedules.some((s) => (s.dictionaryRows ?? 0) > 0)) {
    return 'Dictionary pairs are mixed into the cross-lingual batches (no warm-up), so mono-only batches never hold one: strategies also differ in their training data. ';
  }
  return '';
}

function xnliSentence(ctx: AnswerContext): string {
  if (ctx.inputs.classify === null)
    return '**XNLI under attack:** not in this pipeline (no classify node), so this report does not answer that part of the question.';
  const fig = ctx.figures.find((f) => f.id === 'xnli-accuracy');
  const rows = (fig?.table?.rows ?? []) as Row[];
  if (rows.length === 0) return '**XNLI under attack:** classify ran but reported no XNLI accuracy.';
  // Mean over languages, per configuration and recipe (equal weight per language).
  const by = new Map<
    string,
    { config: string; strategy: unknown; batch: number; recipe: string; sum: number; n: number }
  >();
  for (const r of rows) {
    const key = `${r.config}\u0000${r.recipe}`;
    const g = by.get(key) ?? {
      config: String(r.config),
      strategy: r.strategy,
      batch: Number(r.batch_size ?? 0),
      recipe: String(r.recipe),
      sum: 0,
      n: 0,
    };
    g.sum += Number(r.mean);
    g.n += 1;
    by.set(key, g);
  }
  const groups = [...by.values()];
  const hybrid = groups.filter((g) => g.strategy === 'hybrid');
  const pool = hybrid.length > 0 ? hybrid : groups;
  const configsSeen = [...new Set(pool.map((g) => g.config))];
  const sentences = configsSeen.map((config) => {
    const gs = pool.filter((g) => g.config === config);
    const clean = gs.find((g) => g.recipe === 'clean');
    const attacked = gs.filter((g) => g.recipe !== 'clean').map((g) => `${plain(g.sum / g.n)} under ${g.recipe}`);
    return `${config}: ${clean ? `${plain(clean.sum / clean.n)} clean` : 'no clean run'}${attacked.length > 0 ? `, ${list(attacked)}` : ''}`;
  });
  return `**XNLI accuracy** (mean over languages and seeds; descriptive, no interval: classify reports accuracies, not per-example results): ${sentences.join('; ')}.`;
}

function methodParagraph(ctx: AnswerContext): string {
  const pct = Math.round(ctx.level * 100);
  return (
    `Every contrast compares two configurations on the same queries, so it is a paired comparison: per query, the metric of one side minus the other's, ` +
    `which removes the large variation in difficulty between queries that an unpaired test would have to carry. Per-query values (AP@20 in the multilingual pool, ` +
    `mono R@1, cross R@1 averaged over the query's other-language pools) are recomputed from score's ranks.parquet (attacked queries: mono R@1 before and after, from attack's attacks.parquet) ` +
    `and averaged over each configuration's seeds before the questions are resampled, so a configuration contributes one value per query. ` +
    `The test is a nonparametric bootstrap (${ctx.resamples.toLocaleString('en-US')} resamples, seeded, so reruns give the same intervals) of the mean paired difference, ` +
    `with ${pct}% percentile intervals. The resampling unit is the question, with all its language versions together: the ${ctx.inputs.score.languages.length} versions of a question are translations ` +
    `of one another, not independent draws, and resampling them one by one would give intervals that are too narrow. That interval covers the choice of questions only. ` +
    `A second, two-level interval also resamples each side's training runs (seeds, with replacement) within every question resample, so it covers the run-to-run variation ` +
    `that a mean over a few seeds still carries; with one seed per side the two coincide. The text quotes the two-level interval, and a contrast is distinguishable only when ` +
    `both intervals exclude 0. The bootstrap makes no normality assumption, which matters here: per-query R@1 is 0 or 1 and AP@20 is mostly 0. ` +
    `All contrasts share the same question resamples; stats.parquet holds both intervals of every contrast.`
  );
}

function maxSeedsOf(ctx: AnswerContext): number {
  return Math.max(0, ...ctx.configs.map((c) => c.retrievers.length));
}

/** n choose k, for the number of distinct multisets of k seeds out of k (2k − 1 choose k). */
function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

function limitations(ctx: AnswerContext, minSeeds: number): string {
  const parts: string[] = [];
  parts.push(
    'The encoders are trained from scratch (hashed word and character n-gram features, no pretraining; cross-lingual alignment comes only from the training pairs and dictionaries), far below pretrained multilingual encoders, so the effects concern this small model class and may not carry to XLM-R or LaBSE scale.',
  );
  if (minSeeds < 3) {
    parts.push(
      `Some configurations have ${plural(minSeeds, 'seed')}: ${minSeeds === 1 ? 'with one run there is no seed to resample, so' : 'with so few runs'} the intervals cover the choice of questions but hardly the randomness of training (initialisation, batch order), and a difference smaller than the seed-to-seed spread of a multi-seed run should not be trusted.`,
    );
  } else {
    parts.push(
      `With ${minSeeds}${minSeeds === maxSeedsOf(ctx) ? '' : '+'} seeds per configuration, the seed-level part of the interval rests on few runs: a bootstrap over ${minSeeds} seeds understates their spread by about a factor √(${minSeeds}/${minSeeds - 1}) and sees at most ${binomial(2 * minSeeds - 1, minSeeds)} distinct seed draws.`,
    );
  }
  const n = ctx.contrasts.length;
  if (n > 1)
    parts.push(
      `The ${n} intervals are not adjusted for multiple comparisons: at ${Math.round(ctx.level * 100)}% about ${plain(n * (1 - ctx.level), 1)} of them would exclude 0 by chance alone if nothing differed.`,
    );
  parts.push(`Retrieval is measured on one evaluation set (${ctx.inputs.score.dataset}) with one candidate pool.`);
  if (ctx.inputs.classify !== null)
    parts.push('XNLI accuracy is measured on the dev split, and without per-example results it has no interval.');
  const backends = [...new Set(ctx.inputs.used.map((u) => u.backend).filter((b): b is string => b !== null))];
  parts.push(
    `Everything ran on one machine${backends.length > 0 ? ` (TF.js backend ${list(backends)})` : ''}; another backend rounds differently and may move the last digits.`,
  );
  return parts.join(' ');
}
