// Stage `classify`: zero-shot cross-lingual classification with each trained encoder as a frozen feature
// extractor (the standard transfer protocol): a softmax probe trained on English only, evaluated in every other
// language. XNLI dev (shipped, split by premise) always; MLDoc when the user points at it (it cannot be shipped).
// The untrained encoder and a lexical probe (hashed words) are measured the same way beside the models.
import { join } from 'node:path';
import { z } from 'zod';
import { defineStage, writeFileAtomic, type ArtifactRef } from '../../pipelines/engine/index.ts';
import { TABLES_SOURCES, tablesEnv, writeParquet } from '../common/tables.ts';
import { modelDir, modelInfo, randomBaseline, type RetrieverInfo } from '../score/index.ts';
import {
  BACKEND_CHOICES,
  backendEnv,
  checkPlannedBackend,
  describeEncoder,
  initBackend,
  loadEncoder,
  TRAIN_OUTPUTS,
} from '../train/index.ts';
import { AttackParams, loadDictionaries, RECIPES, type Dictionaries } from '../attack/index.ts';
import { DOWNLOAD_OUTPUTS } from '../download/index.ts';
import { PAIRS_OUTPUTS, readPairsReport } from '../pairs/index.ts';
import { attackedResults, attackSample, transformHypotheses, type AttackConfig } from './attacked.ts';
import { BagCache, encoderFeaturizer, lexicalFeaturizer, type TextFeaturizer } from './features.ts';
import { locateMldoc, mldocDirOf, mldocEnv, MLDOC_CODES, MLDOC_ENV, MLDOC_TRAIN_SIZES, readMldoc } from './mldoc.ts';
import { CLASSIFY_OUTPUTS } from './outputs.ts';
import { metricsColumns, metricsJson } from './columns.ts';
import { mldocTask, runTask, SOURCE_LANGUAGE, xnliTask, type ProbeOptions, type Task } from './protocol.ts';
import type { RetrieverResult } from './results.ts';
import { CLASSIFY_METRICS_SCHEMA } from './schema.ts';
import { splitByPremise } from './split.ts';
import { summaryMarkdown, type SummaryContext } from './summary.ts';
import { readXnli, XNLI_LANGUAGES } from './xnli.ts';

export { CLASSIFY_FILES, CLASSIFY_OUTPUTS } from './outputs.ts';
export { CLASSIFY_METRICS_SCHEMA } from './schema.ts';

const noRepeats = (list: readonly string[]): boolean => new Set(list).size === list.length;
/** The attack stage's budget defaults, so an attack here means what it means there. */
const ATTACK = AttackParams.parse({});

