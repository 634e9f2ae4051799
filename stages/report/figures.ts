// The report's figures as data + Vega-Lite spec: which numbers each plot shows, from the loaded inputs. A figure
// whose input the pipeline lacks comes back `absent` with the reason, and the report says so where the plot would be.
import type { TopLevelSpec } from 'vega-lite';
import type { ColumnSpec, TableSchema } from '../common/tables.ts';
import { meanSd } from './bootstrap.ts';
import { configurations, sortQuerySets, type Configuration } from './contrasts.ts';
import type { ClassifyRow, Curve, ReportInputs, RetrieverIdentity, ScoreData, TransferRow } from './types.ts';
import { SAMPLE_SET } from './per-query.ts';
import { curvesSpec, groupedPointsSpec, heatmapSpec, lineVsBatchSpec } from './specs.ts';

export type FigureId =
  | 'quality-clean'
  | 'quality-attacked'
  | 'robustness-drop'
  | 'language-bias'
  | 'direction-heatmap'
  | 'transfer-matrix'
  | 'xnli-accuracy'
  | 'training-curves';

export type Row = Record<string, string | number | null>;

export interface Figure {
  id: FigureId;
  title: string;
  /** What the plot shows and how to read it (under the plot in the report). */
  caption: string;
  /** Null when the pipeline lacks the input: `absent` says which. */
  spec: TopLevelSpec | null;
  absent: string | null;
  /** The plotted rows, also written as figures/<id>.parquet (so a reader can replot them). */
  table: { schema: TableSchema; rows: Row[] } | null;
}

/** The three retrieval metrics of the question, as score's metrics.parquet holds them (its headline rows). */
export const HEADLINE_METRICS = [
  { key: 'map@20', label: 'multilingual mAP@20', setting: 'multilingual', aggregate: 'micro', metric: 'map@20' },
  { key: 'mono_r1', label: 'mono R@1', setting: 'mono', aggregate: 'macro', metric: 'recall@1' },
  { key: 'cross_r1', label: 'cross R@1', setting: 'cross', aggregate: 'macro', metric: 'recall@1' },
] as const;

const HEADLINE_ORDER = HEADLINE_METRICS.map((m) => m.label);

const BIAS_METRICS = [
  { key: 'rank_distance', label: 'rank distance (lower: less bias)' },
  { key: 'own_language_first', label: 'own language first' },
] as const;

const BASELINE_LABEL: Record<string, string> = { bm25: 'BM25', random: 'untrained encoder' };

/** Index of score's aggregate rows: value of (query set, retriever, setting, aggregate, metric). */
export class MetricIndex {
  private readonly values = new Map<string, number>();
  readonly querySets: string[];
  constructor(score: ScoreData) {
    const sets = new Set<string>();
    for (const m of score.metrics) {
      sets.add(m.querySet);
      if (m.aggregate === 'language') continue;
      this.values.set(MetricIndex.key(m.querySet, m.retriever, m.setting, m.aggregate, m.metric), m.value);
    }
    this.querySets = sortQuerySets([...sets]);
  }
  static key(...parts: string[]): string {
    return parts.join('\u0000');
  }
  get(querySet: string, retriever: string, setting: string, aggregate: string, metric: string): number {
    return this.values.get(MetricIndex.key(querySet, retriever, setting, aggregate, metric)) ?? Number.NaN;
  }
}

const col = (name: string, type: ColumnSpec['type'], description: string, nullable = false): ColumnSpec => ({
  name,
  type,
  description,
  nullable,
});

const SERIES_COLUMNS: ColumnSpec[] = [
  col('query_set', 'utf8', '"clean", or the attack recipe whose queries were scored.'),
  col('panel', 'utf8', 'The plotted metric, as labelled.'),
  col('metric', 'utf8', 'Metric key.'),
  col('series', 'utf8', '"model" (a trained configuration) or "reference" (a baseline line).'),
  col('label', 'utf8', 'Name of a reference line (BM25, untrained encoder, chance).', true),
  col('strategy', 'utf8', 'Batch strategy of the configuration.', true),
  col('loss', 'utf8', 'Training loss of the configuration.', true),
  col('batch_size', 'int32', 'Training batch size.', true),
  col('mean', 'float64', 'Mean over seeds (a baseline: its value).'),
  col('sd', 'float64', 'Sample standard deviation over seeds; null with one seed.', true),
  col('low', 'float64', 'mean − sd (error bar end).', true),
  col('high', 'float64', 'mean + sd (error bar end).', true),
  col('seeds', 'int32', 'Seeds averaged.'),
  col(
    'placement',
    'utf8',
    'Reference lines: "in" (drawn), "above" or "below" (far outside the models\' range: named at the panel\'s edge, so the models\' differences stay visible); "in" for models.',
  ),
];

