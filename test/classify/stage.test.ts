// The classify stage as the pipeline runs it: a trained model and both baselines on real XNLI files (three
// languages) and a written MLDoc folder; every output read back (Parquet by DuckDB), byte-identical reruns, MLDoc
// skipped out loud when absent, and clear errors for bad params and a download artifact without XNLI.
import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStage } from '../../pipelines/engine/testing.ts';
import { CLASSIFY_FILES, classifyStage } from '../../stages/classify/index.ts';
import { loadEncoder, saveEncoder } from '../../stages/train/model-io.ts';
import { trainStage } from '../../stages/train/index.ts';
import { SMALL, syntheticBatches, syntheticDev } from '../train/fixture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LANGS = ['de', 'en', 'sw'];

let raw: Promise<string> | undefined;
/** A download-like folder with three XNLI languages and the English–German MUSE dictionary (none for Swahili). */
function rawFolder(): Promise<string> {
  raw ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hxlr-classify-raw-'));
    await mkdir(join(dir, 'xnli-dev'));
    await mkdir(join(dir, 'muse'));
    for (const l of LANGS)
      await copyFile(join(ROOT, 'data', 'xnli-dev', `dev-${l}.tsv`), join(dir, 'xnli-dev', `dev-${l}.tsv`));
    await copyFile(join(ROOT, 'data', 'muse', 'en-de.tsv'), join(dir, 'muse', 'en-de.tsv'));
    return dir;
  })();
  return raw;
}

/** A pairs-like folder: report.json with the training languages, or no report at all (languages unknown). */
async function evalFolder(trainLanguages?: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-classify-eval-'));
  if (trainLanguages)
    await writeFile(join(dir, 'report.json'), JSON.stringify({ params: { trainLanguages, evalLanguages: ['en'] } }));
  else await writeFile(join(dir, 'queries.arrow'), '');
  return dir;
}

let trained: Promise<string> | undefined;
/** One small trained model (cpu), labelled as a pipeline run would label it. */
function trainedModel(): Promise<string> {
  trained ??= (async () => {
    const batches = await syntheticBatches(12, 16);
    const { outDir } = await runStage(trainStage, {
      inputs: { batches, dev: await syntheticDev() },
      params: { ...SMALL, checkpointEvery: 0 },
    });
    const dir = await mkdtemp(join(tmpdir(), 'hxlr-classify-model-'));
    const model = await loadEncoder(join(outDir, 'model'));
    await mkdir(join(dir, 'model'));
    await saveEncoder(join(dir, 'model'), model.config, model.tokenizer.toJSON(), model.weights, {
      loss: 'infonce',
      batches: { fingerprint: 'f', strategy: 'hybrid', batchSize: 16, seed: 3 },
    });
    return dir;
  })();
  return trained;
}

const TOPIC = {
  CCAT: ['company', 'Firma'],
  ECAT: ['economy', 'Wirtschaft'],
  GCAT: ['government', 'Regierung'],
  MCAT: ['market', 'Markt'],
} as const;

/** MLDoc files in the published format: each label's documents repeat its topic word. */
async function mldocFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-classify-mldoc-'));
  const docs = (n: number, lang: 0 | 1, salt: number) =>
    Array.from({ length: n }, (_, i) => {
      const label = Object.keys(TOPIC)[i % 4] as keyof typeof TOPIC;
      return `${label}\t${TOPIC[label][lang]} ${TOPIC[label][lang]} report ${i + salt} ${TOPIC[label][lang]}\n`;
    }).join('');
  await writeFile(join(dir, 'english.train.1000'), docs(40, 0, 0));
  await writeFile(join(dir, 'english.dev'), docs(12, 0, 100));
  await writeFile(join(dir, 'english.test'), docs(16, 0, 200));
  await writeFile(join(dir, 'german.test'), docs(16, 1, 300));
  return dir;
}

const FAST = { backend: 'cpu', languages: LANGS, maxEpochs: 30, attackPerLanguage: 6, attackMaxModelCalls: 8 };