const params = z.object({
  backend: z
    .enum(BACKEND_CHOICES)
    .default('auto')
    .describe('TF.js backend for embedding and the probe: auto tries node-gpu → node → wasm → cpu'),
  languages: z
    .array(z.enum(XNLI_LANGUAGES))
    .min(2)
    .default([...XNLI_LANGUAGES])
    .refine((l) => l.includes(SOURCE_LANGUAGE), `must include "${SOURCE_LANGUAGE}" (the probe is trained on English)`)
    .refine(noRepeats, 'must not repeat')
    .describe('XNLI languages evaluated'),
  testShare: z.number().gt(0).lt(1).default(0.5).describe('share of XNLI premises in part B (evaluation)'),
  heldOutShare: z.number().gt(0).lt(1).default(0.2).describe("share of part A's premises held out for early stopping"),
  baselines: z
    .array(z.enum(['random', 'lexical']))
    .default(['random', 'lexical'])
    .refine(noRepeats, 'must not repeat')
    .describe('baselines probed next to the models'),
  lexicalBuckets: z
    .number()
    .int()
    .min(16)
    .max(1 << 16)
    .default(512)
    .describe('hashed word buckets of the lexical baseline'),
  lr: z.number().positive().max(10).default(3e-4).describe("the probe's Adam learning rate"),
  maxEpochs: z.number().int().min(1).max(10_000).default(100),
  batchSize: z.number().int().min(1).default(64),
  patience: z.number().int().min(1).default(5).describe('epochs without a lower held-out loss before stopping'),
  l2: z.number().min(0).default(0.01).describe('L2 penalty on the probe weights'),
  seed: z.number().int().default(0).describe('premise split, minibatch order, and the untrained-encoder baseline'),
  attackRecipes: z
    .array(z.enum(RECIPES))
    .default([...RECIPES])
    .refine(noRepeats, 'must not repeat')
    .describe("the attack stage's recipes applied to XNLI part-B hypotheses ([] for none)"),
  attackPerLanguage: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(20)
    .describe('part-B pairs attacked per language (a seeded sample, the same pairs in every language)'),
  attackWordShare: z
    .number()
    .gt(0)
    .max(1)
    .default(ATTACK.wordShare)
    .describe("budget: largest share of a hypothesis's words edited"),
  attackMaxEdits: z.number().int().min(1).max(64).default(ATTACK.maxEdits),
  attackMaxModelCalls: z
    .number()
    .int()
    .min(2)
    .max(100_000)
    .default(ATTACK.maxModelCalls)
    .describe('greedy: probe calls per pair'),
  attackCharCandidates: z.number().int().min(1).max(64).default(ATTACK.charCandidates),
  attackHomoglyphCandidates: z.number().int().min(1).max(64).default(ATTACK.homoglyphCandidates),
  attackCodemixLanguages: z
    .number()
    .int()
    .min(1)
    .max(11)
    .default(ATTACK.codemixLanguages)
    .describe('codemix: embedded languages drawn per hypothesis'),
  mldocDir: z
    .string()
    .min(1)
    .optional()
    .describe(`folder of the MLDoc files (else the ${MLDOC_ENV} environment variable; neither: MLDoc is skipped)`),
  mldocTrainSize: z
    .union(
      MLDOC_TRAIN_SIZES.map((n) => z.literal(n)) as unknown as [
        z.ZodLiteral<1000>,
        z.ZodLiteral<2000>,
        z.ZodLiteral<5000>,
        z.ZodLiteral<10000>,
      ],
    )
    .default(1000)
    .describe('which english.train.N trains the MLDoc probe'),
  mldocLanguages: z
    .array(z.enum(MLDOC_CODES))
    .min(2)
    .refine(noRepeats, 'must not repeat')
    .refine((l) => l.includes('en'), 'must include "en"')
    .optional()
    .describe('MLDoc languages (default: every one whose test file is present)'),
});

export type ClassifyParams = z.output<typeof params>;

export interface ClassifySummary {
  [key: string]: unknown;
  rows: { metrics: number };
  backend: string;
  xnli: { languages: number; trainRows: number; heldOutRows: number; testRowsPerLanguage: number; unlabelled: number };
  mldoc: string;
  texts: { xnli: number; mldoc: number; tokenized: number };
  /**
   * Wall and CPU seconds per retriever (CPU: this process, all threads; the machine may be shared), attack included.
   */
  retrievers: {
    id: string;
    seconds: number;
    cpuSeconds: number;
    attackSeconds: number;
    xnliEnglish: number;
    xnliZeroShot: number;
    mldocZeroShot?: number;
  }[];
}

interface Job {
  info: RetrieverResult['info'];
  open(): Promise<TextFeaturizer>;
}