function seriesSchema(name: string, description: string): TableSchema {
  return { name: name.replace(/-/g, '_'), description, columns: SERIES_COLUMNS };
}

/** A configuration's spread over its seeds: mean, sample sd and the mean ± sd band (no sd, no band, for one seed). */
interface SeedBand {
  mean: number;
  sd: number | null;
  low: number | null;
  high: number | null;
  seeds: number;
}

function seedBand(values: readonly number[]): SeedBand {
  const s = meanSd(values);
  const sd = Number.isFinite(s.sd) ? s.sd : null;
  return {
    mean: s.mean,
    sd,
    low: sd === null ? null : s.mean - sd,
    high: sd === null ? null : s.mean + sd,
    seeds: s.n,
  };
}

function modelRow(querySet: string, panel: string, metric: string, c: Configuration, values: number[]): Row {
  return {
    query_set: querySet,
    panel,
    metric,
    series: 'model',
    label: null,
    strategy: c.strategy,
    loss: c.loss,
    batch_size: c.batchSize,
    ...seedBand(values),
    placement: 'in',
  };
}

function referenceRow(querySet: string, panel: string, metric: string, label: string, value: number): Row {
  return {
    query_set: querySet,
    panel,
    metric,
    series: 'reference',
    label,
    strategy: null,
    loss: null,
    batch_size: null,
    mean: value,
    sd: null,
    low: null,
    high: null,
    seeds: 1,
    placement: 'in',
  };
}

/**
 * A reference line far outside the models' range of its panel (BM25's mAP@20 is twice the models') would squeeze
 * their differences into a few pixels: such a line is named at the panel's top or bottom edge instead of drawn.
 * "Far": more than the models' range (at least 0.01 of the value) beyond it.
 */
export function placeReferences(rows: Row[]): Row[] {
  const panels = new Map<string, { lo: number; hi: number }>();
  for (const r of rows) {
    if (r.series !== 'model') continue;
    const key = `${r.query_set}\u0000${r.panel}`;
    const lo = Math.min(Number(r.low ?? r.mean), Number(r.mean));
    const hi = Math.max(Number(r.high ?? r.mean), Number(r.mean));
    const p = panels.get(key);
    panels.set(key, p ? { lo: Math.min(p.lo, lo), hi: Math.max(p.hi, hi) } : { lo, hi });
  }
  return rows.map((r) => {
    const p = panels.get(`${r.query_set}\u0000${r.panel}`);
    if (r.series !== 'reference' || !p) return r;
    const margin = Math.max(p.hi - p.lo, 0.01 * Math.max(Math.abs(p.hi), Math.abs(p.lo)));
    const v = Number(r.mean);
    return { ...r, placement: v > p.hi + margin ? 'above' : v < p.lo - margin ? 'below' : 'in' };
  });
}

/** Rows of "metric vs batch size" figures: configurations (mean ± sd over seeds) and baselines, per query set. */
function headlineRows(
  score: ScoreData,
  index: MetricIndex,
  configs: readonly Configuration[],
  sets: readonly string[],
  value: (set: string, retriever: string, m: (typeof HEADLINE_METRICS)[number]) => number,
): Row[] {
  return placeReferences(headlineRowsAll(score, index, configs, sets, value));
}

