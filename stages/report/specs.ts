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
  /** Facet orders (Vega-Lite would sort the headers alphabetically). */
  columnOrder?: readonly string[];
  rowOrder?: readonly string[];
  yTitle: string;
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
  const width = o.width ?? 210;
  const x = {
    field: 'batch_size',
    type: 'quantitative',
    title: 'batch size',
    scale: { type: 'log', base: 2, nice: false, padding: 12 },
    axis: { values: [16, 32, 64, 128, 256, 512, 1024], format: 'd' },
  };
  const color = {
    field: 'strategy',
    type: 'nominal',
    title: 'strategy',
    scale: { domain: STRATEGY_DOMAIN, range: STRATEGY_RANGE },
  };
  const models = { filter: "datum.series === 'model'" };
  const references = { filter: "datum.series === 'reference' && datum.placement === 'in'" };
  const edge = (placement: 'above' | 'below', y: number, baseline: string, arrow: string): object => ({
    transform: [
      { filter: `datum.series === 'reference' && datum.placement === '${placement}'` },
      { calculate: `datum.label + ' ' + format(datum.mean, '.3~f') + ' ${arrow}'`, as: 'edge_label' },
    ],
    mark: { type: 'text', align: 'right', baseline, fontSize: 9, color: '#555' },
    encoding: {
      x: { value: width - 3 },
      y: { value: y },
      text: { field: 'edge_label' },
      yOffset: {
        field: 'label',
        type: 'nominal',
        scale: { range: [0, placement === 'above' ? 11 : -11] },
        legend: null,
      },
    },
  });
  const layers: object[] = [
    edge('above', 2, 'top', '↑'),
    edge('below', (o.height ?? 170) - 2, 'bottom', '↓'),
    {
      transform: [references],
      mark: { type: 'rule', strokeDash: [2, 3], color: '#777' },
      encoding: { y: { field: 'mean', type: 'quantitative' } },
    },
    {
      transform: [references],
      // Labelled inside the plot's right edge (the width is known: facets share it).
      mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -1, fontSize: 9, color: '#555' },
      encoding: { x: { value: width - 3 }, y: { field: 'mean', type: 'quantitative' }, text: { field: 'label' } },
    },
    {
      transform: [models],
      mark: { type: 'line', point: { size: 30 }, strokeWidth: 1.6 },
      encoding: {
        x,
        y: { field: 'mean', type: 'quantitative', title: o.yTitle, scale: { zero: false } },
        color,
        strokeDash: { field: 'loss', type: 'nominal', title: 'loss' },
        detail: { field: 'loss' },
      },
    },
    {
      transform: [models, { filter: 'isValid(datum.sd)' }],
      mark: { type: 'rule', strokeWidth: 1.2 },
      encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color },
    },
  ];
  if (o.zero)
    layers.unshift({ mark: { type: 'rule', color: '#000', strokeWidth: 0.8 }, encoding: { y: { datum: 0 } } });
  const facet: Record<string, object> = {
    column: { field: o.column, type: 'nominal', title: null, sort: o.columnOrder ?? null },
  };
  if (o.row) facet.row = { field: o.row, type: 'nominal', title: null, sort: o.rowOrder ?? null };
  return {
    $schema: SCHEMA,
    facet,
    spec: { width, height: o.height ?? 170, layer: layers },
    resolve: { scale: { y: 'independent' } },
    config,
  } as unknown as TopLevelSpec;
}

export interface HeatmapOptions {
  title: string;
  x: string;
  y: string;
  xTitle: string | null;
  yTitle: string;
  value: string;
  valueTitle: string;
  /** Facet column field (clean / recipe), when there is more than one panel, and its order. */
  column?: string;
  columnOrder?: readonly string[];
  cell?: number;
  /** Show the value in each cell (readable up to ~12 × 12). */
  labels?: boolean;
  scheme?: string;
  /** Angle of the x labels (long model names need a slant). */
  xLabelAngle?: number;
}

