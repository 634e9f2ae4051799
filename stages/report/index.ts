// Stage `report`: the answer to the study's question from score (clean and attacked query sets), the training
// curves, and attack's and classify's outputs when the pipeline has those nodes. Writes report.html (self-contained),
// report.md with figures/*.svg beside it, each figure's data as figures/*.parquet, stats.parquet (paired bootstrap
// contrasts), provenance.json and summary.md (what `npm run pipeline` prints at the end).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStage, writeFileAtomic } from '../../pipelines/engine/index.ts';
import { TABLES_SOURCES, tablesEnv, writeParquet } from '../common/tables.ts';
import { SCORE_OUTPUTS } from '../score/index.ts';
import { TRAIN_OUTPUTS } from '../train/index.ts';
import { writeAnswer } from './answer.ts';
import { computeContrasts, configurations, sortQuerySets } from './contrasts.ts';
import { contrastsTable, QUESTION, REPORT_TITLE, seedsTable, type ReportDocument } from './document.ts';
import { buildFigures, chooseModel } from './figures.ts';
import { ATTACK_READS, CLASSIFY_READS, REPORT_FILES, REPORT_OUTPUTS } from './outputs.ts';
import { reportHtml } from './html.ts';
import { loadInputs } from './load.ts';
import { reportMarkdown, summaryMarkdown } from './markdown.ts';
import { statsColumns, writeRows } from './columns.ts';
import { attackQueryValues, perQueryValues, queryValuesKey, type QueryValues } from './per-query.ts';
import { provenance, runFacts } from './provenance.ts';
import { renderSvg } from './render.ts';
import { STATS_SCHEMA } from './schema.ts';

export { REPORT_FILES, REPORT_OUTPUTS } from './outputs.ts';

const params = z.object({
  resamples: z
    .number()
    .int()
    .min(1000, 'report.resamples: at least 1,000 bootstrap resamples (percentile intervals need them)')
    .max(100_000)
    .default(2000)
    .describe('bootstrap resamples per contrast'),
  level: z.number().gt(0.5).lt(1).default(0.95).describe('confidence level of the intervals'),
  seed: z.number().int().default(0).describe('seed of the bootstrap resampling stream'),
  heatmapModel: z
    .string()
    .min(1)
    .default('auto')
    .describe('retriever of the direction heatmap (a train node id), or "auto": hybrid at the largest batch size'),
  curvePoints: z
    .number()
    .int()
    .min(10)
    .max(5000)
    .default(200)
    .describe('points per training curve in the figure (bucket means)'),
});

export type ReportParams = z.output<typeof params>;

export interface ReportSummary {
  rows: Record<string, number>;
  figures: { id: string; status: 'rendered' | 'absent' }[];
  contrasts: number;
  distinguishable: number;
  [key: string]: unknown;
}