function headlineRowsAll(
  score: ScoreData,
  index: MetricIndex,
  configs: readonly Configuration[],
  sets: readonly string[],
  value: (set: string, retriever: string, m: (typeof HEADLINE_METRICS)[number]) => number,
): Row[] {
  const rows: Row[] = [];
  const baselines = score.retrievers.filter((r) => r.kind !== 'model');
  for (const set of sets) {
    for (const m of HEADLINE_METRICS) {
      for (const b of baselines) {
        const v = value(set, b.retriever, m);
        if (Number.isFinite(v)) rows.push(referenceRow(set, m.label, m.key, BASELINE_LABEL[b.kind] ?? b.retriever, v));
      }
      for (const c of configs) {
        const values = c.retrievers.map((r) => value(set, r, m)).filter(Number.isFinite);
        if (values.length > 0) rows.push(modelRow(set, m.label, m.key, c, values));
      }
    }
  }
  return rows;
}

export interface FigureOptions {
  /** Retriever of the direction heatmap (resolved by `chooseModel`). */
  heatmapModel: RetrieverIdentity | null;
  curvePoints: number;
}

export function buildFigures(inputs: ReportInputs, options: FigureOptions): Figure[] {
  const { score } = inputs;
  const index = new MetricIndex(score);
  const configs = configurations(score.retrievers);
  // Attacked sets are compared with the same queries unperturbed: attack's sample when score measured it, else clean.
  const attackedSets = index.querySets.filter((s) => s !== 'clean' && s !== SAMPLE_SET);
  const reference = index.querySets.includes(SAMPLE_SET) ? SAMPLE_SET : 'clean';
  const shownSets = reference === SAMPLE_SET ? [SAMPLE_SET, ...attackedSets] : attackedSets;
  const headline = (set: string, r: string, m: (typeof HEADLINE_METRICS)[number]): number =>
    index.get(set, r, m.setting, m.aggregate, m.metric);
  const figures: Figure[] = [];

  figures.push({
    id: 'quality-clean',
    title: 'Zero-shot retrieval quality vs batch size (clean queries)',
    caption:
      `Multilingual mAP@20 (one pool of all ${score.languages.length} languages), mono R@1 (X → X) and cross R@1 (X → Y ≠ X, macro over directions) on ${score.dataset}. ` +
      "Points: mean over seeds; bars: ± one sample sd over seeds (none with one seed). Dotted lines: BM25 and the untrained encoder; one far above or below the models is named at the panel's edge with its value (↑/↓) so the models' differences stay visible. The x axis is log₂.",
    spec: lineVsBatchSpec({
      title: 'Retrieval quality vs batch size (clean)',
      column: 'panel',
      columnOrder: HEADLINE_ORDER,
      yTitle: 'value',
    }),
    absent: configs.length === 0 ? 'no trained model in this pipeline' : null,
    table: {
      schema: seriesSchema(
        'quality-clean',
        'Clean retrieval metrics per configuration (mean ± sd over seeds) and baselines.',
      ),
      rows: headlineRows(score, index, configs, ['clean'], headline),
    },
  });

  const noAttack =
    'not in this pipeline: score has no attacked query set (the pipeline has no attack node, or score predates it)';
  figures.push(
    attackedSets.length === 0
      ? absentFigure('quality-attacked', 'Retrieval quality under attack vs batch size', noAttack)
      : {
          id: 'quality-attacked',
          title: 'Retrieval quality under each attack recipe vs batch size',
          caption:
            'The same metrics as above with the attacked queries of each recipe (one row per recipe' +
            (reference === SAMPLE_SET ? '; the first row, "sample", is the same queries unperturbed' : '') +
            '); dotted lines: the baselines under the same attack.',
          spec: lineVsBatchSpec({
            title: 'Retrieval quality under attack',
            column: 'panel',
            columnOrder: HEADLINE_ORDER,
            row: 'query_set',
            rowOrder: shownSets,
            yTitle: 'value',
          }),
          absent: null,
          table: {
            schema: seriesSchema(
              'quality-attacked',
              'Retrieval metrics with attacked queries, per recipe (and the unperturbed sample).',
            ),
            rows: headlineRows(score, index, configs, shownSets, headline),
          },
        },
  );
  figures.push(
    attackedSets.length === 0
      ? absentFigure('robustness-drop', 'Robustness drop vs batch size', noAttack)
      : {
          id: 'robustness-drop',
          title: `Robustness drop (${reference} − attacked) vs batch size`,
          caption: `Per retriever, the metric on the ${reference === SAMPLE_SET ? "attacked queries unperturbed (attack's sample)" : 'clean queries'} minus on the attacked ones (higher: less robust), then mean ± sd over seeds. The line at 0: no drop.`,
          spec: lineVsBatchSpec({
            title: 'Robustness drop (clean − attacked)',
            column: 'panel',
            columnOrder: HEADLINE_ORDER,
            row: 'query_set',
            rowOrder: attackedSets,
            yTitle: 'drop',
            zero: true,
          }),
          absent: null,
          table: {
            schema: seriesSchema(
              'robustness-drop',
              'Per configuration and recipe: clean minus attacked metric (mean ± sd over seeds); baselines as references.',
            ),
            rows: headlineRows(
              score,
              index,
              configs,
              attackedSets,
              (set, r, m) => headline(reference, r, m) - headline(set, r, m),
            ),
          },
        },
  );

  figures.push(biasFigure(score, index, configs));
  figures.push(heatmapFigure(score, index, options.heatmapModel));
  figures.push(transferFigure(inputs.transfer, score.retrievers));
  figures.push(xnliFigure(inputs.classify));
  figures.push(curvesFigure(inputs.curves, options.curvePoints));
  return figures;
}

