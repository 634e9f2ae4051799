// The report stage on constructed upstream artifacts with a known answer (fixture.ts): the effect built in is found,
// the null is not, the written answer says so from the numbers, sections without their input say "not in this
// pipeline", every data file is byte-identical on a rerun, and bad params fail naming the param.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runStage } from '../../pipelines/engine/testing.ts';
import { reportStage, REPORT_FILES } from '../../stages/report/index.ts';
import { attackedFixtures, classifyFixture, scoreFixture, trainFixtures } from './fixture.ts';
import { duckRows } from '../helpers/duckdb.ts';

const FAST = { resamples: 1000 };

test('score alone: the built-in effect is detected, the null is not, and attack/XNLI sections say they are not in this pipeline', async (t) => {
  const { outDir, summary } = await runStage(reportStage, {
    inputs: { score: await scoreFixture(), models: await trainFixtures() },
    params: FAST,
  });
  const status = Object.fromEntries(summary.figures.map((f) => [f.id, f.status]));
  t.deepEqual(status, {
    'quality-clean': 'rendered',
    'quality-attacked': 'absent',
    'robustness-drop': 'absent',
    'language-bias': 'rendered',
    'direction-heatmap': 'rendered',
    'transfer-matrix': 'absent',
    'xnli-accuracy': 'absent',
    'training-curves': 'rendered',
  });
  const stats = join(outDir, REPORT_FILES.stats);
  // hybrid − cross on cross R@1: built in as +0.20 (hit rates 0.45 vs 0.25), at both batch sizes.
  const cross = await duckRows(
    `select batch_size, estimate, ci_low, ci_high, distinguishable, questions, queries, seeds_a, resamples from '${stats}' where contrast = 'hybrid-cross' and metric = 'cross_r1' order by batch_size`,
  );
  t.is(cross.length, 2);
  for (const r of cross) {
    t.true(r.distinguishable as boolean);
    t.true(Math.abs((r.estimate as number) - 0.2) < 0.06, `estimate ${r.estimate} near 0.20`);
    t.true((r.ci_low as number) < 0.2 && (r.ci_high as number) > 0.2, 'the interval holds the true effect');
    t.like(r, { questions: 80, queries: 240, seeds_a: 3, resamples: 1000 });
  }
  // mono R@1 is the same for every strategy by construction: estimate 0, not distinguishable.
  const mono = await duckRows(
    `select estimate, distinguishable from '${stats}' where contrast like 'hybrid-%' and metric = 'mono_r1'`,
  );
  t.is(mono.length, 4);
  for (const r of mono) t.deepEqual(r, { estimate: 0, distinguishable: false });
  t.is((await duckRows(`select count(*)::int n from '${stats}' where contrast = 'drop-change'`))[0].n, 0);

  const md = await readFile(join(outDir, REPORT_FILES.markdown), 'utf8');
  const html = await readFile(join(outDir, REPORT_FILES.html), 'utf8');
  const printed = await readFile(join(outDir, REPORT_FILES.summary), 'utf8');
  for (const text of [md, html]) {
    t.regex(text, /not in this pipeline: it has no attack node/);
    t.regex(text, /not in this pipeline: it has no classify node/);
    t.regex(text, /not in this pipeline: score has no attacked query set/);
  }
  // The answer is the numbers': hybrid beats cross on cross R@1 at both sizes, and the interval is quoted.
  const hc = cross.map((r) => r.estimate as number);
  // mAP@20 follows (the multilingual pool ranks the other languages' answers too); mono R@1 does not.
  t.regex(
    printed,
    /\*\*Hybrid vs cross-only batches\.\*\* Of 6 comparisons \(3 metrics × 2 batch sizes\), hybrid is better in 4 \(multilingual mAP@20 at B = 32 \(\+0\.\d{3} \[\+0\.\d{3}, \+0\.\d{3}\]\), cross R@1 at B = 32 .*and cross R@1 at B = 512 .*\), worse in 0, and not distinguishable in 2\./,
  );
  t.true(printed.includes(`+${hc[0].toFixed(3)}`), 'the printed effect is the computed one');
  t.regex(printed, /\*\*Robustness to adversarial queries:\*\* not in this pipeline/);
  t.regex(printed, /\*\*XNLI under attack:\*\* not in this pipeline/);
  t.regex(printed, /report\.html \(self-contained\)/);
  t.regex(md, /## Method: which test and why/);
  t.regex(md, /resampling unit is the question/);
  t.regex(md, /## Limitations/);
  // Provenance: every file read, with its digest.
  const prov = JSON.parse(await readFile(join(outDir, REPORT_FILES.provenance), 'utf8'));
  t.deepEqual(
    prov.artifacts[0].files.map((f: { path: string }) => f.path),
    ['metrics.json', 'metrics.parquet', 'ranks.parquet'],
  );
  t.is(prov.artifacts.filter((a: { input: string }) => a.input === 'models').length, 18);
  t.deepEqual(prov.backends, []);
  t.regex(md, /\| score \| score#0 \| \S+\/test \| ranks\.parquet \| [0-9a-f]{16} \|/);
  // Each rendered figure has its SVG and its data beside report.md; no file for an absent one.
  const files = (await readdir(join(outDir, REPORT_FILES.figures))).sort();
  t.deepEqual(files, [
    'direction-heatmap.parquet',
    'direction-heatmap.svg',
    'language-bias.parquet',
    'language-bias.svg',
    'quality-clean.parquet',
    'quality-clean.svg',
    'training-curves.parquet',
    'training-curves.svg',
  ]);
  const quality = await duckRows(
    `select strategy, batch_size, round(mean, 6) m, seeds, sd is null no_sd from '${join(outDir, 'figures', 'quality-clean.parquet')}' where series = 'model' and metric = 'mono_r1' order by strategy, batch_size`,
  );
  t.is(quality.length, 6);
  t.true(quality.every((r) => r.seeds === 3 && r.no_sd === false));
});

test('with attack and classify: robustness drop, transfer matrix and XNLI figures, and the drop change built in is found', async (t) => {
  const { outDir, summary } = await runStage(reportStage, {
    inputs: { ...(await attackedFixtures()), models: await trainFixtures(), classify: await classifyFixture() },
    params: FAST,
  });
  t.true(
    summary.figures.every((f) => f.status === 'rendered'),
    JSON.stringify(summary.figures),
  );
  const stats = join(outDir, REPORT_FILES.stats);
  // Hybrid's mono R@1 drop under "char": 0.5 − 0.1 = 0.4 at B = 32, 0.5 − 0.4 = 0.1 at B = 512: change −0.3.
  const [drop] = await duckRows(
    `select estimate, ci_low, ci_high, distinguishable, mean_a, mean_b, batch_from, batch_to from '${stats}' where contrast = 'drop-change' and strategy = 'hybrid' and metric = 'mono_r1' and query_set = 'char'`,
  );
  t.true(drop.distinguishable as boolean);
  t.true(Math.abs((drop.estimate as number) + 0.3) < 0.08, `drop change ${drop.estimate} near −0.30`);
  t.like(drop, { batch_from: 32, batch_to: 512 });
  // Mono batches' drop is 0.25 at both sizes: no change built in.
  const [flat] = await duckRows(
    `select estimate, ci_low, ci_high from '${stats}' where contrast = 'drop-change' and strategy = 'mono' and metric = 'mono_r1'`,
  );
  t.true(
    (flat.ci_low as number) < 0.05 && (flat.ci_high as number) > -0.05 && Math.abs(flat.estimate as number) < 0.08,
    JSON.stringify(flat),
  );
  const printed = await readFile(join(outDir, REPORT_FILES.summary), 'utf8');
  t.regex(
    printed,
    /Under char \(drop = unperturbed − attacked, same queries\), mono R@1: drop 0\.\d{3} at B = 32, 0\.\d{3} at B = 512, change −0\.\d{3} \[−0\.\d{3}, −0\.\d{3}\] \(smaller drop at the larger batch\)/,
  );
  t.regex(printed, /\*\*XNLI accuracy\*\* \(mean over languages and seeds; descriptive/);
  t.notRegex(printed, /not in this pipeline/);
  const heat = await duckRows(
    `select query_set, count(*)::int n from '${join(outDir, 'figures', 'direction-heatmap.parquet')}' group by 1 order by 1`,
  );
  t.deepEqual(heat, [
    { query_set: 'char', n: 9 },
    { query_set: 'clean', n: 9 },
    { query_set: 'sample', n: 9 },
  ]);
  // mAP@20 and cross R@1 have no per-query attacked values: their drops are described, not tested.
  t.regex(printed, /Multilingual mAP@20 and cross R@1 have no per-query attacked values/);
  t.deepEqual(await duckRows(`select distinct metric, reference_set from '${stats}' where contrast = 'drop-change'`), [
    { metric: 'mono_r1', reference_set: 'sample' },
  ]);
  const transfer = await duckRows(
    `select count(*)::int n, min(value) lo from '${join(outDir, 'figures', 'transfer-matrix.parquet')}'`,
  );
  t.deepEqual(transfer, [{ n: 8, lo: 0.05 }], 'mono R@1, greedy and the clean reference panel');
  const xnli = await duckRows(
    `select recipe, round(avg(mean), 4) acc from '${join(outDir, 'figures', 'xnli-accuracy.parquet')}' group by 1 order by 1`,
  );
  t.deepEqual(xnli, [
    { recipe: 'char', acc: 0.46 },
    { recipe: 'clean', acc: 0.56 },
    { recipe: 'homoglyph', acc: 0.46 },
  ]);
});

test('same inputs and params: byte-identical data files; report.md and .html differ only in the provenance date', async (t) => {
  const inputs = { ...(await attackedFixtures()), models: await trainFixtures() };
  const a = await runStage(reportStage, { inputs, params: FAST });
  const b = await runStage(reportStage, { inputs, params: FAST });
  const names = [
    REPORT_FILES.stats,
    REPORT_FILES.provenance,
    REPORT_FILES.summary,
    ...(await readdir(join(a.outDir, REPORT_FILES.figures))).map((f) => `${REPORT_FILES.figures}/${f}`),
  ];
  t.true(names.length > 10);
  for (const name of names)
    t.true((await readFile(join(a.outDir, name))).equals(await readFile(join(b.outDir, name))), `${name} differs`);
  const undated = async (dir: string, file: string) =>
    (await readFile(join(dir, file), 'utf8')).replace(/Generated \S+/, 'Generated DATE');
  for (const file of [REPORT_FILES.markdown, REPORT_FILES.html])
    t.is(await undated(a.outDir, file), await undated(b.outDir, file), `${file} differs beyond the date`);
  // Another bootstrap seed moves the intervals (the seed is really used), not the estimates.
  const c = await runStage(reportStage, { inputs, params: { ...FAST, seed: 1 } });
  const est = async (dir: string) =>
    duckRows(`select estimate, ci_low from '${join(dir, REPORT_FILES.stats)}' order by all`);
  const [ea, ec] = [await est(a.outDir), await est(c.outDir)];
  t.deepEqual(
    ea.map((r) => r.estimate),
    ec.map((r) => r.estimate),
  );
  t.notDeepEqual(
    ea.map((r) => r.ci_low),
    ec.map((r) => r.ci_low),
  );
});

test('params: too few resamples and an unknown heatmap model fail naming the param', async (t) => {
  const score = await scoreFixture();
  await t.throwsAsync(() => runStage(reportStage, { inputs: { score, models: [] }, params: { resamples: 500 } }), {
    message: /resamples/,
  });
  await t.throwsAsync(
    () => runStage(reportStage, { inputs: { score, models: [] }, params: { ...FAST, heatmapModel: 'train[nope]' } }),
    {
      message:
        /param heatmapModel "train\[nope\]" is not a retriever of the score artifact \(it has: bm25, random-encoder, train\[strategy=mono/,
    },
  );
});

test('a chosen heatmap model is the one plotted', async (t) => {
  const model = 'train[strategy=mono,batchSize=32,seed=1]';
  const { outDir } = await runStage(reportStage, {
    inputs: { score: await scoreFixture(), models: [] },
    params: { ...FAST, heatmapModel: model },
  });
  const md = await readFile(join(outDir, REPORT_FILES.markdown), 'utf8');
  t.regex(md, /### R@1 per language direction: mono, B=32, infonce, seed 1/);
  t.regex(md, /### Training curves\n\n> \*\*no train artifact with a curve in this pipeline\*\*/);
});

test('the answer says what the strategies shared: the dictionary warm-up, or dictionary pairs mixed into cross-lingual batches', async (t) => {
  const answerOf = async (meta: Record<string, unknown>) => {
    const { outDir } = await runStage(reportStage, {
      inputs: { score: await scoreFixture(), models: await trainFixtures(meta) },
      params: FAST,
    });
    return readFile(join(outDir, 'summary.md'), 'utf8');
  };
  t.regex(
    await answerOf({ epochs: 2, warmupEpochs: 1, dictionaryRows: 500 }),
    /Every model first trained 1 warm-up epoch on the dictionary pairs, in cross-lingual batches shared by all strategies, then 2 epochs of its strategy's batches/,
  );
  t.regex(
    await answerOf({ epochs: 2, warmupEpochs: 0, dictionaryRows: 500 }),
    /Dictionary pairs are mixed into the cross-lingual batches \(no warm-up\), so mono-only batches never hold one/,
  );
  // Models that do not say (made before the warm-up existed), or QA pairs only: no sentence.
  for (const meta of [{}, { epochs: 2, warmupEpochs: 0, dictionaryRows: 0 }]) {
    const md = await answerOf(meta);
    t.notRegex(md, /warm-up|mixed into/);
  }
});
