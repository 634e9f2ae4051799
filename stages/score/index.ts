// Stage `score`: zero-shot retrieval metrics for every trained model of the pipeline (a fan-in input) and two
// baselines computed by the same code, on the pairs artifact's evaluation pool (LAReQA protocol), on the clean
// queries and, with an attack input, on each attacked query set. Writes metrics.json, metrics.parquet (a query_set
// column), ranks.parquet (clean queries) and summary.md (the study's table and the robustness table).
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineStage, type ArtifactRef } from '../../pipelines/engine/index.ts';
import { outputPath } from '../common/table-outputs.ts';
import { ATTACK_QUERY_SETS, loadAttackedQueries } from '../common/query-sets.ts';
import { TABLES_SOURCES, tablesEnv, writeParquet } from '../common/tables.ts';
import { PAIRS_OUTPUTS, readPairsReport } from '../pairs/index.ts';
import {
  BACKEND_CHOICES,
  backendEnv,
  checkPlannedBackend,
  defaultEncoderShape,
  describeEncoder,
  initBackend,
  loadEncoder,
  TRAIN_OUTPUTS,
  untrainedEncoder,
  type EncoderDescription,
  type LoadedEncoder,
} from '../train/index.ts';
import { SCORE_OUTPUTS } from './outputs.ts';
import { evaluate, type EvalSet, type ScoreBlock } from './evaluate.ts';
import { loadEvalSet } from './eval-set.ts';
import { querySubset } from './attacked.ts';
import { metricsColumns, metricsJson, ranksColumns, type ScoredRetriever } from './columns.ts';
import { bm25Pool, densePool } from './retrievers.ts';
import { METRICS_SCHEMA, RANKS_SCHEMA } from './schema.ts';
import {
  headline,
  robustnessMarkdown,
  robustnessRows,
  summaryMarkdown,
  summaryRows,
  type Headline,
  type RetrieverInfo,
} from './summary.ts';

const params = z.object({
  backend: z
    .enum(BACKEND_CHOICES)
    .default('auto')
    .describe('TF.js backend for embedding and scoring: auto tries node-gpu → node → wasm → cpu'),
  baselines: z
    .array(z.enum(['bm25', 'random']))
    .default(['bm25', 'random'])
    .describe('baselines scored next to the models'),
  bm25K1: z.number().min(0).max(10).default(1.2),
  bm25B: z.number().min(0).max(1).default(0.75),
  seed: z.number().int().default(0).describe('initialisation of the untrained-encoder baseline'),
  ranks: z.boolean().default(true).describe("write ranks.parquet (every relevant candidate's rank, per retriever)"),
  block: z
    .number()
    .int()
    .min(1)
    .max(1 << 16)
    .default(256)
    .describe('queries scored per matrix product (memory: block × pool floats)'),
});

export type ScoreParams = z.output<typeof params>;

export interface ScoreSummary {
  rows: Record<string, number>;
  dataset: string;
  backend: string;
  trainLanguages: readonly string[] | null;
  retrievers: { id: string; seconds: number; headline: Headline }[];
  [key: string]: unknown;
}

