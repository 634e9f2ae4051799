// Stage `attack`: adversarial versions of a seeded sample of the evaluation queries, against every trained model
// of the pipeline (a fan-in input): typos (`char`), confusable and invisible characters (`homoglyph`), word-level
// code-mixing from MUSE dictionaries (`codemix`), and a white-box greedy word-swap search (`greedy`). Records each
// attack with the positive's rank before and after (score's ranking code), TextAttack's summary table, and the
// transfer of greedy queries from each model to every other. `score` measures the attacked query sets beside the
// clean ones (loadAttackedQueries).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage, type ArtifactRef } from '../../pipelines/engine/index.ts';
import { QUERY_SETS_SCHEMA } from '../common/query-sets.ts';
import { outputPath, tableBase } from '../common/table-outputs.ts';
import { tablesEnv, writeArrow, writeParquet, writeTable } from '../common/tables.ts';
import { createRng } from '../common/random.ts';
import { DOWNLOAD_OUTPUTS } from '../download/index.ts';
import { PAIRS_OUTPUTS, readPairsReport } from '../pairs/index.ts';
import { loadEvalSet, modelInfo, type RetrieverInfo } from '../score/index.ts';
import { backendEnv, checkPlannedBackend, initBackend, loadEncoder, TRAIN_OUTPUTS } from '../train/index.ts';
import { attackModel, type AttackRow, type SampledQuery } from './attack-model.ts';
import { layoutShare } from './char.ts';
import { loadDictionaries, type Dictionaries } from './codemix.ts';
import { attacksColumns, querySetsColumns, tableColumns, tableRows, transferColumns } from './columns.ts';
import { AttackParams, paramsDigest } from './params.ts';
import { perturb, TRANSFORMS, type Perturbed, type Transform } from './recipes.ts';
import { positiveOf, sampleQueries } from './sample.ts';
import { ATTACK_OUTPUTS } from './outputs.ts';
import { ATTACK_TABLE_SCHEMA, ATTACKS_SCHEMA, TRANSFER_SCHEMA } from './schema.ts';
import { summaryMarkdown } from './summary.ts';
import { transferRowsFor, type TransferRow } from './transfer.ts';
import { segments, wordIndices } from './words.ts';

export { ATTACKS_SCHEMA, ATTACK_TABLE_SCHEMA, TRANSFER_SCHEMA } from './schema.ts';
export { ATTACK_FILES, ATTACK_OUTPUTS } from './outputs.ts';
export {
  RECIPES,
  TRANSFORMS,
  perturb,
  wordCandidates,
  type Recipe,
  type Transform,
  type Perturbed,
  type PerturbOptions,
} from './recipes.ts';
export {
  greedyAttack,
  type QueryScorer,
  type Scored,
  type GreedyOptions,
  type GreedyResult,
  type AttackStatus,
} from './greedy.ts';
export { Dictionaries, loadDictionaries, museFile } from './codemix.ts';
// The query sets score reads (the table of stages/common/query-sets.ts, and score's querySubset); re-exported for
// whoever reads an attack artifact.
export { loadAttackedQueries, querySubset, type AttackedQuerySet } from '../score/index.ts';
export { positiveOf, sampleQueries } from './sample.ts';
export { Target } from './target.ts';
export { AttackParams } from './params.ts';

export interface AttackSummary {
  rows: { attacks: number; table: number; transfer: number };
  dataset: string;
  backend: string;
  sampled: number;
  models: number;
  disagreements: number;
  layoutFree: string[];
  noDictionary: string[];
  featurelessQueries: number;
  [key: string]: unknown;
}

