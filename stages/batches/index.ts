// Stage `batches`: materialises the exact sequence of training batches (Arrow for the training loop, Parquet for
// everyone else) for one sampling strategy, batch size and seed, so training is a pure function of this artifact.
import { defineStage } from '../../pipelines/engine/index.ts';
import { PAIRS_OUTPUTS } from '../pairs/index.ts';
import { BATCHES_OUTPUTS } from './outputs.ts';
import { BatchesParams } from './params.ts';
import { tableBase } from '../common/table-outputs.ts';
import { type Columns, openTableWriter, readArrow, TABLES_SOURCES, tablesEnv, writeTable } from '../common/tables.ts';
import { planBatches, type BatchPlan } from './sampler.ts';
import { batchRowChunks } from './rows.ts';
import { batchesSchema, compositionSchema } from './schema.ts';
import type { BatchesSummary } from './info.ts';

export const batchesStage = defineStage({
  name: 'batches',
  version: 1,
  description: 'Hybrid batch materialisation: mono / cross / hybrid batches without in-batch duplicates',
  params: BatchesParams,
  inputs: { pairs: [PAIRS_OUTPUTS.pairs] },
  outputs: BATCHES_OUTPUTS,
  env: () => tablesEnv(),
  sourceDir: new URL('.', import.meta.url),
  extraSources: [...TABLES_SOURCES, new URL('../common/random.ts', import.meta.url)],
  async run(ctx): Promise<BatchesSummary> {
    const { columns } = await readArrow(ctx.input('pairs').output(PAIRS_OUTPUTS.pairs));
    const pairs = pickPairs(columns, ctx.params.split, ctx.params.dictionary === 'warmup');
    if (pairs.index.length === 0)
      throw new Error(`batches: the pairs artifact has no rows in split "${ctx.params.split}"`);
    const plan = planBatches(pairs.sampler, ctx.params);
    const { stats } = plan;
    if (stats.rows === 0) {
      throw new Error(
        `batches: no batch of ${ctx.params.batchSize} could be formed for strategy "${ctx.params.strategy}" (eligible mono ${stats.eligible.mono}, cross ${stats.eligible.cross}); lower batchSize or set dropLast=false`,
      );
    }
    ctx.log.info({ stats }, 'planned batches');
    await writeBatches(tableBase(ctx.outDir, BATCHES_OUTPUTS.batches), plan, pairs, columns, (done) =>
      ctx.progress(done, stats.rows, 'writing'),
    );
    const composition = compositionOf(plan, pairs, columns);
    await writeTable(tableBase(ctx.outDir, BATCHES_OUTPUTS.composition), compositionSchema, composition);
    const batchCount = plan.batchKind.length;
    if (stats.shortBatches > 0) {
      ctx.log.warn(
        `${stats.shortBatches} batches are below batchSize ${ctx.params.batchSize}: their pool had no non-conflicting row left`,
      );
    }
    return {
      rows: { batches: stats.rows, composition: batchCount },
      strategy: ctx.params.strategy,
      batchSize: ctx.params.batchSize,
      alpha: ctx.params.alpha,
      epochs: ctx.params.epochs,
      dictionary: ctx.params.dictionary,
      warmupEpochs: stats.warmup.epochs,
      dropLast: ctx.params.dropLast,
      split: ctx.params.split,
      seed: ctx.seed,
      batchCount,
      sampler: stats,
      questionLanguages: histogram(composition.question_langs, composition.question_lang_counts),
      passageLanguages: histogram(composition.passage_langs, composition.passage_lang_counts),
      dictionaryRows: composition.dictionary_rows.reduce((a, b) => a + b, 0),
      distinctQuestions: pairs.distinctQuestions,
    };
  },
});

interface PickedPairs {
  /** Row index in the pairs table of each eligible row. */
  index: Int32Array;
  sampler: { kind: Uint8Array; questionKey: Int32Array; passageKey: Int32Array; warmup: Uint8Array };
  distinctQuestions: number;
}