function absentFigure(id: FigureId, title: string, reason: string): Figure {
  return { id, title, caption: '', spec: null, absent: reason, table: null };
}

function biasFigure(score: ScoreData, index: MetricIndex, configs: readonly Configuration[]): Figure {
  const rows: Row[] = [];
  const baselines = score.retrievers.filter((r) => r.kind !== 'model');
  for (const m of BIAS_METRICS) {
    for (const b of baselines) {
      const v = index.get('clean', b.retriever, 'bias', 'micro', m.key);
      if (Number.isFinite(v))
        rows.push(referenceRow('clean', m.label, m.key, BASELINE_LABEL[b.kind] ?? b.retriever, v));
    }
    if (m.key === 'own_language_first') {
      const any = score.retrievers
        .map((r) => index.get('clean', r.retriever, 'bias', 'micro', 'own_language_chance'))
        .find(Number.isFinite);
      if (any !== undefined) rows.push(referenceRow('clean', m.label, m.key, 'chance (language-blind)', any));
    }
    for (const c of configs) {
      const values = c.retrievers.map((r) => index.get('clean', r, 'bias', 'micro', m.key)).filter(Number.isFinite);
      if (values.length > 0) rows.push(modelRow('clean', m.label, m.key, c, values));
    }
  }
  return {
    id: 'language-bias',
    title: 'Language bias vs batch size',
    caption:
      "In the multilingual pool: rank distance (worst minus best rank among a question's answers in the different languages; lower: the translations of the answer sit closer) and the share of questions whose best-ranked answer is in their own language (chance: what a language-blind retriever gives).",
    spec: lineVsBatchSpec({
      title: 'Language bias vs batch size',
      column: 'panel',
      columnOrder: BIAS_METRICS.map((m) => m.label),
      yTitle: 'value',
    }),
    absent: rows.length === 0 ? 'score has no language-bias rows' : null,
    table: {
      schema: seriesSchema(
        'language-bias',
        'Language-bias measures per configuration (mean ± sd over seeds) and baselines.',
      ),
      rows: placeReferences(rows),
    },
  };
}

/** The heatmap's model: the named retriever, or (auto) hybrid at the largest batch size, InfoNCE first, lowest seed. */
export function chooseModel(retrievers: readonly RetrieverIdentity[], wanted: string): RetrieverIdentity | null {
  if (wanted !== 'auto') {
    const found = retrievers.find((r) => r.retriever === wanted);
    if (!found)
      throw new Error(
        `report: param heatmapModel "${wanted}" is not a retriever of the score artifact (it has: ${retrievers.map((r) => r.retriever).join(', ')})`,
      );
    return found;
  }
  const models = retrievers.filter((r) => r.kind === 'model');
  if (models.length === 0) return null;
  const rank = (r: RetrieverIdentity): number[] => [
    r.strategy === 'hybrid' ? 0 : 1,
    -(r.batchSize ?? 0),
    r.loss === 'infonce' ? 0 : 1,
    r.seed ?? 0,
  ];
  return [...models].sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return a.retriever.localeCompare(b.retriever);
  })[0];
}

