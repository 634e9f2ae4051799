// The score stage as the pipeline runs it: trained models and baselines on a small two-language pool, every
// output read back (Parquet by DuckDB), labels from the models' metadata, seeds folded in the summary, byte-identical
// reruns, and clear errors for a broken evaluation set.
import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStage } from '../../pipelines/engine/testing.ts';
import { scoreStage } from '../../stages/score/index.ts';
import { loadEncoder, saveEncoder } from '../../stages/train/model-io.ts';
import { candidateId, writeToyEvalSet } from '../helpers/eval-set.ts';
import { trainedModel } from '../helpers/trained-model.ts';

const TOPICS = [
  ['river', 'Fluss'],
  ['mountain', 'Berg'],
  ['city', 'Stadt'],
  ['music', 'Musik'],
  ['king', 'König'],
  ['bridge', 'Brücke'],
];

/** A pairs-like artifact folder: 6 sentences per language (en, de), 6 questions per language, answers in both. */
function evalSet(options: { brokenRelevant?: boolean; report?: unknown } = {}): Promise<string> {
  return writeToyEvalSet({
    tag: 'score',
    langs: ['en', 'de'],
    topics: TOPICS.length,
    sentence: (_lang, li, i) =>
      li === 0 ? `The ${TOPICS[i][0]} is near the old town ${i}.` : `Der ${TOPICS[i][1]} liegt bei der Altstadt ${i}.`,
    question: (_lang, li, i) => (li === 0 ? `where is the ${TOPICS[i][0]}?` : `wo ist der ${TOPICS[i][1]}?`),
    relevant: (i) =>
      options.brokenRelevant && i === 2
        ? [candidateId('en', i), 'toy/de/9/9/9']
        : [candidateId('en', i), candidateId('de', i)],
    report: options.report,
  });
}

/** A copy of a train artifact whose model.json carries the labels a pipeline run would give it. */
async function labelled(
  source: string,
  labels: { strategy: string; batchSize: number; seed: number; loss: string },
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-score-model-'));
  const model = await loadEncoder(join(source, 'model'));
  await mkdir(join(dir, 'model'));
  await saveEncoder(join(dir, 'model'), model.config, model.tokenizer.toJSON(), model.weights, {
    loss: labels.loss,
    batches: { fingerprint: 'f', strategy: labels.strategy, batchSize: labels.batchSize, seed: labels.seed },
  });
  return dir;
}

test('scores models and both baselines: metrics.json, metrics.parquet and ranks.parquet agree, summary folds seeds', async (t) => {
  const model = await trainedModel();
  const seedA = await labelled(model, { strategy: 'hybrid', batchSize: 16, seed: 3, loss: 'infonce' });
  const seedB = await labelled(model, { strategy: 'hybrid', batchSize: 16, seed: 4, loss: 'infonce' });
  const { outDir, summary } = await runStage(scoreStage, {
    inputs: { eval: await evalSet(), models: [model, seedA, seedB] },
    params: { backend: 'cpu', block: 5 },
  });
  t.deepEqual(
    summary.retrievers.map((r) => r.id),
    ['bm25', 'random-encoder', 'models#0', 'models#1', 'models#2'],
  );
  t.is(summary.dataset, 'toy');
  // 5 retrievers × 12 queries × 2 relevant candidates.
  t.is(summary.rows.ranks, 120);

  const json = JSON.parse(await readFile(join(outDir, 'metrics.json'), 'utf8'));
  t.is(json.format, 'hybrid-xlr/metrics@1');
  t.deepEqual(json.eval, {
    dataset: 'toy',
    languages: ['en', 'de'],
    trainLanguages: null,
    candidates: 12,
    queries: 12,
    relevantPerQuery: { 2: 12 },
  });
  const labelledRun = json.retrievers[3];
  t.like(labelledRun, { id: 'models#1', kind: 'model', strategy: 'hybrid', batchSize: 16, loss: 'infonce', seed: 3 });
  t.is(json.retrievers[0].kind, 'bm25');

  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const file = join(outDir, 'metrics.parquet');
    const perRetriever = (
      await con.runAndReadAll(
        `select retriever, count(*)::int n from read_parquet('${file}') group by retriever order by retriever`,
      )
    ).getRowObjectsJS();
    // 6 metrics × (2 languages + macro + micro) multilingual, × (2 + macro) mono, × (2 directions + macro) cross; 3
    // bias measures × (2 + micro).
    t.deepEqual(
      perRetriever.map((r) => r.n),
      Array(5).fill(6 * 4 + 6 * 3 + 6 * 3 + 3 * 3),
    );
    const value = (
      await con.runAndReadAll(
        `select value from read_parquet('${file}') where retriever = 'models#1' and setting = 'cross' and query_lang = 'de' and pool_lang = 'en' and metric = 'recall@1'`,
      )
    ).getRowObjectsJS();
    t.is(value[0].value, labelledRun.metrics.cross.byDirection.de.en.values['recall@1']);
    const micro = (
      await con.runAndReadAll(
        `select value, queries from read_parquet('${file}') where retriever = 'bm25' and setting = 'multilingual' and aggregate = 'micro' and metric = 'map@20'`,
      )
    ).getRowObjectsJS();
    t.deepEqual(micro, [{ value: json.retrievers[0].headline.multilingualMap20, queries: 12 }]);
    const labels = (
      await con.runAndReadAll(
        `select distinct kind, strategy, batch_size, seed from read_parquet('${file}') order by kind, seed`,
      )
    ).getRowObjectsJS();
    t.deepEqual(labels, [
      { kind: 'bm25', strategy: null, batch_size: null, seed: null },
      { kind: 'model', strategy: 'hybrid', batch_size: 16, seed: 3 },
      { kind: 'model', strategy: 'hybrid', batch_size: 16, seed: 4 },
      { kind: 'model', strategy: null, batch_size: null, seed: null },
      { kind: 'random', strategy: null, batch_size: null, seed: null },
    ]);
    // Recompute R@1 of the multilingual pool from ranks.parquet: the ranks are what the metrics came from.
    const fromRanks = (
      await con.runAndReadAll(
        `select avg(hit)::double r1 from (select query_id, max((rank_all = 1)::int) hit from read_parquet('${join(outDir, 'ranks.parquet')}') where retriever = 'models#0' group by query_id)`,
      )
    ).getRowObjectsJS();
    t.is(
      Math.round(Number(fromRanks[0].r1) * 1e9),
      Math.round(json.retrievers[2].metrics.multilingual.micro.values['recall@1'] * 2 * 1e9),
      'R@1 with 2 relevant = hits/2',
    );
  } finally {
    con.closeSync();
    db.closeSync();
  }

  const md = await readFile(join(outDir, 'summary.md'), 'utf8');
  t.regex(md, /Zero-shot retrieval on toy: 12 questions, 12 candidate sentences, 2 languages \(en de\)/);
  t.regex(md, /\| BM25 \|/);
  t.regex(md, /\| untrained encoder \|/);
  t.regex(
    md,
    /\| dual encoder \| hybrid \| 16 \| infonce \| 2 \| [0-9.]+ ± [0-9.]+ \|/,
    'two seeds of one configuration fold into one line',
  );
});

