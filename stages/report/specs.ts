// Vega-Lite specs of the report's figures, without their data (render.ts inlines the rows). One builder per kind of
// chart; figures.ts decides which data each gets. Fixed colours per strategy so every figure reads the same way.
import type { TopLevelSpec } from 'vega-lite';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Strategy colours (colour-blind safe, Okabe–Ito) and the order of the legend. */
export const STRATEGY_DOMAIN = ['mono', 'cross', 'hybrid'];
const STRATEGY_RANGE = ['#0072B2', '#E69F00', '#009E73'];
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

const config = {
  font: FONT,
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridColor: '#eee' },
  header: { labelFontSize: 11, titleFontSize: 11 },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  title: { fontSize: 13, anchor: 'start' as const },
};

export interface LineVsBatchOptions {
  title: string;
  /** Column facet field (metric), and an optional row facet field (query set). */
  column: string;
  row?: string;
  yTitle: string;
  /** Field of the y value, and of the error-bar ends (mean ± sd over seeds). */
  width?: number;
  height?: number;
  /** Draw a zero line (for drops and differences). */
  zero?: boolean;
}

/**
 * y vs batch size (log₂ axis), one line per strategy (dash per loss), error bars (mean ± sd over seeds) and the
 * baselines as horizontal reference lines labelled at the right. Rows: `series` "model" | "reference".
 */
export function lineVsBatchSpec(o: LineVsBatchOptions): TopLevelSpec {
  const x = { field: 'batch_size', type: 'quantitative', title: 'batch size', scale: { type: 'log', base: 2, nice: false, padding: 12 }, axis: { values: [16, 32, 64, 128, 256, 512, 1024], format: 'd' } };
  const color = { field: 'strategy', type: 'nominal', title: 'strategy', scale: { domain: STRATEGY_DOMAIN, range: STRATEGY_RANGE } };
  const models = { filter: "datum.series === 'model'" };
  const references = { filter: "datum.series === 'reference'" };
  const layers: object[] = [
    {
      transform: [references],
      mark: { type: 'rule', strokeDash: [2, 3], color: '#777' },
      encoding: { y: { field: 'mean', type: 'quantitative' } },
    },
    {
      transform: [references],
      mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -2, dy: -1, fontSize: 9, color: '#555' },
      encoding: { x: { value: { expr: 'width' } }, y: { field: 'mean', type: 'quantitative' }, text: { field: 'label' } },
    },
    {
      transform: [models],
      mark: { type: 'line', point: { size: 30 }, strokeWidth: 1.6 },
      encoding: { x, y: { field: 'mean', type: 'quantitative', title: o.yTitle, scale: { zero: false } }, color, strokeDash: { field: 'loss', type: 'nominal', title: 'loss' }, detail: { field: 'loss' } },
    },
    {
      transform: [models, { filter: 'isValid(datum.sd)' }],
      mark: { type: 'rule', strokeWidth: 1.2 },
      encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color },
    },
  ];
  if (o.zero) layers.unshift({ mark: { type: 'rule', color: '#000', strokeWidth: 0.8 }, encoding: { y: { datum: 0 } } });
  const facet: Record<string, object> = { column: { field: o.column, type: 'nominal', title: null, sort: null } };
  if (o.row) facet.row = { field: o.row, type: 'nominal', title: null, sort: null };
  return {
    $schema: SCHEMA,
    title: o.title,
    facet,
    spec: { width: o.width ?? 210, height: o.height ?? 170, layer: layers },
    resolve: { scale: { y: 'independent' } },
    config,
  } as unknown as TopLevelSpec;
}

export interface HeatmapOptions {
  title: string;
  x: string;
  y: string;
  xTitle: string;
  yTitle: string;
  value: string;
  valueTitle: string;
  /** Facet column field (clean / recipe), when there is more than one panel. */
  column?: string;
  cell?: number;
  /** Show the value in each cell (readable up to ~12 × 12). */
  labels?: boolean;
  scheme?: string;
}