test('probes a model and both baselines on XNLI and MLDoc: metrics.parquet, metrics.json and summary.md agree', async (t) => {
  const mldocDir = await mldocFolder();
  const { outDir, summary } = await runStage(classifyStage, {
    inputs: { raw: await rawFolder(), eval: await evalFolder(['en', 'de']), models: [await trainedModel()] },
    params: { ...FAST, mldocDir },
  });
  t.deepEqual(
    summary.retrievers.map((r) => r.id),
    ['random-encoder', 'lexical-words', 'models#0'],
  );
  t.deepEqual(summary.xnli, {
    languages: 3,
    trainRows: 996,
    heldOutRows: 249,
    testRowsPerLanguage: 1245,
    unlabelled: 0,
  });
  t.is(summary.mldoc, 'evaluated: en de');

  const json = JSON.parse(await readFile(join(outDir, CLASSIFY_FILES.metricsJson), 'utf8'));
  t.is(json.format, 'hybrid-xlr/classify-metrics@1');
  t.deepEqual(json.xnli.split.premises, { test: 415, heldOut: 83, train: 332 });
  t.like(json.retrievers[2], {
    id: 'models#0',
    kind: 'model',
    strategy: 'hybrid',
    batchSize: 16,
    loss: 'infonce',
    seed: 3,
  });
  const modelXnli = json.retrievers[2].results.find((r: { dataset: string }) => r.dataset === 'xnli');
  t.deepEqual(modelXnli.summary.seenLanguages, ['de']);
  t.deepEqual(modelXnli.summary.unseenLanguages, ['sw']);
  // The lexical probe on MLDoc's topic words: English is learnable by construction.
  const lexMldoc = json.retrievers[1].results.find((r: { dataset: string }) => r.dataset === 'mldoc');
  t.is(lexMldoc.byLanguage.find((l: { language: string }) => l.language === 'en').accuracy, 1);

  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const file = join(outDir, CLASSIFY_FILES.metrics);
    const en = (
      await con.runAndReadAll(
        `select value, examples from read_parquet('${file}') where retriever = 'models#0' and dataset = 'xnli' and language = 'en' and recipe = 'clean' and metric = 'accuracy'`,
      )
    ).getRowObjectsJS();
    t.deepEqual(en, [
      { value: modelXnli.byLanguage.find((l: { language: string }) => l.language === 'en').accuracy, examples: 1245 },
    ]);
    const gap = (
      await con.runAndReadAll(
        `select value from read_parquet('${file}') where retriever = 'models#0' and dataset = 'xnli' and recipe = 'clean' and metric = 'transfer_gap'`,
      )
    ).getRowObjectsJS();
    t.deepEqual(gap, [{ value: modelXnli.summary.gap }]);
    const kinds = (
      await con.runAndReadAll(
        `select distinct retriever, kind, strategy, batch_size, loss, seed from read_parquet('${file}') order by retriever`,
      )
    ).getRowObjectsJS();
    t.deepEqual(kinds, [
      { retriever: 'lexical-words', kind: 'lexical', strategy: null, batch_size: null, loss: null, seed: null },
      { retriever: 'models#0', kind: 'model', strategy: 'hybrid', batch_size: 16, loss: 'infonce', seed: 3 },
      { retriever: 'random-encoder', kind: 'random', strategy: null, batch_size: null, loss: null, seed: null },
    ]);
    const languages = (
      await con.runAndReadAll(
        `select dataset, string_agg(distinct language, ' ' order by language) l from read_parquet('${file}') where metric = 'accuracy' group by dataset order by dataset`,
      )
    ).getRowObjectsJS();
    t.deepEqual(languages, [
      { dataset: 'mldoc', l: 'de en macro seen zero-shot' },
      { dataset: 'xnli', l: 'de en macro seen sw unseen zero-shot' },
    ]);
    const drop = (
      await con.runAndReadAll(
        `select language, value from read_parquet('${file}') where retriever = 'models#0' and recipe = 'greedy' and metric = 'accuracy_drop' order by language`,
      )
    ).getRowObjectsJS();
    t.deepEqual(
      drop.map((r) => r.language),
      ['de', 'en', 'macro', 'sw'],
    );
  } finally {
    con.closeSync();
    db.closeSync();
  }

  // Under attack: every recipe on 6 pairs per language; codemix only where MUSE has a dictionary (en, de).
  const recipes = (id: string) =>
    json.retrievers
      .find((r: { id: string }) => r.id === id)
      .results.filter((r: { dataset: string }) => r.dataset === 'xnli')
      .map((r: { recipe: string }) => r.recipe);
  t.deepEqual(recipes('models#0'), ['clean', 'char', 'homoglyph', 'codemix', 'greedy']);
  t.deepEqual(json.attack.noDictionary, ['sw']);
  for (const r of json.retrievers) {
    for (const res of r.results.filter((x: { recipe: string }) => x.recipe !== 'clean')) {
      t.deepEqual(
        res.byLanguage.map((l: { language: string }) => l.language),
        res.recipe === 'codemix' ? ['de', 'en'] : LANGS,
        `${r.id} ${res.recipe}`,
      );
      for (const a of res.attack) {
        t.is(a.examples, 6);
        t.is(a.attacked + a.skipped, 6, 'every sampled pair is attacked or skipped');
        t.true(a.successful <= a.attacked && a.unchanged <= a.attacked - a.successful);
        t.is(
          res.byLanguage.find((l: { language: string }) => l.language === a.language).accuracy,
          (a.attacked - a.successful) / 6,
        );
        if (res.recipe === 'greedy') t.true(a.modelCalls <= 8 * a.attacked, 'the call budget holds');
      }
    }
  }
  const greedy = json.retrievers.flatMap((r: { results: { recipe: string; attack?: { successful: number }[] }[] }) =>
    r.results.filter((x) => x.recipe === 'greedy'),
  );
  t.true(
    greedy.some((g: { attack: { successful: number }[] }) => g.attack.some((a) => a.successful > 0)),
    'greedy flips some labels',
  );

  const md = await readFile(join(outDir, CLASSIFY_FILES.summary), 'utf8');
  t.regex(md, /Under attack: the attack stage's recipes on the hypotheses of 6 part-B pairs per language/);
  t.regex(md, /No MUSE dictionary for sw: codemix leaves them out/);
  t.regex(
    md,
    /\| dual encoder \| hybrid \| 16 \| infonce \| 3 \| greedy \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| \d+ \| \d+ \| \d+ \| [0-9.]+ \| [0-9.]+ \|/,
  );
  t.regex(
    md,
    /trained on English XNLI dev part A \(332 premises, 996 pairs; early stopping on 83 held-out premises, 249 pairs\), evaluated on part B \(415 other premises, 1245 pairs\) in 3 languages/,
  );
  t.regex(md, /\| untrained encoder \|/);
  t.regex(md, /\| lexical \(hashed words\) \|/);
  t.regex(md, /\| dual encoder \| hybrid \| 16 \| infonce \| 3 \| [0-9.]+ \|/);
  t.regex(
    md,
    /## MLDoc\n\nA softmax probe on the frozen document vector, trained on English \(40 documents, early stopping on english.dev, 12\), tested in 2 languages/,
  );
});