test('same inputs and params: byte-identical metrics and ranks', async (t) => {
  const model = await trainedModel();
  const data = await evalSet();
  const a = await runStage(scoreStage, {
    inputs: { eval: data, models: [model] },
    params: { backend: 'cpu', baselines: ['random'] },
  });
  const b = await runStage(scoreStage, {
    inputs: { eval: data, models: [model] },
    params: { backend: 'cpu', baselines: ['random'], block: 1 },
  });
  for (const file of ['metrics.parquet', 'ranks.parquet', 'metrics.json', 'summary.md']) {
    t.true((await readFile(join(a.outDir, file))).equals(await readFile(join(b.outDir, file))), `${file} differs`);
  }
});

test("no models: the baselines alone, with the train stage's default architecture", async (t) => {
  const { summary } = await runStage(scoreStage, {
    inputs: { eval: await evalSet(), models: [] },
    params: { backend: 'cpu', ranks: false },
  });
  t.deepEqual(
    summary.retrievers.map((r) => r.id),
    ['bm25', 'random-encoder'],
  );
  t.false('ranks' in summary.rows);
  // Every English question shares its topic word with exactly one English sentence: BM25 gets mono R@1 = 1 there.
  t.true(summary.retrievers[0].headline.monoR1 > 0.4);
});

test("the pairs report's training languages split R@1 into seen and zero-shot languages", async (t) => {
  const model = await trainedModel();
  const data = await evalSet({ report: { params: { trainLanguages: ['en', 'es'] } } });
  const { outDir, summary } = await runStage(scoreStage, {
    inputs: { eval: data, models: [model] },
    params: { backend: 'cpu', baselines: ['bm25'] },
  });
  t.deepEqual(summary.trainLanguages, ['en', 'es']);
  const json = JSON.parse(await readFile(join(outDir, 'metrics.json'), 'utf8'));
  t.deepEqual(json.eval.trainLanguages, ['en', 'es']);
  const h = json.retrievers[1].headline;
  t.is(h.monoR1Seen, json.retrievers[1].metrics.mono.byLanguage.en.values['recall@1']);
  t.is(h.monoR1ZeroShot, json.retrievers[1].metrics.mono.byLanguage.de.values['recall@1']);
  t.is(h.crossR1Seen, null, 'no direction between two seen languages: NaN, written as null');
  const md = await readFile(join(outDir, 'summary.md'), 'utf8');
  t.regex(md, /trained on en es; zero-shot here: de\./);

  const bad = await evalSet({ report: { params: { trainLanguages: 'en' } } });
  await t.throwsAsync(
    runStage(scoreStage, { inputs: { eval: bad, models: [] }, params: { backend: 'cpu', baselines: ['bm25'] } }),
    { message: /report\.json: params\.trainLanguages must be a list of language codes/ },
  );
});

test('a relevant id missing from the pool is an error naming the file and the query', async (t) => {
  const broken = await evalSet({ brokenRelevant: true });
  await t.throwsAsync(
    runStage(scoreStage, { inputs: { eval: broken, models: [] }, params: { backend: 'cpu', baselines: ['bm25'] } }),
    {
      message:
        /queries\.arrow: query "q2\/en" lists relevant_ids "toy\/de\/9\/9\/9", which is not in .*candidates\.arrow/,
    },
  );
});

test('params: a bad value names the param', async (t) => {
  await t.throwsAsync(
    runStage(scoreStage, { inputs: { eval: await evalSet(), models: [] }, params: { baselines: ['tfidf'] } }),
    { message: /baselines/ },
  );
  await t.throwsAsync(runStage(scoreStage, { inputs: { eval: await evalSet(), models: [] }, params: { bm25B: 2 } }), {
    message: /bm25B/,
  });
});
