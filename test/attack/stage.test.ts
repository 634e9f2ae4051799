// The attack stage as the pipeline runs it, on a five-script toy set with one small trained model: every output read
// back (Parquet by DuckDB), byte-identical reruns, the transfer matrix's shape, the bad-input reports (a language
// without a dictionary, a featureless query), clear param errors; and score on the attacked sets, whose numbers
// must agree with the attack's own rank bookkeeping.
import test from 'ava';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStage } from '../../pipelines/engine/testing.ts';
import { ATTACK_FILES, attackStage, loadAttackedQueries, RECIPES } from '../../stages/attack/index.ts';
import { scoreStage } from '../../stages/score/index.ts';
import { loadEncoder, saveEncoder } from '../../stages/train/model-io.ts';
import { evalSet, LANGS, rawFolder, trainedModel } from './fixture.ts';
import { duckRows } from '../helpers/duckdb.ts';

/** A copy of the trained model with its weights scaled: a second, different model of the same shape. */
async function variant(source: string, scale: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-attack-model-'));
  const model = await loadEncoder(join(source, 'model'));
  await mkdir(join(dir, 'model'));
  const table = model.weights.table.map((v, i) => (i % 7 === 0 ? v * scale : v));
  await saveEncoder(
    join(dir, 'model'),
    model.config,
    model.tokenizer.toJSON(),
    { ...model.weights, table },
    { loss: 'albef', batches: { strategy: 'cross', batchSize: 8, seed: 2 } },
  );
  return dir;
}

const PARAMS = { backend: 'cpu', perLanguage: 3 } as const;

let shared:
  | Promise<{
      outDir: string;
      models: string[];
      eval: string;
      raw: string;
      summary: Awaited<ReturnType<typeof attackStage.run>>;
    }>
  | undefined;
function attacked() {
  shared ??= (async () => {
    const a = await trainedModel();
    const models = [a, await variant(a, -1)];
    const data = await evalSet({ firstQuestion: '?!' });
    const raw = await rawFolder();
    const { outDir, summary } = await runStage(attackStage, {
      inputs: { eval: data, raw, models },
      params: { ...PARAMS, perLanguage: 6 },
    });
    return { outDir, models, eval: data, raw, summary };
  })();
  return shared;
}

test('attacks.parquet: one row per model × recipe × sampled query, statuses consistent with the ranks', async (t) => {
  const { outDir, summary } = await attacked();
  t.is(summary.sampled, 30);
  t.is(summary.models, 2);
  t.is(summary.disagreements, 0, "greedy's own ranks agree with score's ranking");
  const file = join(outDir, ATTACK_FILES.attacks);
  // codemix: only en, de, ru have a dictionary → 18 of the 30 queries.
  const counts = await duckRows(`select recipe, count(*)::int n from '${file}' group by recipe order by recipe`);
  t.deepEqual(counts, [
    { recipe: 'char', n: 60 },
    { recipe: 'codemix', n: 36 },
    { recipe: 'greedy', n: 60 },
    { recipe: 'homoglyph', n: 60 },
  ]);
  const bad = await duckRows(
    `select * from '${file}' where (status = 'successful') <> success or (status = 'successful' and not (rank_before <= 1 and rank_after > 1)) ` +
      `or (status = 'failed' and not (rank_before <= 1 and rank_after <= 1)) or (status = 'skipped' and rank_before <= 1)`,
  );
  t.deepEqual(bad, []);
  const unchanged = await duckRows(
    `select count(*)::int n from '${file}' where status = 'featureless' and adversarial <> original`,
  );
  t.is(unchanged[0].n, 0);
  const greedy = await duckRows(
    `select max(model_calls) calls, max(edits) edits, max(perturbed_share) as sh, count(distinct params_digest)::int digests from '${file}' where recipe = 'greedy'`,
  );
  t.true(Number(greedy[0].calls) <= 40 && Number(greedy[0].edits) <= 3 && Number(greedy[0].sh) <= 0.25 + 1e-9);
  t.is(greedy[0].digests, 1);
  const changed = await duckRows(
    `select count(*)::int n from '${file}' where status in ('successful', 'failed') and adversarial = original and recipe <> 'greedy'`,
  );
  t.is(changed[0].n, 0, 'an attacked query is changed');
  const labels = await duckRows(
    `select distinct kind, strategy, batch_size, loss, seed from '${file}' where retriever = 'models#1'`,
  );
  t.deepEqual(labels, [{ kind: 'model', strategy: 'cross', batch_size: 8, loss: 'albef', seed: 2 }]);
});