test('same inputs and params: byte-identical outputs', async (t) => {
  const inputs = { raw: await rawFolder(), eval: await evalFolder(['en']), models: [await trainedModel()] };
  const a = await runStage(classifyStage, { inputs, params: { ...FAST, baselines: ['lexical'] } });
  const b = await runStage(classifyStage, { inputs, params: { ...FAST, baselines: ['lexical'] } });
  for (const file of Object.values(CLASSIFY_FILES)) {
    t.true((await readFile(join(a.outDir, file))).equals(await readFile(join(b.outDir, file))), `${file} differs`);
  }
});

test.serial(
  'MLDoc absent: skipped with a line in the summary; HXLR_MLDOC_DIR is read when the param is not set',
  async (t) => {
    const inputs = { raw: await rawFolder(), eval: await evalFolder(), models: [] };
    const before = process.env.HXLR_MLDOC_DIR;
    try {
      delete process.env.HXLR_MLDOC_DIR;
      const skipped = await runStage(classifyStage, { inputs, params: { ...FAST, baselines: ['lexical'] } });
      t.regex(skipped.summary.mldoc, /^skipped: no MLDoc folder given \(set classify.mldocDir or HXLR_MLDOC_DIR/);
      t.regex(
        await readFile(join(skipped.outDir, CLASSIFY_FILES.summary), 'utf8'),
        /\nMLDoc: skipped — no MLDoc folder given/,
      );
      t.regex(await readFile(join(skipped.outDir, CLASSIFY_FILES.summary), 'utf8'), /no seen \/ unseen split/);
      process.env.HXLR_MLDOC_DIR = await mldocFolder();
      t.deepEqual(
        Object.keys(classifyStage.env!(classifyStage.params.parse({ backend: 'cpu' }))).includes('mldoc'),
        true,
      );
      const found = await runStage(classifyStage, { inputs, params: { ...FAST, baselines: ['lexical'] } });
      t.is(found.summary.mldoc, 'evaluated: en de');
      process.env.HXLR_MLDOC_DIR = join(tmpdir(), 'hxlr-no-such-mldoc');
      await t.throwsAsync(runStage(classifyStage, { inputs, params: { ...FAST, baselines: ['lexical'] } }), {
        message: /MLDoc folder .*hxlr-no-such-mldoc does not exist/,
      });
    } finally {
      if (before === undefined) delete process.env.HXLR_MLDOC_DIR;
      else process.env.HXLR_MLDOC_DIR = before;
    }
  },
);

test('bad input: unknown language, no English, a download artifact without XNLI', async (t) => {
  const inputs = { raw: await rawFolder(), eval: await evalFolder(), models: [] };
  await t.throwsAsync(runStage(classifyStage, { inputs, params: { languages: ['en', 'xx'] } }), {
    message: /classify\.languages/,
  });
  await t.throwsAsync(runStage(classifyStage, { inputs, params: { languages: ['de', 'sw'] } }), {
    message: /must include "en"/,
  });
  await t.throwsAsync(runStage(classifyStage, { inputs, params: { mldocLanguages: ['en', 'xx'] } }), {
    message: /classify\.mldocLanguages/,
  });
  const empty = await mkdtemp(join(tmpdir(), 'hxlr-classify-noxnli-'));
  await writeFile(join(empty, 'sources.json'), '{}');
  await t.throwsAsync(runStage(classifyStage, { inputs: { ...inputs, raw: empty }, params: FAST }), {
    message: /classify: the download artifact has no xnli-dev\/ \(is "xnli-dev" in download\.datasets\?\)/,
  });
});