export function describeRetriever(r: RetrieverIdentity): string {
  if (r.kind !== 'model') return BASELINE_LABEL[r.kind] ?? r.retriever;
  const parts = [r.strategy ?? '?', `B=${r.batchSize ?? '?'}`];
  if (r.loss) parts.push(r.loss);
  if (r.seed !== null) parts.push(`seed ${r.seed}`);
  return parts.join(', ');
}

function heatmapFigure(score: ScoreData, index: MetricIndex, model: RetrieverIdentity | null): Figure {
  if (!model)
    return absentFigure('direction-heatmap', 'R@1 per language direction', 'no trained model in this pipeline');
  const order = new Map(score.languages.map((l, i) => [l, i]));
  const rows: Row[] = score.metrics
    .filter(
      (m) =>
        m.retriever === model.retriever &&
        m.aggregate === 'language' &&
        (m.setting === 'mono' || m.setting === 'cross') &&
        m.metric === 'recall@1',
    )
    .map((m) => ({ query_set: m.querySet, query_lang: m.queryLang, pool_lang: m.poolLang, r1: m.value }))
    .sort(
      (a, b) =>
        index.querySets.indexOf(a.query_set) - index.querySets.indexOf(b.query_set) ||
        (order.get(a.query_lang) ?? 99) - (order.get(b.query_lang) ?? 99) ||
        (order.get(a.pool_lang) ?? 99) - (order.get(b.pool_lang) ?? 99),
    );
  const n = score.languages.length;
  const sets = new Set(rows.map((r) => r.query_set));
  return {
    id: 'direction-heatmap',
    title: `R@1 per language direction: ${describeRetriever(model)}`,
    caption:
      `${n} × ${n} directions (query language → pool language) of ${model.retriever}; the diagonal is mono R@1. ` +
      (sets.size > 1
        ? 'One panel per query set (clean, then each attack recipe).'
        : 'Clean queries only: score has no attacked query set in this pipeline.') +
      ' Choose the model with the report param heatmapModel.',
    spec: heatmapSpec({
      title: `R@1 per direction: ${describeRetriever(model)}`,
      x: 'pool_lang',
      y: 'query_lang',
      xTitle: 'pool language',
      yTitle: 'query language',
      value: 'r1',
      valueTitle: 'R@1',
      column: sets.size > 1 ? 'query_set' : undefined,
      columnOrder: index.querySets,
    }),
    absent: rows.length === 0 ? `score has no per-direction rows for ${model.retriever}` : null,
    table: {
      schema: {
        name: 'direction_heatmap',
        description: `R@1 per direction (query language → pool language) of ${model.retriever}, per query set.`,
        columns: [
          col('query_set', 'utf8', '"clean", or the attack recipe.'),
          col('query_lang', 'utf8', 'Language of the questions.'),
          col('pool_lang', 'utf8', 'Language of the candidate pool.'),
          col('r1', 'float64', 'Recall@1 in that pool.'),
        ],
      },
      rows,
    },
  };
}