export const attackStage = defineStage({
  name: 'attack',
  version: 1,
  description:
    'Adversarial queries (typos, homoglyphs, MUSE code-mixing, white-box greedy word swaps) against every trained model, with TextAttack-style results and a transfer matrix',
  params: AttackParams,
  inputs: {
    models: [TRAIN_OUTPUTS.model],
    eval: [PAIRS_OUTPUTS.candidates, PAIRS_OUTPUTS.queries],
    raw: [DOWNLOAD_OUTPUTS.muse],
  },
  outputs: ATTACK_OUTPUTS,
  runtimeParams: ['block'],
  env: (p) => ({ ...backendEnv(p.backend), ...tablesEnv() }),
  sourceDir: new URL('.', import.meta.url),
  extraSources: [
    new URL('../score/', import.meta.url),
    new URL('../train/', import.meta.url),
    new URL('../common/tables.ts', import.meta.url),
    new URL('../common/random.ts', import.meta.url),
    new URL('../common/query-sets.ts', import.meta.url),
  ],
  async run(ctx): Promise<AttackSummary> {
    const p = ctx.params;
    const backend = checkPlannedBackend(ctx.env, await initBackend(p.backend), 'attack.backend');
    const evalRef = ctx.input('eval');
    const pairsReport = evalRef.has(PAIRS_OUTPUTS.report) ? await readPairsReport(evalRef) : null;
    const data = await loadEvalSet(
      evalRef.output(PAIRS_OUTPUTS.candidates),
      evalRef.output(PAIRS_OUTPUTS.queries),
      pairsReport,
    );
    const models = ctx.inputs('models');
    const raw = ctx.input('raw');

    // The sample, and which of its queries the models' tokenizer sees nothing in.
    const picked = sampleQueries(data, p.perLanguage, p.seed);
    const tokenizer = models.length > 0 ? (await loadEncoder(modelDir(models[0]))).tokenizer : null;
    const sample: SampledQuery[] = picked.map((q) => {
      const text = data.queries.texts[q];
      const bags = tokenizer?.encodeBatch([text]);
      return {
        q,
        id: data.queries.ids[q],
        lang: data.languages[data.queries.lang[q]],
        langIndex: data.queries.lang[q],
        positive: positiveOf(data, q),
        text,
        featureless:
          wordIndices(segments(text, data.languages[data.queries.lang[q]])).length === 0 ||
          (bags !== undefined && bags.offsets[1] === 0),
      };
    });
    ctx.log.info(
      `${data.dataset}: ${sample.length} sampled queries, ${models.length} models, recipes ${p.recipes.join(' ')}`,
    );

    // codemix's dictionaries: every language of the sample; one without a file is reported and its queries skipped.
    let dictionaries: Dictionaries | null = null;
    let noDictionary: string[] = [];
    if (p.recipes.includes('codemix')) {
      const listed = new Set(raw.has(DOWNLOAD_OUTPUTS.muse) ? raw.filesOf(DOWNLOAD_OUTPUTS.muse) : []);
      const loaded = await loadDictionaries(data.languages, (file) =>
        listed.has(file) ? raw.file(DOWNLOAD_OUTPUTS.muse, file) : null,
      );
      dictionaries = loaded.dictionaries;
      noDictionary = data.languages.filter((l) => !dictionaries!.has(l));
      if (noDictionary.length > 0)
        ctx.log.warn(`codemix: no MUSE dictionary for ${noDictionary.join(' ')}: their queries are skipped`);
    }

    // The model-independent transformations, once for every model (codemix adversarial is redone per model).
    const transformed = new Map<Transform, (Perturbed | null)[]>();
    for (const recipe of TRANSFORMS) {
      if (!p.recipes.includes(recipe)) continue;
      transformed.set(
        recipe,
        sample.map((s) => {
          const rng = createRng(p.seed, `${recipe}:${s.id}`);
          if (recipe !== 'codemix') return perturb(recipe, s.text, s.lang, rng, p);
          const options = dictionaries!.embeddable(s.lang);
          if (options.length === 0) return null;
          const embedded = drawLanguages(options, p.codemixLanguages, rng);
          return perturb('codemix', s.text, s.lang, rng, { ...p, dictionaries: dictionaries!, embedded });
        }),
      );
    }
    const textsOf = (l: string): string[] => sample.filter((s) => s.lang === l).map((s) => s.text);
    const layoutFree = data.languages.filter((l) => textsOf(l).length > 0 && layoutShare(textsOf(l)) < 0.5);

    // Pass 1: each model attacked with its pool embedded once; the pool vectors wait on disk for the transfer pass.
    const rows: AttackRow[] = [];
    const infos: RetrieverInfo[] = [];
    const greedy: { id: string; texts: string[] }[] = [];
    let disagreements = 0;
    const doTransfer = p.transfer && p.recipes.includes('greedy') && models.length > 0;
    const spill = join(ctx.checkpointDir, 'pools');
    if (doTransfer) await mkdir(spill, { recursive: true });
    const passes = doTransfer ? 2 : 1;
    for (const [m, ref] of models.entries()) {
      const model = await loadEncoder(modelDir(ref));
      const info = modelInfo(ref, model.metadata);
      infos.push(info);
      const began = performance.now();
      const result = await attackModel({
        model,
        info,
        data,
        sample,
        transformed,
        dictionaries,
        p,
        signal: ctx.signal,
        onQuery: (done, total) => ctx.progress(m * total + done, models.length * total * passes, `${ref.node} greedy`),
      });
      rows.push(...result.rows);
      disagreements += result.disagreements;
      if (result.greedyTexts) greedy.push({ id: info.id, texts: result.greedyTexts });
      if (doTransfer)
        await writeFile(
          join(spill, `${m}.f32`),
          new Uint8Array(result.poolVectors.buffer, result.poolVectors.byteOffset, result.poolVectors.byteLength),
        );
      ctx.log.info(`${ref.node}: attacked in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    }

    // Pass 2: every model as the target of every model's greedy queries.
    const transfer: TransferRow[] = [];
    if (doTransfer) {
      const sampleRef = {
        ids: sample.map((s) => s.id),
        texts: sample.map((s) => s.text),
        positives: Int32Array.from(sample, (s) => s.positive),
      };
      for (const [m, ref] of models.entries()) {
        ctx.signal.throwIfAborted();
        const model = await loadEncoder(modelDir(ref));
        const bytes = await readFile(join(spill, `${m}.f32`));
        const poolVectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        transfer.push(
          ...(await transferRowsFor({ id: infos[m].id, model, poolVectors }, greedy, data, sampleRef, p.block)),
        );
        ctx.progress(
          models.length * sample.length + (m + 1) * sample.length,
          models.length * sample.length * passes,
          `${ref.node} transfer`,
        );
      }
      await rm(spill, { recursive: true, force: true });
    }

    const digests = Object.fromEntries(p.recipes.map((r) => [r, paramsDigest(r, p)]));
    const attacks = await writeTable(
      tableBase(ctx.outDir, ATTACK_OUTPUTS.attacksArrow),
      ATTACKS_SCHEMA,
      attacksColumns(rows, digests),
    );
    await writeArrow(
      outputPath(ctx.outDir, ATTACK_OUTPUTS.querySets),
      QUERY_SETS_SCHEMA,
      querySetsColumns(sample, rows, p.recipes),
    );
    const table = tableRows(rows);
    await writeParquet(outputPath(ctx.outDir, ATTACK_OUTPUTS.table), ATTACK_TABLE_SCHEMA, tableColumns(table));
    await writeParquet(outputPath(ctx.outDir, ATTACK_OUTPUTS.transfer), TRANSFER_SCHEMA, transferColumns(transfer));
    const featurelessQueries = sample.filter((s) => s.featureless).length;
    await writeFile(
      outputPath(ctx.outDir, ATTACK_OUTPUTS.summary),
      summaryMarkdown(table, transfer, infos, {
        dataset: data.dataset,
        perLanguage: p.perLanguage,
        queries: sample.length,
        languages: data.languages,
        k: p.k,
        budget: p,
        codemix: p.codemix,
        layoutFree,
        noDictionary,
        featurelessQueries,
        disagreements,
      }),
    );
    const { block: _block, ...fingerprinted } = p;
    const report = {
      format: 'hybrid-xlr/attack@1',
      dataset: data.dataset,
      params: fingerprinted,
      paramsDigest: digests,
      sample: {
        perLanguage: p.perLanguage,
        queries: sample.length,
        byLanguage: countBy(sample.map((s) => s.lang)),
        featureless: featurelessQueries,
      },
      layoutFree,
      noDictionary,
      disagreements,
      table: table.map((r) => ({
        retriever: r.info.id,
        recipe: r.recipe,
        successful: r.successful,
        failed: r.failed,
        skipped: r.skipped,
        featureless: r.featureless,
        cleanR1: r.cleanR1,
        attackedR1: r.attackedR1,
        successRate: r.successRate,
        avgPerturbedShare: r.avgPerturbedShare,
        avgModelCalls: r.avgModelCalls,
      })),
    };
    await writeFile(
      outputPath(ctx.outDir, ATTACK_OUTPUTS.report),
      `${JSON.stringify(report, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2)}\n`,
    );
    return {
      rows: { attacks: attacks.parquet.rows, table: table.length, transfer: transfer.length },
      dataset: data.dataset,
      backend: `${backend.name}@${backend.version}`,
      sampled: sample.length,
      models: models.length,
      disagreements,
      layoutFree,
      noDictionary,
      featurelessQueries,
    };
  },
});

function modelDir(ref: ArtifactRef): string {
  return ref.output(TRAIN_OUTPUTS.model);
}

/** `n` distinct languages of `options`, drawn in order (fewer when there are fewer). */
function drawLanguages(options: readonly string[], n: number, rng: ReturnType<typeof createRng>): string[] {
  const pool = [...options];
  const out: string[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]);
  return out.sort();
}

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