export function heatmapSpec(o: HeatmapOptions): TopLevelSpec {
  const cell = o.cell ?? 30;
  const layer: object[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x: {
          field: o.x,
          type: 'ordinal',
          title: o.xTitle,
          sort: null,
          axis: { grid: false, labelAngle: o.xLabelAngle ?? 0, labelLimit: 240 },
        },
        y: { field: o.y, type: 'ordinal', title: o.yTitle, sort: null, axis: { grid: false, labelLimit: 240 } },
        color: { field: o.value, type: 'quantitative', title: o.valueTitle, scale: { scheme: o.scheme ?? 'viridis' } },
      },
    },
  ];
  if (o.labels !== false) {
    layer.push({
      // Dark text on the light (high) end of viridis, light text on the dark end.
      transform: [{ joinaggregate: [{ op: 'max', field: o.value, as: '__max' }], groupby: [] }],
      mark: { type: 'text', fontSize: 8 },
      encoding: {
        x: { field: o.x, type: 'ordinal', sort: null },
        y: { field: o.y, type: 'ordinal', sort: null },
        text: { field: o.value, type: 'quantitative', format: '.2f' },
        color: { condition: { test: `datum['${o.value}'] > 0.6 * datum.__max`, value: 'black' }, value: 'white' },
      },
    });
  }
  const inner = { width: { step: cell }, height: { step: cell }, layer };
  if (!o.column) return { $schema: SCHEMA, ...inner, config } as unknown as TopLevelSpec;
  return {
    $schema: SCHEMA,
    facet: { column: { field: o.column, type: 'nominal', title: null, sort: o.columnOrder ?? null } },
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
  columnOrder?: readonly string[];
  rowOrder?: readonly string[];
}

/** Mean ± sd points per category (XNLI accuracy per language), one colour per series (clean and each recipe). */
export function groupedPointsSpec(o: GroupedPointsOptions): TopLevelSpec {
  const x = { field: o.x, type: 'nominal', title: o.xTitle, sort: null };
  const xOffset = { field: o.color, type: 'nominal', sort: null };
  const color = { field: o.color, type: 'nominal', title: o.colorTitle, sort: null, scale: { scheme: 'dark2' } };
  // A fixed width: XNLI has 15 languages × (clean + 4 recipes) points per panel.
  const inner = {
    width: 760,
    height: 110,
    layer: [
      {
        mark: { type: 'point', filled: true, size: 28 },
        encoding: {
          x,
          xOffset,
          y: { field: 'mean', type: 'quantitative', title: o.yTitle, scale: { zero: false } },
          color,
        },
      },
      {
        transform: [{ filter: 'isValid(datum.sd)' }],
        mark: { type: 'rule' },
        encoding: { x, xOffset, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color },
      },
    ],
  };
  const facet: Record<string, object> = {};
  if (o.column) facet.column = { field: o.column, type: 'nominal', title: null, sort: o.columnOrder ?? null };
  if (o.row)
    facet.row = {
      field: o.row,
      type: 'nominal',
      title: null,
      sort: o.rowOrder ?? null,
      header: { labelAngle: 0, labelAlign: 'left' },
    };
  if (Object.keys(facet).length === 0) return { $schema: SCHEMA, ...inner, config } as unknown as TopLevelSpec;
  return { $schema: SCHEMA, facet, spec: inner, config } as unknown as TopLevelSpec;
}

export interface CurvesOptions {
  title: string;
  column: string;
  row?: string;
  columnOrder?: readonly string[];
}

/** Training loss vs step, one line per run (coloured by strategy), faceted by batch size (and loss). */
export function curvesSpec(o: CurvesOptions): TopLevelSpec {
  const facet: Record<string, object> = {
    column: { field: o.column, type: 'nominal', title: null, sort: o.columnOrder ?? null },
  };
  if (o.row) facet.row = { field: o.row, type: 'nominal', title: null, sort: null };
  return {
    $schema: SCHEMA,
    facet,
    spec: {
      width: 210,
      height: 150,
      mark: { type: 'line', strokeWidth: 1, opacity: 0.85, clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'loss', type: 'quantitative', title: 'training loss', scale: { zero: false } },
        color: {
          field: 'strategy',
          type: 'nominal',
          title: 'strategy',
          scale: { domain: STRATEGY_DOMAIN, range: STRATEGY_RANGE },
        },
        detail: { field: 'retriever' },
      },
    },
    resolve: { scale: { x: 'independent' } },
    config,
  } as unknown as TopLevelSpec;
}