function transferFigure(transfer: TransferRow[] | null, retrievers: readonly RetrieverIdentity[]): Figure {
  if (transfer === null)
    return absentFigure('transfer-matrix', 'Attack transfer matrix', 'not in this pipeline: it has no attack node');
  const metrics = [...new Set(transfer.map((t) => t.metric))];
  // The setting the attack targets (mono R@1) when attack reports it.
  const metric = ['mono_recall@1', 'recall@1'].find((m) => metrics.includes(m)) ?? metrics[0];
  const label = (id: string): string => {
    const r = retrievers.find((x) => x.retriever === id);
    return r ? describeRetriever(r) : id;
  };
  const rows: Row[] = transfer
    .filter((t) => t.metric === metric)
    .map((t) => ({
      recipe: t.recipe,
      source: label(t.source),
      target: label(t.target),
      source_retriever: t.source,
      target_retriever: t.target,
      metric: t.metric,
      value: t.value,
    }))
    .sort(
      (a, b) =>
        String(a.recipe).localeCompare(String(b.recipe)) ||
        String(a.source_retriever).localeCompare(String(b.source_retriever)) ||
        String(a.target_retriever).localeCompare(String(b.target_retriever)),
    );
  const recipes = new Set(rows.map((r) => String(r.recipe)));
  return {
    id: 'transfer-matrix',
    title: 'Attack transfer between models',
    caption: `${metric} of the target model (columns) on queries attacked against the source model (rows); the diagonal is the white-box attack. Lower: the attack transfers.${recipes.has('clean') ? ' The "clean" panel: the same queries unperturbed.' : ''}`,
    spec: heatmapSpec({
      title: `Attack transfer (${metric} of the target)`,
      x: 'target',
      y: 'source',
      xTitle: recipes.size > 1 ? null : 'target model',
      yTitle: 'source model (attacked against)',
      value: 'value',
      valueTitle: metric,
      column: recipes.size > 1 ? 'recipe' : undefined,
      columnOrder: sortQuerySets([...recipes]),
      labels: rows.length <= 400,
      cell: 24,
      xLabelAngle: -40,
    }),
    absent: rows.length === 0 ? "attack's transfer table is empty" : null,
    table: {
      schema: {
        name: 'transfer_matrix',
        description: "Attack transfer: the target's metric on queries attacked against the source.",
        columns: [
          col('recipe', 'utf8', 'Attack recipe.'),
          col('source', 'utf8', 'Source model, as labelled.'),
          col('target', 'utf8', 'Target model, as labelled.'),
          col('source_retriever', 'utf8', 'Source retriever id.'),
          col('target_retriever', 'utf8', 'Target retriever id.'),
          col('metric', 'utf8', 'Metric.'),
          col('value', 'float64', 'Value.'),
        ],
      },
      rows,
    },
  };
}

function xnliFigure(classify: ClassifyRow[] | null): Figure {
  if (classify === null)
    return absentFigure('xnli-accuracy', 'XNLI accuracy per language', 'not in this pipeline: it has no classify node');
  // Per-language rows only: classify also writes aggregates (macro, seen, zero-shot, …) under `language`.
  const aggregates = new Set(['all', 'macro', 'micro', 'seen', 'unseen', 'zero-shot']);
  const xnli = classify.filter((r) => r.dataset === 'xnli' && r.metric === 'accuracy' && !aggregates.has(r.language));
  const groups = new Map<string, { r: ClassifyRow; values: number[] }>();
  for (const r of xnli) {
    const key = [r.kind, r.strategy, r.batchSize, r.loss, r.language, r.recipe].join('\u0000');
    const g = groups.get(key);
    if (g) g.values.push(r.value);
    else groups.set(key, { r, values: [r.value] });
  }
  const recipes = [...new Set(xnli.map((r) => r.recipe))].sort((a, b) =>
    a === 'clean' ? -1 : b === 'clean' ? 1 : a.localeCompare(b),
  );
  const rows: Row[] = [...groups.values()]
    .map(({ r, values }) => {
      const config =
        r.kind === 'model'
          ? `${r.strategy}, B=${r.batchSize}${r.loss ? `, ${r.loss}` : ''}`
          : (BASELINE_LABEL[r.kind] ?? r.retriever);
      return {
        config,
        strategy: r.strategy,
        batch_size: r.batchSize,
        loss: r.loss,
        language: r.language,
        recipe: r.recipe,
        ...seedBand(values),
      };
    })
    .sort(
      (a, b) =>
        String(a.loss).localeCompare(String(b.loss)) ||
        String(a.strategy).localeCompare(String(b.strategy)) ||
        (a.batch_size ?? 0) - (b.batch_size ?? 0) ||
        a.language.localeCompare(b.language) ||
        recipes.indexOf(a.recipe) - recipes.indexOf(b.recipe),
    );
  return {
    id: 'xnli-accuracy',
    title: 'XNLI accuracy per language, clean and attacked',
    caption:
      "Accuracy of a classifier on each model's sentence vectors (classify stage), per XNLI language, on clean and attacked inputs; mean ± sd over seeds. One row per configuration.",
    spec: groupedPointsSpec({
      title: 'XNLI accuracy per language',
      x: 'language',
      xTitle: 'language',
      yTitle: 'accuracy',
      color: 'recipe',
      colorTitle: 'inputs',
      row: 'config',
    }),
    absent: rows.length === 0 ? 'classify has no XNLI accuracy rows' : null,
    table: {
      schema: {
        name: 'xnli_accuracy',
        description: 'XNLI accuracy per configuration, language and recipe (mean ± sd over seeds).',
        columns: [
          col('config', 'utf8', 'Configuration label.'),
          col('strategy', 'utf8', 'Batch strategy.', true),
          col('batch_size', 'int32', 'Batch size.', true),
          col('loss', 'utf8', 'Training loss.', true),
          col('language', 'utf8', 'XNLI language.'),
          col('recipe', 'utf8', '"clean" or the attack recipe.'),
          col('mean', 'float64', 'Mean accuracy over seeds.'),
          col('sd', 'float64', 'Sample sd over seeds; null with one seed.', true),
          col('low', 'float64', 'mean − sd.', true),
          col('high', 'float64', 'mean + sd.', true),
          col('seeds', 'int32', 'Seeds averaged.'),
        ],
      },
      rows,
    },
  };
}

