// The batches stage end to end on the pairs of the real datasets: byte-identical output for one seed, the batch
// rules checked in SQL by DuckDB on the Parquet files, Arrow and Parquet holding the same rows, the composition
// table against the batches, the manifest summary, the dev split and the errors for impossible params.
import test from 'ava';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runStage } from '../../pipelines/engine/testing.ts';
import { batchesStage, type BatchesSummary } from '../../stages/batches/index.ts';
import { batchesSchema, compositionSchema } from '../../stages/batches/schema.ts';
import { readArrow, readParquet, type Columns } from '../../stages/common/tables.ts';
import { pairsStage } from '../../stages/pairs/index.ts';
import { cleanup, makeRaw, tempDir } from '../pairs/raw.ts';
import { withDuck } from '../helpers/duckdb.ts';

// One pairs run (MLQA dev → XQuAD-R, the default study) feeds every batches run of this file.
let pairsPromise: Promise<string> | undefined;
const pairs = () =>
  (pairsPromise ??= makeRaw(['mlqa-dev', 'xquad-r']).then(
    async (raw) =>
      (
        await runStage(pairsStage, {
          params: { workers: 2, alignment: 'none' },
          inputs: { raw },
          outDir: await tempDir('hxlr-batches-pairs-'),
        })
      ).outDir,
  ));

type Run = { outDir: string; summary: BatchesSummary };
const runs = new Map<string, Promise<Run>>();
/** One batches run per distinct (params, copy): `copy` makes a second, independent run of the same params. */
function run(params: Record<string, unknown>, copy = 0): Promise<Run> {
  const key = `${JSON.stringify(params)}#${copy}`;
  if (!runs.has(key)) {
    runs.set(
      key,
      pairs().then(async (dir) =>
        runStage(batchesStage, { params, inputs: { pairs: dir }, outDir: await tempDir('hxlr-batches-') }),
      ),
    );
  }
  return runs.get(key)!;
}
test.after.always(cleanup);

const DEFAULT = {}; // hybrid, batchSize 128, alpha 0.5, 2 epochs, dropLast, train, seed 0
const MONO = { strategy: 'mono', batchSize: 64 };
const CROSS = { strategy: 'cross', batchSize: 256, epochs: 1 };
const DEV = { split: 'dev', batchSize: 16 };

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

const pq = (dir: string, name: string) => `read_parquet('${join(dir, `${name}.parquet`)}')`;

test('same params give byte-identical files and summary; another seed other bytes', async (t) => {
  const [a, b, other] = await Promise.all([run(DEFAULT), run(DEFAULT, 1), run({ seed: 1 })]);
  t.not(a.outDir, b.outDir);
  for (const f of ['batches.arrow', 'batches.parquet', 'composition.arrow', 'composition.parquet']) {
    t.is(await sha256(join(b.outDir, f)), await sha256(join(a.outDir, f)), `${f} differs between two runs`);
  }
  t.deepEqual(b.summary, a.summary);
  for (const f of ['batches.arrow', 'batches.parquet', 'composition.parquet']) {
    t.not(await sha256(join(other.outDir, f)), await sha256(join(a.outDir, f)), `${f} does not depend on the seed`);
  }
  t.is(other.summary.seed, 1);
  // Same eligible rows whatever the seed.
  t.deepEqual(other.summary.sampler.eligible, a.summary.sampler.eligible);
});