export const classifyStage = defineStage({
  name: 'classify',
  version: 1,
  description:
    'Zero-shot cross-lingual XNLI (and MLDoc when given) accuracy of a softmax probe on each frozen encoder, trained on English only, with untrained and lexical baselines',
  params,
  // raw: XNLI, and MUSE (optional) for codemix; eval: the pairs report's training languages (seen vs unseen).
  inputs: { models: [TRAIN_OUTPUTS.model], raw: [DOWNLOAD_OUTPUTS.xnliDev], eval: [PAIRS_OUTPUTS.report] },
  outputs: CLASSIFY_OUTPUTS,
  // MLDoc lives outside the store: its files' content (not its path) enters the fingerprint here.
  env: (p) => ({
    ...backendEnv(p.backend),
    ...tablesEnv(),
    ...mldocEnv(mldocDirOf(p.mldocDir), p.mldocTrainSize, p.mldocLanguages),
  }),
  sourceDir: new URL('.', import.meta.url),
  // The attack recipes, the encoder and the untrained baseline decide this stage's numbers as much as its own code.
  extraSources: [
    new URL('../attack/', import.meta.url),
    new URL('../train/', import.meta.url),
    new URL('../score/', import.meta.url),
    ...TABLES_SOURCES,
    new URL('../common/random.ts', import.meta.url),
  ],
  async run(ctx): Promise<ClassifySummary> {
    const p = ctx.params;
    const backend = checkPlannedBackend(ctx.env, await initBackend(p.backend), 'classify.backend');
    const backendName = `${backend.name}@${backend.version}`;

    // XNLI from the download artifact, split by English premise (the files are aligned line by line).
    const raw = ctx.input('raw');
    const files = await readXnli(p.languages, (file) => xnliPath(raw, file));
    const en = files.find((f) => f.lang === SOURCE_LANGUAGE)!;
    const split = splitByPremise(en.premise, { seed: p.seed, testShare: p.testShare, heldOutShare: p.heldOutShare });
    const xnli = xnliTask(files, split);
    const unlabelled = Object.fromEntries(files.map((f) => [f.lang, f.unlabelled]));
    const unlabelledTotal = files.reduce((n, f) => n + f.unlabelled, 0);
    ctx.log.info(
      `XNLI: ${files.length} languages × ${en.label.length} rows; part A ${split.premises.train + split.premises.heldOut} premises (train ${xnli.train.y.length} pairs, held out ${xnli.heldOut.y.length}), part B ${split.premises.test} premises (${split.test.length} pairs per language); ${unlabelledTotal} rows without a label`,
    );

    const retrieverLanguages = await trainLanguagesOf(ctx.input('eval'));
    const mldoc = await loadMldoc(p, ctx.log);
    const tasks: Task[] = [xnli, ...(mldoc.task ? [mldoc.task] : [])];

    // The attacked evaluation's inputs, shared by every retriever: the sample, MUSE for codemix, the transformed texts.
    const attack = p.attackRecipes.length > 0 ? await prepareAttack(p, xnli, raw, ctx.log) : null;

    const models = ctx.inputs('models');
    const cache = new BagCache();
    const shared = tasks.map((t) => t.index.texts);
    const none = { strategy: null, batchSize: null, loss: null, seed: null, fingerprint: null };
    const jobs: Job[] = [];
    for (const baseline of p.baselines) {
      if (baseline === 'random') {
        const shape = models.length > 0 ? await describeEncoder(modelDir(models[0])) : null;
        jobs.push({
          info: { id: 'random-encoder', kind: 'random', ...none },
          open: async () => encoderFeaturizer(randomBaseline(shape, p.seed), cache, shared),
        });
      } else {
        jobs.push({
          info: { id: 'lexical-words', kind: 'lexical', ...none },
          open: async () => lexicalFeaturizer(p.lexicalBuckets),
        });
      }
    }
    for (const ref of models) {
      const model = await describeEncoder(modelDir(ref));
      const info: RetrieverInfo = modelInfo(ref, model.metadata);
      jobs.push({ info, open: async () => encoderFeaturizer(await loadEncoder(modelDir(ref)), cache, shared) });
    }

    const probe: ProbeOptions = {
      lr: p.lr,
      maxEpochs: p.maxEpochs,
      batchSize: p.batchSize,
      patience: p.patience,
      l2: p.l2,
      seed: p.seed,
    };
    const results: RetrieverResult[] = [];
    const timings: { cpuSeconds: number; attackSeconds: number }[] = [];
    for (const [i, job] of jobs.entries()) {
      ctx.signal.throwIfAborted();
      ctx.progress(i, jobs.length, job.info.id);
      const began = performance.now();
      const cpuBefore = process.cpuUsage();
      let attackSeconds = 0;
      const featurizer = await job.open();
      const result: RetrieverResult = { info: job.info, results: [], probes: [], seconds: 0 };
      for (const task of tasks) {
        const outcome = await runTask(task, featurizer, probe, retrieverLanguages, `classify/probe/${task.dataset}`);
        result.results.push(outcome.result);
        result.probes.push(outcome.probe);
        if (task === xnli && attack) {
          const attackBegan = performance.now();
          result.results.push(
            ...(await attackedResults(
              xnli,
              outcome,
              featurizer,
              attack.sample,
              attack.transformed,
              attack.config,
              attack.dictionaries,
              retrieverLanguages,
            )),
          );
          attackSeconds = (performance.now() - attackBegan) / 1000;
        }
      }
      result.seconds = (performance.now() - began) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      timings.push({ cpuSeconds: (cpu.user + cpu.system) / 1e6, attackSeconds });
      results.push(result);
      const x = result.results[0].summary;
      ctx.log.info(
        `${job.info.id}: XNLI en ${x.source.toFixed(3)}, zero-shot ${x.zeroShot.toFixed(3)} (gap ${x.gap.toFixed(3)}) in ${result.seconds.toFixed(1)} s (CPU ${timings[i].cpuSeconds.toFixed(1)} s, attack ${attackSeconds.toFixed(1)} s)`,
      );
    }
    ctx.progress(jobs.length, jobs.length);

    const table = metricsColumns(results);
    await writeParquet(join(ctx.outDir, CLASSIFY_OUTPUTS.metrics.path), CLASSIFY_METRICS_SCHEMA, table.columns);
    const splitInfo = {
      seed: p.seed,
      testShare: p.testShare,
      heldOutShare: p.heldOutShare,
      premises: split.premises,
      trainRows: xnli.train.y.length,
      heldOutRows: xnli.heldOut.y.length,
      testRowsPerLanguage: split.test.length,
    };
    const mldocContext: SummaryContext['mldoc'] = mldoc.task
      ? {
          status: 'evaluated',
          languages: mldoc.task.test.map((t) => t.language),
          trainRows: mldoc.task.train.y.length,
          devRows: mldoc.task.heldOut.y.length,
        }
      : { status: 'skipped', reason: mldoc.reason };
    const { mldocDir: _dir, ...fingerprinted } = p;
    await writeFileAtomic(
      join(ctx.outDir, CLASSIFY_OUTPUTS.metricsJson.path),
      `${JSON.stringify(
        metricsJson(results, {
          backend: backendName,
          params: fingerprinted,
          trainLanguages: retrieverLanguages,
          xnli: { languages: p.languages, split: splitInfo, unlabelled },
          attack: attack
            ? {
                rowsPerLanguage: attack.sample[0]?.positions.length ?? 0,
                noDictionary: attack.noDictionary,
                note: attack.note,
              }
            : null,
          mldoc: mldocContext,
        }),
        null,
        2,
      )}\n`,
    );
    await writeFileAtomic(
      join(ctx.outDir, CLASSIFY_OUTPUTS.summary.path),
      summaryMarkdown(results, {
        xnli: { languages: p.languages, split: splitInfo, unlabelled: unlabelledTotal },
        retrieverLanguages,
        mldoc: mldocContext,
        attack: attack ? { perLanguage: attack.sample[0]?.positions.length ?? 0, note: attack.note } : undefined,
      }),
    );
    return {
      rows: { metrics: table.rows },
      backend: backendName,
      xnli: {
        languages: files.length,
        trainRows: splitInfo.trainRows,
        heldOutRows: splitInfo.heldOutRows,
        testRowsPerLanguage: splitInfo.testRowsPerLanguage,
        unlabelled: unlabelledTotal,
      },
      mldoc: mldoc.task
        ? `evaluated: ${mldocContext.status === 'evaluated' ? mldocContext.languages.join(' ') : ''}`
        : `skipped: ${mldoc.reason}`,
      texts: { xnli: xnli.index.texts.length, mldoc: mldoc.task?.index.texts.length ?? 0, tokenized: cache.tokenized },
      retrievers: results.map((r, i) => ({
        id: r.info.id,
        seconds: Math.round(r.seconds * 10) / 10,
        cpuSeconds: Math.round(timings[i].cpuSeconds * 10) / 10,
        attackSeconds: Math.round(timings[i].attackSeconds * 10) / 10,
        xnliEnglish: r.results[0].summary.source,
        xnliZeroShot: r.results[0].summary.zeroShot,
        ...(mldoc.task && { mldocZeroShot: r.results[1].summary.zeroShot }),
      })),
    };
  },
});