/** Training curves, each reduced to at most `points` bucket means (a 1,300-step curve is noise at plot size). */
function curvesFigure(curves: Curve[], points: number): Figure {
  if (curves.length === 0)
    return absentFigure('training-curves', 'Training curves', 'no train artifact with a curve in this pipeline');
  const rows: Row[] = [];
  const sorted = [...curves].sort(
    (a, b) =>
      (a.identity.loss ?? '').localeCompare(b.identity.loss ?? '') ||
      (a.identity.batchSize ?? 0) - (b.identity.batchSize ?? 0) ||
      (a.identity.strategy ?? '').localeCompare(b.identity.strategy ?? '') ||
      (a.identity.seed ?? 0) - (b.identity.seed ?? 0) ||
      a.node.localeCompare(b.node),
  );
  for (const c of sorted) {
    const n = c.step.length;
    const buckets = Math.min(points, n);
    for (let k = 0; k < buckets; k++) {
      const from = Math.floor((k * n) / buckets);
      const to = Math.floor(((k + 1) * n) / buckets);
      let sum = 0;
      for (let i = from; i < to; i++) sum += c.loss[i];
      rows.push({
        retriever: c.identity.retriever,
        strategy: c.identity.strategy,
        objective: c.identity.loss,
        batch: `B = ${c.identity.batchSize ?? '?'}`,
        batch_size: c.identity.batchSize,
        seed: c.identity.seed,
        step: c.step[to - 1],
        loss: sum / (to - from),
      });
    }
  }
  const objectives = new Set(curves.map((c) => c.identity.loss));
  return {
    id: 'training-curves',
    title: 'Training curves',
    caption: `Training loss vs optimizer step, one line per run (seeds drawn separately), each curve averaged over at most ${points} equal runs of steps. The loss is on the in-batch task, so its level depends on the batch size (more negatives): compare shapes, not levels, across panels. Hybrid runs interleave mono and cross batches, whose losses differ, so their curves zigzag.`,
    spec: curvesSpec({
      title: 'Training loss vs step',
      column: 'batch',
      columnOrder: [...new Set(rows.map((r) => String(r.batch)))],
      row: objectives.size > 1 ? 'objective' : undefined,
    }),
    absent: null,
    table: {
      schema: {
        name: 'training_curves',
        description: "Training loss vs step per run, as bucket means of the train artifacts' curve.parquet.",
        columns: [
          col('retriever', 'utf8', 'Train node of the run.'),
          col('strategy', 'utf8', 'Batch strategy.', true),
          col('objective', 'utf8', 'Training loss function.', true),
          col('batch', 'utf8', 'Facet label.'),
          col('batch_size', 'int32', 'Batch size.', true),
          col('seed', 'int32', 'Seed.', true),
          col('step', 'int32', 'Last step of the bucket.'),
          col('loss', 'float64', 'Mean training loss over the bucket.'),
        ],
      },
      rows,
    },
  };
}