test('summary: counts add up against the pairs artifact', async (t) => {
  const { summary } = await run(DEFAULT);
  const { stats, counts } = await withDuck(async (q) => {
    const [counts] =
      await q(`select count(*) filter (where direction = 'mono')::int as mono, count(*) filter (where direction = 'cross')::int as cross,
      count(distinct question_id)::int as questions from ${pq(await pairs(), 'pairs')} where split = 'train'`);
    return { stats: summary.sampler, counts };
  });
  t.deepEqual(stats.eligible, { mono: counts.mono as number, cross: counts.cross as number });
  t.true(stats.eligible.mono > 3000 && stats.eligible.cross > 9000, JSON.stringify(stats.eligible));
  t.is(summary.distinctQuestions, counts.questions as number);
  t.is(summary.strategy, 'hybrid');
  t.is(summary.batchSize, 128);
  t.is(summary.alpha, 0.5);
  t.is(summary.batchCount, stats.batches.mono + stats.batches.cross);
  t.is(summary.rows.composition, summary.batchCount);
  t.is(summary.rows.batches, stats.rows);
  // Every eligible row of both epochs is either in a batch or reported as dropped.
  t.is(stats.rows + stats.droppedLastPartial, (stats.eligible.mono + stats.eligible.cross) * 2);
  t.true(stats.droppedLastPartial < 2 * 2 * 128 * 2, `${stats.droppedLastPartial} dropped`);
  // Real data is full of shared question ids (translations) and passages: some rows had to wait.
  t.true(stats.deferred > 0);
  t.true(stats.batches.mono > 0 && stats.batches.cross > 0);
  const sum = (h: Record<string, number>) => Object.values(h).reduce((x, y) => x + y, 0);
  t.is(sum(summary.questionLanguages), summary.rows.batches);
  t.is(sum(summary.passageLanguages), summary.rows.batches);
  t.deepEqual(Object.keys(summary.questionLanguages), ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh']);
  t.is(summary.dictionaryRows, 0);
});

test('DuckDB reads batches.parquet: types, one kind per batch, no shared question or passage, contiguous positions', async (t) => {
  const { outDir, summary } = await run(DEFAULT);
  const b = pq(outDir, 'batches');
  await withDuck(async (q) => {
    t.deepEqual(await q(`select count(*)::int as n from ${b}`), [{ n: summary.rows.batches }]);
    const types = Object.fromEntries(
      (await q(`describe select * from ${b}`)).map((r) => [r.column_name, r.column_type]),
    );
    t.deepEqual(types, {
      batch_id: 'INTEGER',
      epoch: 'INTEGER',
      position: 'INTEGER',
      kind: 'VARCHAR',
      pair_id: 'VARCHAR',
      source: 'VARCHAR',
      question_id: 'VARCHAR',
      question_lang: 'VARCHAR',
      question: 'VARCHAR',
      passage_id: 'VARCHAR',
      passage_lang: 'VARCHAR',
      passage: 'VARCHAR',
    });
    t.deepEqual(await q(`select batch_id from ${b} group by batch_id having count(distinct kind) > 1`), []);
    t.deepEqual(await q(`select batch_id, question_id from ${b} group by all having count(*) > 1 limit 5`), []);
    t.deepEqual(await q(`select batch_id, passage_id from ${b} group by all having count(*) > 1 limit 5`), []);
    // Positions 0..size-1, each once; batch ids 0..batchCount-1; rows in (batch_id, position) order.
    t.deepEqual(
      await q(
        `select batch_id from ${b} group by batch_id having min(position) <> 0 or max(position) <> count(*) - 1 or count(distinct position) <> count(*)`,
      ),
      [],
    );
    t.deepEqual(
      await q(
        `select count(distinct batch_id)::int as n, min(batch_id)::int as lo, max(batch_id)::int as hi from ${b}`,
      ),
      [{ n: summary.batchCount, lo: 0, hi: summary.batchCount - 1 }],
    );
    t.deepEqual(
      await q(`select count(*)::int as n from (select batch_id, position, row_number() over () - 1 as i, lag(batch_id) over () as prev_b, lag(position) over () as prev_p from ${b})
               where i > 0 and not (batch_id = prev_b and position = prev_p + 1 or batch_id = prev_b + 1 and position = 0)`),
      [{ n: 0 }],
    );
    // One epoch per batch, epochs in order; a pair at most once per epoch.
    t.deepEqual(await q(`select batch_id from ${b} group by batch_id having count(distinct epoch) > 1`), []);
    t.deepEqual(await q(`select distinct epoch::int as e from ${b} order by 1`), [{ e: 0 }, { e: 1 }]);
    t.deepEqual(await q(`select epoch, pair_id from ${b} group by all having count(*) > 1 limit 5`), []);
    // kind agrees with the languages, and the per-kind batch counts with the summary.
    t.deepEqual(
      await q(`select count(*)::int as n from ${b} where (kind = 'mono') <> (question_lang = passage_lang)`),
      [{ n: 0 }],
    );
    t.deepEqual(await q(`select kind, count(distinct batch_id)::int as n from ${b} group by 1 order by 1`), [
      { kind: 'cross', n: summary.sampler.batches.cross },
      { kind: 'mono', n: summary.sampler.batches.mono },
    ]);
    // Batch sizes: batchSize, except the reported short batches.
    t.deepEqual(
      await q(`select count(*)::int as n from (select batch_id from ${b} group by 1 having count(*) <> 128)`),
      [{ n: summary.sampler.shortBatches }],
    );
    t.deepEqual(
      await q(`select count(*)::int as n from (select batch_id from ${b} group by 1 having count(*) > 128)`),
      [{ n: 0 }],
    );
    // Every row is a train pair of the pairs artifact, with its own texts and languages.
    const p = pq(await pairs(), 'pairs');
    t.deepEqual(
      await q(`select count(*)::int as n, count(p.pair_id)::int as matched,
                 count(*) filter (where p.split = 'train' and b.source = p.source and b.question_id = p.question_id and b.question_lang = p.question_lang
                   and b.question = p.question and b.passage_id = p.passage_id and b.passage_lang = p.passage_lang and b.passage = p.passage
                   and b.kind = p.direction)::int as same
               from ${b} b left join ${p} p using (pair_id)`),
      [{ n: summary.rows.batches, matched: summary.rows.batches, same: summary.rows.batches }],
    );
    // Language histograms of the summary, recomputed.
    const langs = await q(`select question_lang as l, count(*)::int as n from ${b} group by 1 order by 1`);
    t.deepEqual(Object.fromEntries(langs.map((r) => [r.l, r.n])), summary.questionLanguages);
  });
});

test('strategy mono: only monolingual rows; strategy cross: only cross-lingual rows', async (t) => {
  const [mono, cross] = await Promise.all([run(MONO), run(CROSS)]);
  await withDuck(async (q) => {
    const stats = async (dir: string) =>
      (
        await q(`select count(*)::int as n, count(*) filter (where question_lang = passage_lang)::int as same,
                 count(distinct kind)::int as kinds, min(kind) as kind, count(distinct batch_id)::int as batches from ${pq(dir, 'batches')}`)
      )[0];
    const m = await stats(mono.outDir);
    t.deepEqual(m, {
      n: mono.summary.rows.batches,
      same: mono.summary.rows.batches,
      kinds: 1,
      kind: 'mono',
      batches: mono.summary.batchCount,
    });
    t.is(mono.summary.sampler.batches.cross, 0);
    t.is(mono.summary.rows.batches + mono.summary.sampler.droppedLastPartial, mono.summary.sampler.eligible.mono * 2);
    const c = await stats(cross.outDir);
    t.deepEqual(c, {
      n: cross.summary.rows.batches,
      same: 0,
      kinds: 1,
      kind: 'cross',
      batches: cross.summary.batchCount,
    });
    t.is(cross.summary.sampler.batches.mono, 0);
    t.is(cross.summary.rows.batches + cross.summary.sampler.droppedLastPartial, cross.summary.sampler.eligible.cross);
    t.deepEqual(await q(`select distinct epoch::int as e from ${pq(cross.outDir, 'batches')}`), [{ e: 0 }]);
    for (const r of [mono, cross]) {
      t.deepEqual(
        await q(
          `select batch_id from ${pq(r.outDir, 'batches')} group by all having count(*) > ${r.summary.batchSize} or count(distinct question_id) < count(*) or count(distinct passage_id) < count(*)`,
        ),
        [],
      );
    }
  });
});

function columnDiff(a: ArrayLike<unknown>, b: ArrayLike<unknown>): string | null {
  if (a.length !== b.length) return `lengths ${a.length} / ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `row ${i}: ${String(a[i])} vs ${String(b[i])}`;
  return null;
}

test('batches.arrow and batches.parquet hold the same rows; so do the composition files', async (t) => {
  const { outDir, summary } = await run(DEFAULT);
  const [arrow, parquet] = await Promise.all([
    readArrow(join(outDir, 'batches.arrow'), batchesSchema),
    readParquet(join(outDir, 'batches.parquet'), batchesSchema),
  ]);
  t.is(arrow.rows, summary.rows.batches);
  t.is(parquet.rows, summary.rows.batches);
  for (const { name } of batchesSchema.columns)
    t.is(columnDiff(arrow.columns[name], parquet.columns[name]), null, name);
  // The copied texts are real text, not placeholders.
  const question = arrow.columns.question as string[];
  t.true(question.every((s) => s.length > 3));
  t.true(new Set(question).size > 1000);
  const [ca, cp] = await Promise.all([
    readArrow(join(outDir, 'composition.arrow'), compositionSchema),
    readParquet(join(outDir, 'composition.parquet'), compositionSchema),
  ]);
  t.is(ca.rows, summary.batchCount);
  const flat = (c: Columns, name: string) =>
    Array.from(c[name] as ArrayLike<ArrayLike<unknown>>, (x) => Array.from(x).join(','));
  for (const { name, type } of compositionSchema.columns) {
    if (type.startsWith('list')) t.is(columnDiff(flat(ca.columns, name), flat(cp.columns, name)), null, name);
    else t.is(columnDiff(ca.columns[name], cp.columns[name]), null, name);
  }
});

test('DuckDB reads composition.parquet: list columns, sizes and histograms match the batches', async (t) => {
  const { outDir, summary } = await run(DEFAULT);
  const c = pq(outDir, 'composition');
  const b = pq(outDir, 'batches');
  await withDuck(async (q) => {
    const types = Object.fromEntries(
      (await q(`describe select * from ${c}`)).map((r) => [r.column_name, r.column_type]),
    );
    t.deepEqual(types, {
      batch_id: 'INTEGER',
      epoch: 'INTEGER',
      kind: 'VARCHAR',
      size: 'INTEGER',
      question_langs: 'VARCHAR[]',
      question_lang_counts: 'INTEGER[]',
      passage_langs: 'VARCHAR[]',
      passage_lang_counts: 'INTEGER[]',
      dictionary_rows: 'INTEGER',
    });
    t.deepEqual(await q(`select count(*)::int as n, sum(size)::int as rows from ${c}`), [
      { n: summary.batchCount, rows: summary.rows.batches },
    ]);
    t.deepEqual(await q(`select kind, count(*)::int as n from ${c} group by 1 order by 1`), [
      { kind: 'cross', n: summary.sampler.batches.cross },
      { kind: 'mono', n: summary.sampler.batches.mono },
    ]);
    t.deepEqual(
      await q(`select count(*)::int as n from ${c} where len(question_langs) <> len(question_lang_counts) or len(passage_langs) <> len(passage_lang_counts)
               or list_sum(question_lang_counts) <> size or list_sum(passage_lang_counts) <> size or question_langs <> list_sort(question_langs)`),
      [{ n: 0 }],
    );
    // A mono batch may mix languages (each row mono), but its query and passage histograms are the same.
    t.deepEqual(
      await q(
        `select count(*)::int as n from ${c} where kind = 'mono' and (question_langs <> passage_langs or question_lang_counts <> passage_lang_counts)`,
      ),
      [{ n: 0 }],
    );
    // Per batch: the same id, epoch, kind and size as in batches.parquet, and the same language histograms.
    t.deepEqual(
      await q(`select count(*)::int as n from (select batch_id, any_value(epoch) as epoch, any_value(kind) as kind, count(*)::int as size from ${b} group by 1) x
               full outer join ${c} y using (batch_id) where x.size is distinct from y.size or x.kind is distinct from y.kind or x.epoch is distinct from y.epoch`),
      [{ n: 0 }],
    );
    for (const side of ['question', 'passage']) {
      t.deepEqual(
        await q(`with x as (select batch_id, ${side}_lang as lang, count(*)::int as n from ${b} group by all),
                      y as (select batch_id, unnest(${side}_langs) as lang, unnest(${side}_lang_counts) as n from ${c})
                 select count(*)::int as n from x full outer join y using (batch_id, lang) where x.n is distinct from y.n`),
        [{ n: 0 }],
        side,
      );
    }
    const langs = await q(
      `select l, sum(n)::int as n from (select unnest(passage_langs) as l, unnest(passage_lang_counts) as n from ${c}) group by 1 order by 1`,
    );
    t.deepEqual(Object.fromEntries(langs.map((r) => [r.l, r.n])), summary.passageLanguages);
  });
});

test("split 'dev' gives fewer rows, all from dev pairs", async (t) => {
  const [train, dev] = await Promise.all([run(DEFAULT), run(DEV)]);
  t.true(dev.summary.rows.batches > 0);
  t.true(dev.summary.rows.batches < train.summary.rows.batches / 4, `${dev.summary.rows.batches} dev rows`);
  t.true(
    dev.summary.sampler.eligible.mono + dev.summary.sampler.eligible.cross <
      (train.summary.sampler.eligible.mono + train.summary.sampler.eligible.cross) / 4,
  );
  t.is(
    dev.summary.rows.batches + dev.summary.sampler.droppedLastPartial,
    (dev.summary.sampler.eligible.mono + dev.summary.sampler.eligible.cross) * 2,
  );
  await withDuck(async (q) => {
    t.deepEqual(
      await q(
        `select count(*)::int as n, count(*) filter (where p.split = 'dev')::int as dev from ${pq(dev.outDir, 'batches')} b join ${pq(await pairs(), 'pairs')} p using (pair_id)`,
      ),
      [{ n: dev.summary.rows.batches, dev: dev.summary.rows.batches }],
    );
    t.deepEqual(
      await q(
        `select count(*)::int as n from (select batch_id from ${pq(dev.outDir, 'batches')} group by 1 having count(*) <> 16)`,
      ),
      [{ n: dev.summary.sampler.shortBatches }],
    );
  });
});

test('a batchSize above every pool: error naming batchSize with dropLast, every row in batches without', async (t) => {
  // The dev pools hold ~440 mono and ~1,240 cross pairs: no batch of 4096 can be formed.
  const error = await t.throwsAsync(run({ split: 'dev', batchSize: 4096 }));
  t.regex(error!.message, /batchSize/);
  t.regex(error!.message, /4096/);
  const kept = await run({ split: 'dev', batchSize: 4096, dropLast: false });
  const { sampler } = kept.summary;
  t.true(sampler.eligible.mono < 4096 && sampler.eligible.cross < 4096);
  t.is(kept.summary.rows.batches, (sampler.eligible.mono + sampler.eligible.cross) * 2);
  t.is(sampler.droppedLastPartial, 0);
});

test('invalid params are refused before running, naming the param', async (t) => {
  const dir = await pairs();
  for (const params of [{ batchSize: 4 }, { batchSize: 8192 }, { batchSize: 12.5 }]) {
    const error = await t.throwsAsync(runStage(batchesStage, { params, inputs: { pairs: dir } }));
    t.regex(error!.message, /batches\.batchSize/, JSON.stringify(params));
  }
  const alpha = await t.throwsAsync(runStage(batchesStage, { params: { alpha: 1.5 }, inputs: { pairs: dir } }));
  t.regex(alpha!.message, /batches\.alpha/);
  const strategy = await t.throwsAsync(
    runStage(batchesStage, { params: { strategy: 'mixed' }, inputs: { pairs: dir } }),
  );
  t.regex(strategy!.message, /batches\.strategy/);
});

// Pairs with dictionary rows (50 MUSE entries per language) for the warm-up tests.
let musePromise: Promise<string> | undefined;
const musePairs = () =>
  (musePromise ??= makeRaw(['mlqa-dev', 'xquad-r', 'muse']).then(
    async (raw) =>
      (
        await runStage(pairsStage, {
          params: { workers: 2, alignmentMaxPerLanguage: 50 },
          inputs: { raw },
          outDir: await tempDir('hxlr-batches-muse-'),
        })
      ).outDir,
  ));

test('dictionary "warmup" (the default): a first epoch of dictionary-only cross-lingual batches, then QA-only mono batches; "mixed" keeps mono batches free of them', async (t) => {
  const dir = await musePairs();
  const warm = await runStage(batchesStage, {
    params: { strategy: 'mono', batchSize: 32 },
    inputs: { pairs: dir },
    outDir: await tempDir('hxlr-batches-'),
  });
  t.is(warm.summary.dictionary, 'warmup');
  t.is(warm.summary.warmupEpochs, 1);
  t.is(warm.summary.epochs, 2);
  const { columns: c } = await readArrow(join(warm.outDir, 'batches.arrow'));
  const epoch = c.epoch as Int32Array;
  const source = c.source as string[];
  const kind = c.kind as string[];
  t.deepEqual([...new Set(epoch)], [0, 1, 2]);
  for (let i = 0; i < epoch.length; i++) {
    if (epoch[i] === 0) t.true(source[i] === 'dictionary' && kind[i] === 'cross', `row ${i}`);
    else t.true(source[i] === 'qa' && kind[i] === 'mono', `row ${i}`);
  }
  // 10 languages × 50 entries, one row each, each at most once (an English word shared by several languages waits
  // for the next batch, and the last partial batch is dropped).
  const warmIds = (c.pair_id as string[]).filter((_, i) => epoch[i] === 0);
  t.is(new Set(warmIds).size, warmIds.length);
  t.true(warmIds.length > 400 && warmIds.length <= 500, `${warmIds.length} warm-up rows`);
  t.is(warm.summary.sampler.warmup.eligible, 500);

  const mixed = await runStage(batchesStage, {
    params: { strategy: 'mono', batchSize: 32, dictionary: 'mixed' },
    inputs: { pairs: dir },
    outDir: await tempDir('hxlr-batches-'),
  });
  t.is(mixed.summary.warmupEpochs, 0);
  t.is(mixed.summary.dictionaryRows, 0);
  // The mono epochs are the same batches with or without the warm-up in front of them.
  const { columns: m } = await readArrow(join(mixed.outDir, 'batches.arrow'));
  const start = epoch.findIndex((e) => e === 1);
  t.deepEqual((c.pair_id as string[]).slice(start), m.pair_id as string[]);
});