interface PreparedAttack {
  config: AttackConfig;
  sample: ReturnType<typeof attackSample>;
  transformed: ReturnType<typeof transformHypotheses>;
  dictionaries: Dictionaries | null;
  noDictionary: string[];
  note: string;
}

/**
 * The sample, the MUSE dictionaries (codemix, and greedy's translation candidates) and the model-free recipes' texts.
 */
async function prepareAttack(
  p: ClassifyParams,
  xnli: Task,
  raw: ArtifactRef,
  log: { info(msg: string): void; warn(msg: string): void },
): Promise<PreparedAttack> {
  const config: AttackConfig = {
    recipes: p.attackRecipes,
    perLanguage: p.attackPerLanguage,
    wordShare: p.attackWordShare,
    maxEdits: p.attackMaxEdits,
    maxModelCalls: p.attackMaxModelCalls,
    charCandidates: p.attackCharCandidates,
    homoglyphCandidates: p.attackHomoglyphCandidates,
    codemixLanguages: p.attackCodemixLanguages,
    seed: p.seed,
  };
  let dictionaries: Dictionaries | null = null;
  let noDictionary: string[] = [];
  let note = '';
  if (p.attackRecipes.includes('codemix') || p.attackRecipes.includes('greedy')) {
    const listed = new Set(raw.has(DOWNLOAD_OUTPUTS.muse) ? raw.filesOf(DOWNLOAD_OUTPUTS.muse) : []);
    const loaded = await loadDictionaries(p.languages, (file) =>
      listed.has(file) ? raw.file(DOWNLOAD_OUTPUTS.muse, file) : null,
    );
    dictionaries = loaded.dictionaries;
    noDictionary = p.languages.filter((l) => !dictionaries!.has(l));
    if (noDictionary.length > 0) {
      note =
        dictionaries.languages.length === 0
          ? 'No MUSE dictionary in the download artifact: codemix did not run, and greedy used typos and homoglyphs only.'
          : `No MUSE dictionary for ${noDictionary.join(' ')}: codemix leaves them out (its macro covers the others), greedy uses typos and homoglyphs there.`;
      log.warn(`attack: ${note}`);
    }
  }
  const sample = attackSample(xnli, p.attackPerLanguage, p.seed);
  const transformed = transformHypotheses(xnli, sample, config, dictionaries);
  log.info(
    `attack: ${p.attackRecipes.join(', ')} on ${sample[0]?.positions.length ?? 0} part-B hypotheses per language`,
  );
  return { config, sample, transformed, dictionaries, noDictionary, note };
}