export function heatmapSpec(o: HeatmapOptions): TopLevelSpec {
  const cell = o.cell ?? 26;
  const layer: object[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x: { field: o.x, type: 'ordinal', title: o.xTitle, sort: null },
        y: { field: o.y, type: 'ordinal', title: o.yTitle, sort: null },
        color: { field: o.value, type: 'quantitative', title: o.valueTitle, scale: { scheme: o.scheme ?? 'viridis' } },
      },
    },
  ];
  if (o.labels !== false) {
    layer.push({
      // Dark text on the light (high) end of viridis, light text on the dark end.
      transform: [{ joinaggregate: [{ op: 'max', field: o.value, as: '__max' }], groupby: [] }],
      mark: { type: 'text', fontSize: 7 },
      encoding: {
        x: { field: o.x, type: 'ordinal', sort: null },
        y: { field: o.y, type: 'ordinal', sort: null },
        text: { field: o.value, type: 'quantitative', format: '.2f' },
        color: { condition: { test: `datum['${o.value}'] > 0.6 * datum.__max`, value: 'black' }, value: 'white' },
      },
    });
  }
  const inner = { width: { step: cell }, height: { step: cell }, layer };
  if (!o.column) return { $schema: SCHEMA, title: o.title, ...inner, config } as unknown as TopLevelSpec;
  return {
    $schema: SCHEMA,
    title: o.title,
    facet: { column: { field: o.column, type: 'nominal', title: null, sort: null } },
    spec: inner,
    config,
  } as unknown as TopLevelSpec;
}

export interface GroupedPointsOptions {
  title: string;
  x: string;
  xTitle: string;
  yTitle: string;
  color: string;
  colorTitle: string;
  column?: string;
  row?: string;
}

/** Mean ± sd points per category (XNLI accuracy per language), one colour per series (clean and each recipe). */
export function groupedPointsSpec(o: GroupedPointsOptions): TopLevelSpec {
  const x = { field: o.x, type: 'nominal', title: o.xTitle, sort: null };
  const xOffset = { field: o.color, type: 'nominal', sort: null };
  const color = { field: o.color, type: 'nominal', title: o.colorTitle, sort: null, scale: { scheme: 'dark2' } };
  const inner = {
    width: { step: 34 },
    height: 160,
    layer: [
      { mark: { type: 'point', filled: true, size: 35 }, encoding: { x, xOffset, y: { field: 'mean', type: 'quantitative', title: o.yTitle, scale: { zero: false } }, color } },
      { transform: [{ filter: 'isValid(datum.sd)' }], mark: { type: 'rule' }, encoding: { x, xOffset, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color } },
    ],
  };
  const facet: Record<string, object> = {};
  if (o.column) facet.column = { field: o.column, type: 'nominal', title: null, sort: null };
  if (o.row) facet.row = { field: o.row, type: 'nominal', title: null, sort: null };
  if (Object.keys(facet).length === 0) return { $schema: SCHEMA, title: o.title, ...inner, config } as unknown as TopLevelSpec;
  return { $schema: SCHEMA, title: o.title, facet, spec: inner, config } as unknown as TopLevelSpec;
}

export interface CurvesOptions {
  title: string;
  column: string;
  row?: string;
}

/** Training loss vs step, one line per run (coloured by strategy), faceted by batch size (and loss). */
export function curvesSpec(o: CurvesOptions): TopLevelSpec {
  const facet: Record<string, object> = { column: { field: o.column, type: 'nominal', title: null, sort: null } };
  if (o.row) facet.row = { field: o.row, type: 'nominal', title: null, sort: null };
  return {
    $schema: SCHEMA,
    title: o.title,
    facet,
    spec: {
      width: 210,
      height: 150,
      mark: { type: 'line', strokeWidth: 1, opacity: 0.85, clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'loss', type: 'quantitative', title: 'training loss', scale: { zero: false } },
        color: { field: 'strategy', type: 'nominal', title: 'strategy', scale: { domain: STRATEGY_DOMAIN, range: STRATEGY_RANGE } },
        detail: { field: 'retriever' },
      },
    },
    resolve: { scale: { x: 'independent' } },
    config,
  } as unknown as TopLevelSpec;
}