export const reportStage = defineStage({
  name: 'report',
  version: 1,
  description:
    "The answer to the study's question: figures (Vega-Lite → SVG), paired bootstrap intervals, a written answer, report.html and report.md",
  params,
  inputs: {
    score: [SCORE_OUTPUTS.metrics, SCORE_OUTPUTS.metricsJson],
    models: [TRAIN_OUTPUTS.curve, TRAIN_OUTPUTS.model],
  },
  // A pipeline without attacks or XNLI still gets a report; the sections say what is not in it.
  optionalInputs: { attack: [ATTACK_READS.attacks, ATTACK_READS.transfer], classify: [CLASSIFY_READS.metrics] },
  outputs: REPORT_OUTPUTS,
  env: () => tablesEnv(),
  sourceDir: new URL('.', import.meta.url),
  extraSources: [...TABLES_SOURCES, new URL('../common/random.ts', import.meta.url)],
  async run(ctx): Promise<ReportSummary> {
    const p = ctx.params;
    const attack = ctx.inputs('attack');
    const classify = ctx.inputs('classify');
    const inputs = await loadInputs({
      score: ctx.input('score'),
      models: ctx.inputs('models'),
      attack: attack[0] ?? null,
      classify: classify[0] ?? null,
    });
    const { score } = inputs;
    ctx.log.info(
      `${score.dataset}: ${score.retrievers.length} retrievers, ${inputs.curves.length} curves; attack ${inputs.transfer ? 'in' : 'not in'} the pipeline, classify ${inputs.classify ? 'in' : 'not in'} it`,
    );
    ctx.progress(1, 5, 'statistics');

    const configs = configurations(score.retrievers);
    const perQuery: Map<string, QueryValues> = score.ranks ? perQueryValues(score.ranks) : new Map();
    // Score keeps ranks of clean queries; attacked queries' per-query values (mono R@1) come from attack.
    if (inputs.attacks)
      for (const [key, v] of attackQueryValues(inputs.attacks)) if (!perQuery.has(key)) perQuery.set(key, v);
    const {
      rows: contrasts,
      questions,
      querySets: measured,
    } = computeContrasts(perQuery, configs, { resamples: p.resamples, seed: p.seed, level: p.level });
    // Every query set of the run: those with per-query values and those score aggregated.
    const querySets = sortQuerySets([...new Set([...measured, ...score.metrics.map((m) => m.querySet)])]);
    const queries = new Set(
      score.retrievers.flatMap((r) => perQuery.get(queryValuesKey('clean', r.retriever))?.ids ?? []),
    ).size;
    ctx.progress(2, 5, 'figures');

    const figures = buildFigures(inputs, {
      heatmapModel: chooseModel(score.retrievers, p.heatmapModel),
      curvePoints: p.curvePoints,
    });
    const figuresDir = join(ctx.outDir, REPORT_FILES.figures);
    await mkdir(figuresDir, { recursive: true });
    const rendered = [];
    for (const f of figures) {
      if (f.spec === null || f.table === null || f.absent !== null) {
        rendered.push({ id: f.id, title: f.title, caption: f.caption, svg: null, absent: f.absent ?? 'not available' });
        continue;
      }
      const svg = await renderSvg(f.spec, f.table.rows, f.id);
      await writeFileAtomic(join(figuresDir, `${f.id}.svg`), svg);
      await writeRows(join(figuresDir, `${f.id}.parquet`), f.table.schema, f.table.rows);
      rendered.push({ id: f.id, title: f.title, caption: f.caption, svg, absent: null });
    }
    ctx.progress(3, 5, 'tables');

    await writeParquet(join(ctx.outDir, REPORT_FILES.stats), STATS_SCHEMA, statsColumns(contrasts));
    const { ...fingerprinted } = p;
    const prov = provenance(inputs.used, fingerprinted);
    await writeFileAtomic(join(ctx.outDir, REPORT_FILES.provenance), `${JSON.stringify(prov, null, 2)}\n`);

    const written = writeAnswer({
      inputs,
      configs,
      contrasts,
      figures,
      questions,
      queries,
      querySets,
      resamples: p.resamples,
      level: p.level,
    });
    const doc: ReportDocument = {
      title: REPORT_TITLE,
      question: QUESTION,
      written,
      figures: rendered,
      tables: [seedsTable(figures.find((f) => f.id === 'quality-clean')), contrastsTable(contrasts, p.level)],
      provenance: prov,
      run: runFacts(),
    };
    ctx.progress(4, 5, 'documents');
    await writeFileAtomic(join(ctx.outDir, REPORT_FILES.markdown), reportMarkdown(doc, REPORT_FILES.figures));
    await writeFileAtomic(join(ctx.outDir, REPORT_FILES.html), reportHtml(doc));
    await writeFileAtomic(
      join(ctx.outDir, REPORT_FILES.summary),
      summaryMarkdown(doc, { html: REPORT_FILES.html, markdown: REPORT_FILES.markdown }),
    );
    ctx.progress(5, 5, 'done');
    return {
      rows: {
        stats: contrasts.length,
        ...Object.fromEntries(
          figures.filter((f) => f.table && !f.absent).map((f) => [`figures/${f.id}`, f.table!.rows.length]),
        ),
      },
      figures: rendered.map((f) => ({ id: f.id, status: f.svg === null ? 'absent' : 'rendered' })),
      contrasts: contrasts.length,
      distinguishable: contrasts.filter((c) => c.distinguishable).length,
    };
  },
});