/** An XNLI file of the download artifact, with a hint when the artifact was made without XNLI. */
function xnliPath(raw: ArtifactRef, file: string): string {
  if (!raw.has(DOWNLOAD_OUTPUTS.xnliDev))
    throw new Error(
      `classify: the download artifact has no ${DOWNLOAD_OUTPUTS.xnliDev.path}/ (is "xnli-dev" in download.datasets?)`,
    );
  return raw.file(DOWNLOAD_OUTPUTS.xnliDev, file);
}

/** The retrievers' training languages from the pairs report; null (no seen / unseen split) when there is none. */
async function trainLanguagesOf(evalRef: ArtifactRef): Promise<string[] | null> {
  return evalRef.has(PAIRS_OUTPUTS.report) ? [...(await readPairsReport(evalRef)).params.trainLanguages] : null;
}

/** MLDoc's task, or why there is none: absent is one log line (and a summary line), never silent. */
async function loadMldoc(
  p: ClassifyParams,
  log: { info(msg: string): void; warn(msg: string): void },
): Promise<{ task: Task; reason?: undefined } | { task?: undefined; reason: string }> {
  const dir = mldocDirOf(p.mldocDir);
  if (dir === undefined) {
    const reason = `no MLDoc folder given (set classify.mldocDir or ${MLDOC_ENV}; MLDoc is built from Reuters RCV1/RCV2 and cannot be shipped)`;
    log.warn(`MLDoc skipped: ${reason}`);
    return { reason };
  }
  const located = locateMldoc(dir, p.mldocTrainSize, p.mldocLanguages);
  if (located.missing.length > 0)
    log.warn(`MLDoc: no test file for ${located.missing.join(', ')} in ${dir}; evaluating the others`);
  const tests = [];
  for (const [language, path] of Object.entries(located.test)) tests.push({ language, file: await readMldoc(path) });
  const task = mldocTask(await readMldoc(located.train), await readMldoc(located.dev), tests);
  log.info(
    `MLDoc from ${dir}: train ${task.train.y.length}, dev ${task.heldOut.y.length}, test ${tests.map((t) => `${t.language} ${t.file.labels.length}`).join(', ')}`,
  );
  return { task };
}