test('the featureless query and the languages without a dictionary are reported, not silent', async (t) => {
  const { outDir, summary } = await attacked();
  t.is(summary.featurelessQueries, 1, 'q0/en is "?!"');
  t.deepEqual(summary.noDictionary, ['el', 'th']);
  t.deepEqual(summary.layoutFree, ['th']);
  const featureless = await duckRows(
    `select distinct recipe, status from '${join(outDir, ATTACK_FILES.attacks)}' where query_id = 'q0/en' order by recipe`,
  );
  t.deepEqual(
    featureless.map((r) => r.status),
    ['featureless', 'featureless', 'featureless', 'featureless'],
  );
  const md = await readFile(join(outDir, ATTACK_FILES.summary), 'utf8');
  t.regex(md, /codemix: no MUSE dictionary for el th; their queries were skipped/);
  t.regex(md, /char: no keyboard layout for th/);
  t.regex(md, /Featureless sampled queries .*: 1\./);
  const report = JSON.parse(await readFile(join(outDir, ATTACK_FILES.report), 'utf8'));
  t.deepEqual(report.noDictionary, ['el', 'th']);
});

test('attack table and transfer matrix: shape, diagonal equals the white-box R@1', async (t) => {
  const { outDir } = await attacked();
  const table = await duckRows(
    `select retriever, recipe, queries, successful + failed + skipped + featureless total, clean_r1, attacked_r1 from '${join(outDir, ATTACK_FILES.table)}' order by retriever, recipe`,
  );
  t.is(table.length, 8);
  for (const r of table) t.is(r.total, r.queries);
  const transfer = join(outDir, ATTACK_FILES.transfer);
  const shape = await duckRows(
    `select count(distinct source_retriever)::int s, count(distinct target_retriever)::int tg, count(*)::int n from '${transfer}'`,
  );
  t.deepEqual(shape, [{ s: 2, tg: 2, n: 2 * 2 * 2 * 3 }]);
  // White-box diagonal: mono R@1 of the greedy queries on their own model = the attack's share of rank_after = 1,
  // macro-averaged over languages as score averages.
  const diag = await duckRows(
    `select source_retriever, value from '${transfer}' where source_retriever = target_retriever and recipe = 'greedy' and metric = 'mono_recall@1' order by 1`,
  );
  const own = await duckRows(
    `select retriever, avg(r1) as v from (select retriever, query_lang, avg((rank_after = 1)::int) r1 from '${join(outDir, ATTACK_FILES.attacks)}' where recipe = 'greedy' group by 1, 2) group by 1 order by 1`,
  );
  t.deepEqual(
    diag.map((r) => [r.source_retriever, Number(r.value).toFixed(9)]),
    own.map((r) => [r.retriever, Number(r.v).toFixed(9)]),
  );
});

test('same inputs and params: byte-identical files (the block size is a runtime param)', async (t) => {
  const { outDir, models, eval: data, raw } = await attacked();
  const again = await runStage(attackStage, {
    inputs: { eval: data, raw, models },
    params: { ...PARAMS, perLanguage: 6, block: 1 },
  });
  for (const file of Object.values(ATTACK_FILES)) {
    t.true((await readFile(join(outDir, file))).equals(await readFile(join(again.outDir, file))), `${file} differs`);
  }
});