function pickPairs(columns: Columns, split: string, dictionaryWarmup: boolean): PickedPairs {
  const splitCol = columns.split as string[];
  const source = columns.source as string[];
  const direction = columns.direction as string[];
  const qid = columns.question_id as string[];
  const pid = columns.passage_id as string[];
  const index: number[] = [];
  for (let i = 0; i < splitCol.length; i++) if (splitCol[i] === split) index.push(i);
  const qKeys = new Map<string, number>();
  const pKeys = new Map<string, number>();
  const key = (map: Map<string, number>, value: string): number => {
    let k = map.get(value);
    if (k === undefined) map.set(value, (k = map.size));
    return k;
  };
  const kind = new Uint8Array(index.length);
  const questionKey = new Int32Array(index.length);
  const passageKey = new Int32Array(index.length);
  const warmup = new Uint8Array(index.length);
  index.forEach((row, i) => {
    warmup[i] = dictionaryWarmup && source[row] === 'dictionary' ? 1 : 0;
    kind[i] = direction[row] === 'mono' ? 0 : 1;
    questionKey[i] = key(qKeys, qid[row]);
    passageKey[i] = key(pKeys, pid[row]);
  });
  return {
    index: Int32Array.from(index),
    sampler: { kind, questionKey, passageKey, warmup },
    distinctQuestions: qKeys.size,
  };
}

async function writeBatches(
  base: string,
  plan: BatchPlan,
  pairs: PickedPairs,
  columns: Columns,
  progress: (done: number) => void,
): Promise<void> {
  const writer = await openTableWriter(base, batchesSchema);
  try {
    for (const { end, chunk } of batchRowChunks(plan, pairs.index, columns)) {
      await writer.append(chunk);
      progress(end);
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

function histogram(langs: string[][], counts: Int32Array[]): Record<string, number> {
  const total = new Map<string, number>();
  langs.forEach((row, b) => row.forEach((lang, i) => total.set(lang, (total.get(lang) ?? 0) + counts[b][i])));
  return Object.fromEntries([...total].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function compositionOf(plan: BatchPlan, pairs: PickedPairs, columns: Columns) {
  const qLang = columns.question_lang as string[];
  const pLang = columns.passage_lang as string[];
  const source = columns.source as string[];
  const batches = plan.batchKind.length;
  const out = {
    batch_id: new Int32Array(batches),
    epoch: new Int32Array(batches),
    kind: [] as string[],
    size: new Int32Array(batches),
    question_langs: [] as string[][],
    question_lang_counts: [] as Int32Array[],
    passage_langs: [] as string[][],
    passage_lang_counts: [] as Int32Array[],
    dictionary_rows: new Int32Array(batches),
  };
  for (let b = 0; b < batches; b++) {
    const q = new Map<string, number>();
    const p = new Map<string, number>();
    let dictionary = 0;
    for (let r = plan.offsets[b]; r < plan.offsets[b + 1]; r++) {
      const row = pairs.index[plan.row[r]];
      q.set(qLang[row], (q.get(qLang[row]) ?? 0) + 1);
      p.set(pLang[row], (p.get(pLang[row]) ?? 0) + 1);
      if (source[row] === 'dictionary') dictionary++;
    }
    out.batch_id[b] = b;
    out.epoch[b] = plan.batchEpoch[b];
    out.kind.push(plan.batchKind[b] === 0 ? 'mono' : 'cross');
    out.size[b] = plan.offsets[b + 1] - plan.offsets[b];
    const qs = [...q.keys()].sort();
    const ps = [...p.keys()].sort();
    out.question_langs.push(qs);
    out.question_lang_counts.push(Int32Array.from(qs, (l) => q.get(l)!));
    out.passage_langs.push(ps);
    out.passage_lang_counts.push(Int32Array.from(ps, (l) => p.get(l)!));
    out.dictionary_rows[b] = dictionary;
  }
  return out;
}

export { BATCHES_OUTPUTS } from './outputs.ts';
export type { BatchesParams } from './params.ts';
export { batchesInfo, type BatchesSummary } from './info.ts';
export { batchesSchema, compositionSchema } from './schema.ts';
export type { Strategy, BatchKind } from './sampler.ts';