export const scoreStage = defineStage({
  name: 'score',
  version: 1,
  description:
    'Zero-shot retrieval metrics (LAReQA: multilingual mAP@20, mono and cross R@k, MRR, nDCG, language bias) for every model and two baselines',
  params,
  inputs: {
    models: [TRAIN_OUTPUTS.model],
    eval: [PAIRS_OUTPUTS.candidates, PAIRS_OUTPUTS.queries],
    attacks: [ATTACK_QUERY_SETS.querySets],
  },
  outputs: SCORE_OUTPUTS,
  // The block size changes how much is scored at once, never a score.
  runtimeParams: ['block'],
  env: (p) => ({ ...backendEnv(p.backend), ...tablesEnv() }),
  sourceDir: new URL('.', import.meta.url),
  extraSources: [
    new URL('../train/', import.meta.url),
    ...TABLES_SOURCES,
    new URL('../common/random.ts', import.meta.url),
    new URL('../common/query-sets.ts', import.meta.url),
  ],
  async run(ctx): Promise<ScoreSummary> {
    const p = ctx.params;
    const backend = checkPlannedBackend(ctx.env, await initBackend(p.backend), 'score.backend');
    const evalRef = ctx.input('eval');
    const report = evalRef.has(PAIRS_OUTPUTS.report) ? await readPairsReport(evalRef) : null;
    const data = await loadEvalSet(
      evalRef.output(PAIRS_OUTPUTS.candidates),
      evalRef.output(PAIRS_OUTPUTS.queries),
      report,
    );
    const models = ctx.inputs('models');
    ctx.log.info(
      `${data.dataset}: ${data.queries.ids.length} queries, ${data.candidates.ids.length} candidates, ${data.languages.length} languages; ${models.length} models`,
    );

    // The attacked query sets (the attack input is absent in pipelines without an attack node, and in tests).
    const attackRefs = ctx.inputs('attacks');
    if (attackRefs.length > 1)
      throw new Error(`score: input "attacks" takes one attack artifact, got ${attackRefs.length}`);
    const querySets = attackRefs.length === 1 ? await attackedSets(attackRefs[0], data) : [];
    if (querySets.length > 0)
      ctx.log.info(`attacked query sets: ${[...new Set(querySets.map((q) => q.name))].join(' ')}`);

    // Each retriever is opened when its turn comes, so only one model's table is in memory at a time. Its pool is
    // embedded (or indexed) once and scores the clean queries and every attacked set.
    type Opened = {
      info: RetrieverInfo;
      scorer(texts: readonly string[]): Promise<ScoreBlock>;
      dispose?(): void;
      featureless?: number;
    };
    const jobs: { id: string; open(): Promise<Opened> }[] = [];
    const none = { strategy: null, batchSize: null, loss: null, seed: null, fingerprint: null };
    const dense = async (info: RetrieverInfo, model: LoadedEncoder): Promise<Opened> => {
      const pool = await densePool(model, data.candidates.texts);
      return {
        info,
        scorer: (texts) => pool.scorer(texts),
        dispose: () => pool.dispose(),
        featureless: pool.featureless,
      };
    };
    for (const baseline of p.baselines) {
      if (baseline === 'bm25') {
        const info: RetrieverInfo = { id: 'bm25', kind: 'bm25', ...none };
        jobs.push({
          id: info.id,
          open: async () => {
            const index = bm25Pool(data.candidates.texts, { k1: p.bm25K1, b: p.bm25B });
            return { info, scorer: async (texts) => index(texts) };
          },
        });
      } else {
        const info: RetrieverInfo = { id: 'random-encoder', kind: 'random', ...none };
        const shape = models.length > 0 ? await describeEncoder(modelDir(models[0])) : null;
        jobs.push({ id: info.id, open: () => dense(info, randomBaseline(shape, p.seed)) });
      }
    }
    for (const ref of models) {
      jobs.push({
        id: ref.node,
        open: async () => {
          const model = await loadEncoder(modelDir(ref));
          return dense(modelInfo(ref, model.metadata), model);
        },
      });
    }

    const scored: ScoredRetriever[] = [];
    const attacked: ScoredRetriever[] = [];
    for (const [index, job] of jobs.entries()) {
      const began = performance.now();
      const scorer = await job.open();
      try {
        const { metrics, ranks } = await evaluate(data, await scorer.scorer(data.queries.texts), {
          block: p.block,
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress(index * total + done, jobs.length * total, job.id),
        });
        const h = headline(metrics, data.trainLanguages);
        scored.push({
          info: scorer.info,
          querySet: CLEAN,
          metrics,
          headline: h,
          ranks,
          seconds: (performance.now() - began) / 1000,
          featurelessCandidates: scorer.featureless,
        });
        ctx.log.info(
          `${job.id}: multilingual mAP@20 ${h.multilingualMap20.toFixed(3)}, cross R@1 ${h.crossR1.toFixed(3)}, mono R@1 ${h.monoR1.toFixed(3)}`,
        );
        // A model-dependent set (greedy) is scored on the model it was made against only; transfer is attack's.
        for (const set of querySets.filter((q) => q.retriever === null || q.retriever === job.id)) {
          const r = await evaluate(set.data, await scorer.scorer(set.data.queries.texts), {
            block: p.block,
            signal: ctx.signal,
          });
          attacked.push({
            info: scorer.info,
            querySet: set.name,
            metrics: r.metrics,
            headline: headline(r.metrics, data.trainLanguages),
            ranks: r.ranks,
            seconds: 0,
          });
        }
      } finally {
        scorer.dispose?.();
      }
    }

    const metricsTable = metricsColumns(data, [...scored, ...attacked]);
    await writeParquet(outputPath(ctx.outDir, SCORE_OUTPUTS.metrics), METRICS_SCHEMA, metricsTable.columns);
    let rankRows = 0;
    if (p.ranks) {
      const ranks = ranksColumns(data, scored);
      rankRows = ranks.rows;
      await writeParquet(outputPath(ctx.outDir, SCORE_OUTPUTS.ranks), RANKS_SCHEMA, ranks.columns);
    }
    const backendName = `${backend.name}@${backend.version}`;
    // The runtime param is left out: metrics.json is a pure function of what the fingerprint covers.
    const { block: _block, ...fingerprinted } = p;
    await writeFile(
      outputPath(ctx.outDir, SCORE_OUTPUTS.metricsJson),
      `${JSON.stringify(metricsJson(data, [...scored, ...attacked], { backend: backendName, params: fingerprinted }), null, 2)}\n`,
    );
    const rows = summaryRows(scored);
    const nLang = data.languages.length;
    await writeFile(
      outputPath(ctx.outDir, SCORE_OUTPUTS.summary),
      summaryMarkdown(rows, {
        dataset: data.dataset,
        queries: data.queries.ids.length,
        candidates: data.candidates.ids.length,
        languages: data.languages,
        directions: nLang * (nLang - 1),
        trainLanguages: data.trainLanguages,
      }) +
        (attacked.length > 0
          ? `\n${robustnessMarkdown(robustnessRows([...scored, ...attacked]), { sample: querySets.find((q) => q.name === SAMPLE)?.data.queries.ids.length ?? 0 })}`
          : ''),
    );
    return {
      rows: { metrics: metricsTable.rows, ...(p.ranks && { ranks: rankRows }) },
      dataset: data.dataset,
      backend: backendName,
      trainLanguages: data.trainLanguages,
      retrievers: scored.map((s) => ({
        id: s.info.id,
        seconds: Math.round(s.seconds * 10) / 10,
        headline: s.headline,
      })),
      querySets: [CLEAN, ...new Set(querySets.map((q) => q.name))],
    };
  },
});