test('score on the attacked sets: query_set rows, robustness table, and no disagreement with the attack', async (t) => {
  const { outDir, models, eval: data } = await attacked();
  const scored = await runStage(scoreStage, {
    inputs: { eval: data, models, attacks: outDir },
    params: { backend: 'cpu' },
  });
  t.deepEqual(scored.summary.querySets, ['clean', 'sample', 'char', 'homoglyph', 'codemix', 'greedy']);
  const metrics = join(scored.outDir, 'metrics.parquet');
  const sets = await duckRows(
    `select retriever, list(distinct query_set order by query_set) as qs from '${metrics}' group by 1 order by 1`,
  );
  t.deepEqual(
    sets.map((r) => [r.retriever, r.qs]),
    [
      ['bm25', ['char', 'clean', 'codemix', 'homoglyph', 'sample']],
      ['models#0', ['char', 'clean', 'codemix', 'greedy', 'homoglyph', 'sample']],
      ['models#1', ['char', 'clean', 'codemix', 'greedy', 'homoglyph', 'sample']],
      ['random-encoder', ['char', 'clean', 'codemix', 'homoglyph', 'sample']],
    ],
  );
  // Per language: score's mono R@1 on each model's greedy set = the attack's share of queries with rank_after = 1.
  for (const recipe of RECIPES) {
    const fromScore = await duckRows(
      `select retriever, query_lang, value from '${metrics}' where query_set = '${recipe}' and setting = 'mono' and aggregate = 'language' and metric = 'recall@1' and retriever like 'models#%' order by 1, 2`,
    );
    const fromAttack = await duckRows(
      `select retriever, query_lang, avg((rank_after = 1)::int) as value from '${join(outDir, ATTACK_FILES.attacks)}' where recipe = '${recipe}' group by 1, 2 order by 1, 2`,
    );
    t.deepEqual(
      fromScore.map((r) => `${r.retriever} ${r.query_lang} ${Number(r.value).toFixed(9)}`),
      fromAttack.map((r) => `${r.retriever} ${r.query_lang} ${Number(r.value).toFixed(9)}`),
      recipe,
    );
  }
  const successes = await duckRows(
    `select count(*)::int n from '${join(outDir, ATTACK_FILES.attacks)}' where recipe = 'greedy' and success`,
  );
  t.true(Number(successes[0].n) > 0, 'the greedy attack succeeds on some queries');
  const json = JSON.parse(await readFile(join(scored.outDir, 'metrics.json'), 'utf8'));
  t.is(json.retrievers[0].query_set, 'clean');
  t.true(
    json.retrievers.some((r: { id: string; query_set: string }) => r.id === 'models#1' && r.query_set === 'greedy'),
  );
  const md = await readFile(join(scored.outDir, 'summary.md'), 'utf8');
  t.regex(md, /Robustness: the attack stage's 30 sampled questions/);
  t.regex(md, /\| dual encoder \| cross \| 8 \| albef \| mono R@1 \| [0-9.]+ \| [0-9.]+ \([+−][0-9.]+\) \|/);
  // ranks.parquet keeps the clean set only.
  const ranked = await duckRows(`select count(*)::int n from '${join(scored.outDir, 'ranks.parquet')}'`);
  t.is(ranked[0].n, 4 * 30 * LANGS.length);
});

test('loadAttackedQueries: the sample, model-independent recipes once, greedy per model', async (t) => {
  const { outDir } = await attacked();
  const { artifactRef } = await import('../../pipelines/engine/artifact-ref.ts');
  const { hashFolderFiles } = await import('../../pipelines/engine/hashing.ts');
  const files = await hashFolderFiles(outDir);
  const ref = artifactRef('attack', outDir, { stage: 'attack', fingerprint: 't', files } as never);
  const loaded = await loadAttackedQueries(ref);
  t.deepEqual(
    loaded.map((s) => [s.name, s.retriever, s.queryIds.length]),
    [
      ['sample', null, 30],
      ['char', null, 30],
      ['homoglyph', null, 30],
      ['codemix', null, 18],
      ['greedy', 'models#0', 30],
      ['greedy', 'models#1', 30],
    ],
  );
});

test('params: unknown recipe, budget out of range, k < 1 are errors naming the param', async (t) => {
  const inputs = { eval: await evalSet(), raw: await rawFolder(), models: [] };
  await t.throwsAsync(runStage(attackStage, { inputs, params: { recipes: ['typo'] } }), { message: /recipes/ });
  await t.throwsAsync(runStage(attackStage, { inputs, params: { wordShare: 1.5 } }), { message: /wordShare/ });
  await t.throwsAsync(runStage(attackStage, { inputs, params: { maxModelCalls: 1 } }), { message: /maxModelCalls/ });
  await t.throwsAsync(runStage(attackStage, { inputs, params: { k: 0 } }), { message: /\bk\b/ });
  await t.throwsAsync(runStage(attackStage, { inputs, params: { perLanguage: 0 } }), { message: /perLanguage/ });
});

test('no model: empty tables and a summary that says so', async (t) => {
  const { outDir, summary } = await runStage(attackStage, {
    inputs: { eval: await evalSet(), raw: await rawFolder(), models: [] },
    params: PARAMS,
  });
  t.deepEqual(summary.rows, { attacks: 0, table: 0, transfer: 0 });
  t.regex(await readFile(join(outDir, ATTACK_FILES.summary), 'utf8'), /No model to attack\./);
});