/** Query-set names: the full clean set, and the attack's sample unperturbed (the reference of every drop). */
export const CLEAN = 'clean';
export const SAMPLE = 'sample';

interface QuerySet {
  name: string;
  /** The model a model-dependent set was made against; null: every retriever is scored on it. */
  retriever: string | null;
  data: EvalSet;
}

/** The attack artifact's query sets (query-sets.arrow, attacked.ts) as evaluation sets on the same pool. */
async function attackedSets(ref: ArtifactRef, data: EvalSet): Promise<QuerySet[]> {
  const sets = await loadAttackedQueries(ref);
  return sets.map((set) => ({
    name: set.name,
    retriever: set.retriever,
    data: querySubset(data, set.queryIds, set.texts),
  }));
}

/** The model folder of a train artifact. */
export function modelDir(ref: ArtifactRef): string {
  return ref.output(TRAIN_OUTPUTS.model);
}

/** A trained model's labels, from the metadata the train stage stores in model.json. */
export function modelInfo(ref: ArtifactRef, meta: Record<string, unknown>): RetrieverInfo {
  const batches = (meta.batches ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  return {
    id: ref.node,
    kind: 'model',
    strategy: str(batches.strategy),
    batchSize: int(batches.batchSize),
    loss: str(meta.loss),
    seed: int(batches.seed),
    fingerprint: ref.fingerprint,
  };
}

/**
 * The untrained encoder: the architecture of the models being scored (the first one's), or the train stage's
 * defaults when there is no model, initialised as training initialises it.
 */
export function randomBaseline(shape: EncoderDescription | null, seed: number): LoadedEncoder {
  if (shape) return untrainedEncoder(shape.config, shape.tokenizer.toJSON(), seed);
  const d = defaultEncoderShape();
  return untrainedEncoder(d.config, d.tokenizer, seed);
}

// What other stages may use of this one. The attack stage ranks its queries with score's own code (evaluate,
// densePool) and writes the query-sets table score reads (stages/common/query-sets.ts, re-exported here).
export { SCORE_OUTPUTS } from './outputs.ts';
export { METRICS_SCHEMA, pushRetriever, RANKS_SCHEMA, retrieverColumnArrays, retrieverColumns } from './schema.ts';
export type { RetrieverInfo, RetrieverKind, Headline } from './summary.ts';
export { evaluate, type EvalSet, type RetrieverMetrics, type ScoreBlock } from './evaluate.ts';
export { loadEvalSet } from './eval-set.ts';
export { densePool, embeddedQueryScorer, type DensePool } from './retrievers.ts';
export {
  ATTACK_QUERY_SETS,
  loadAttackedQueries,
  QUERY_SETS_SCHEMA,
  type AttackedQuerySet,
} from '../common/query-sets.ts';
export { querySubset } from './attacked.ts';
