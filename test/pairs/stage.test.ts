// The pairs stage end to end on the real datasets: counts, directions, splits, train/eval disjointness,
// determinism across worker counts and seeds, and the Parquet files as DuckDB reads them.
import { DuckDBInstance } from '@duckdb/node-api';
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runStage } from '../../pipelines/engine/testing.ts';
import { readArrow } from '../../stages/common/tables.ts';
import { pairsStage, type PairsReportFile } from '../../stages/pairs/index.ts';
import { MLQA_LANGS, XQUAD_LANGS } from '../../stages/pairs/langs.ts';
import { CANDIDATES_SCHEMA, PAIRS_SCHEMA, QUERIES_SCHEMA } from '../../stages/pairs/schema.ts';
import { cleanup, makeRaw, tempDir } from './raw.ts';

const OUTPUT_FILES = [
  'pairs.arrow',
  'pairs.parquet',
  'candidates.arrow',
  'candidates.parquet',
  'queries.arrow',
  'queries.parquet',
  'report.json',
];

let rawPromise: Promise<string> | undefined;
const raw = () => (rawPromise ??= makeRaw());
const runs = new Map<string, Promise<{ outDir: string }>>();
/** One run per distinct params, shared by the tests that look at it. */
function run(params: Record<string, unknown>): Promise<{ outDir: string }> {
  const key = JSON.stringify(params);
  if (!runs.has(key))
    runs.set(
      key,
      raw().then(async (r) => runStage(pairsStage, { params, inputs: { raw: r }, outDir: await tempDir() })),
    );
  return runs.get(key)!;
}
// The raw copy and every output folder are tens of MB each: remove them when the file's tests are done.
test.after.always(cleanup);

// The QA part of the default study: dictionary pairs are on by default (alignment "muse"), and have tests of their own.
const DEFAULT_W1 = { workers: 1, alignment: 'none' };
const DEFAULT_W2 = { workers: 2, alignment: 'none' };
const XQUAD_TRAIN = { train: 'xquad', eval: 'mlqa-r', trainLanguages: [...XQUAD_LANGS], workers: 2, alignment: 'none' };

async function tables(outDir: string) {
  const [pairs, candidates, queries] = await Promise.all([
    readArrow(join(outDir, 'pairs.arrow'), PAIRS_SCHEMA),
    readArrow(join(outDir, 'candidates.arrow'), CANDIDATES_SCHEMA),
    readArrow(join(outDir, 'queries.arrow'), QUERIES_SCHEMA),
  ]);
  const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as PairsReportFile;
  return {
    pairs: pairs.columns as any,
    candidates: candidates.columns as any,
    queries: queries.columns as any,
    report,
  };
}

test('default study (MLQA dev → XQuAD-R): 49 directions, cross pairs cross languages, positives hold the answer', async (t) => {
  const { pairs, report } = await tables((await run(DEFAULT_W2)).outDir);
  const n = pairs.pair_id.length;
  t.is(n, 15747);
  t.is(new Set(pairs.pair_id).size, n);
  const directions = new Set<string>();
  let mono = 0;
  let notIn = 0;
  for (let i = 0; i < n; i++) {
    const q = pairs.question_lang[i];
    const p = pairs.passage_lang[i];
    directions.add(`${q}-${p}`);
    t.true(MLQA_LANGS.includes(q) && MLQA_LANGS.includes(p));
    t.is(pairs.direction[i], q === p ? 'mono' : 'cross');
    if (q === p) mono++;
    t.is(pairs.source[i], 'qa');
    if (pairs.answer_in_passage[i]) {
      if (!pairs.passage[i].includes(pairs.answer[i])) t.fail(`${pairs.pair_id[i]}: passage lacks answer`);
    } else notIn++;
  }
  t.is(directions.size, 49);
  t.is(mono, 4199);
  t.is(report.train.directions, 49);
  t.is(report.train.answerNotInPassage, notIn);
  t.true(notIn / n < 0.01, `${notIn} answers cross a sentence end`);
  t.is(report.train.issues.answerMismatches, 0);
  // Rows of a question id are adjacent.
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    if (i > 0 && pairs.question_id[i] !== pairs.question_id[i - 1])
      t.false(seen.has(pairs.question_id[i]), 'question rows not adjacent');
    seen.add(pairs.question_id[i]);
  }
});

test('splits are by article: no article and no question id in both train and dev', async (t) => {
  const { pairs, report } = await tables((await run(DEFAULT_W2)).outDir);
  const articles = { train: new Set<string>(), dev: new Set<string>() };
  const ids = { train: new Set<string>(), dev: new Set<string>() };
  pairs.split.forEach((s: 'train' | 'dev', i: number) => {
    articles[s].add(pairs.article_id[i]);
    ids[s].add(pairs.question_id[i]);
  });
  for (const a of articles.dev) t.false(articles.train.has(a), `article ${a} in both splits`);
  for (const q of ids.dev) t.false(ids.train.has(q), `question ${q} in both splits`);
  const fraction = articles.dev.size / (articles.dev.size + articles.train.size);
  t.true(Math.abs(fraction - 0.1) < 0.01, `dev article fraction ${fraction}`);
  t.is(report.train.bySplit.dev.articles, articles.dev.size);
  // MLQA titles differ by language; groups are named after the English title, so there are ~520 (en articles), not
  // 1,5k.
  t.true(articles.dev.size + articles.train.size <= 520);
});

test('XQuAD-R evaluation: 13,014 candidates, 1190 × 11 queries, 11 relevant each, none shared with training', async (t) => {
  const { pairs, candidates, queries, report } = await tables((await run(DEFAULT_W2)).outDir);
  t.is(candidates.candidate_id.length, 13014);
  t.is(new Set(candidates.candidate_id).size, 13014);
  t.deepEqual(report.eval.candidatesByLanguage, {
    ar: 1222,
    de: 1276,
    el: 1234,
    en: 1180,
    es: 1215,
    hi: 1244,
    ru: 1219,
    th: 852,
    tr: 1167,
    vi: 1209,
    zh: 1196,
  });
  t.is(queries.query_id.length, 13090);
  const text = new Map<string, string>(
    candidates.candidate_id.map((id: string, i: number) => [id, candidates.text[i]]),
  );
  const langOf = new Map<string, string>(
    candidates.candidate_id.map((id: string, i: number) => [id, candidates.lang[i]]),
  );
  let straddling = 0;
  for (let i = 0; i < queries.query_id.length; i++) {
    const rel: string[] = queries.relevant_ids[i];
    t.is(rel.length, 11);
    t.deepEqual(
      rel.map((id) => langOf.get(id)),
      [...XQUAD_LANGS],
    );
    t.true(rel.includes(queries.own_candidate_id[i]));
    if (!text.get(queries.own_candidate_id[i])!.includes(queries.answer[i])) straddling++;
  }
  t.true(straddling <= 120, `${straddling} gold sentences without their full answer`);
  const trainIds = new Set<string>(pairs.question_id);
  t.false(
    queries.question_id.some((id: string) => trainIds.has(id)),
    'a question is both in training and in evaluation',
  );
  // Our splitter is measured on every annotated file read.
  t.true(report.sentenceAgreement['xquad-r'].en.f1 >= 0.95);
});

test('output is byte-identical with 1 and 2 workers (same seed)', async (t) => {
  const [a, b] = await Promise.all([run(DEFAULT_W1), run(DEFAULT_W2)]);
  for (const f of OUTPUT_FILES) {
    const [x, y] = await Promise.all([readFile(join(a.outDir, f)), readFile(join(b.outDir, f))]);
    t.true(x.equals(y), `${f} differs between 1 and 2 workers`);
  }
});

test('another seed gives another article split of the same pairs', async (t) => {
  const [a, b] = await Promise.all([run(DEFAULT_W2), run({ ...DEFAULT_W2, seed: 14 })]);
  const [x, y] = await Promise.all([tables(a.outDir), tables(b.outDir)]);
  t.deepEqual(y.pairs.pair_id, x.pairs.pair_id);
  t.notDeepEqual(y.pairs.split, x.pairs.split);
  t.true(
    (await readFile(join(a.outDir, 'candidates.parquet'))).equals(await readFile(join(b.outDir, 'candidates.parquet'))),
    'eval side does not depend on the seed',
  );
});

test('XQuAD training (11 languages): 121 directions joined by id, evaluated on MLQA-R with 2-4 relevant', async (t) => {
  const { pairs, candidates, queries, report } = await tables((await run(XQUAD_TRAIN)).outDir);
  t.is(pairs.pair_id.length, 1190 * 121);
  t.is(report.train.directions, 121);
  t.is(report.train.byDirection.mono, 1190 * 11);
  const perQuestion = new Map<string, number>();
  for (let i = 0; i < pairs.pair_id.length; i++) {
    if (pairs.direction[i] === 'cross') t.not(pairs.question_lang[i], pairs.passage_lang[i]);
    perQuestion.set(pairs.question_id[i], (perQuestion.get(pairs.question_id[i]) ?? 0) + 1);
  }
  t.true([...perQuestion.values()].every((c) => c === 121));
  t.is(candidates.candidate_id.length, 20534);
  t.is(queries.query_id.length, 4199);
  t.deepEqual(report.eval.relevantPerQuery, { 2: 130, 3: 789, 4: 3280 });
  const evalIds = new Set<string>(queries.question_id);
  t.false([...perQuestion.keys()].some((id) => evalIds.has(id)));
});

/** The languages paired with English in the dictionary rows of `pairs`. */
function dictionaryLanguages(pairs: any): string[] {
  const langs = new Set<string>();
  pairs.source.forEach((s: string, i: number) => {
    if (s === 'dictionary') langs.add(pairs.question_lang[i] === 'en' ? pairs.passage_lang[i] : pairs.question_lang[i]);
  });
  return [...langs].sort();
}

test('MUSE alignment by default: every training and evaluation language with a dictionary, the evaluation data still unseen', async (t) => {
  const { pairs } = await tables((await run({ workers: 2, alignmentMaxPerLanguage: 50 })).outDir);
  t.deepEqual(dictionaryLanguages(pairs), ['ar', 'de', 'el', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh']);
  // One row per entry by default (alignmentDirections "en-xx"): the English word is the query.
  const dictRows = pairs.source
    .map((s: string, i: number) => (s === 'dictionary' ? i : -1))
    .filter((i: number) => i >= 0);
  t.is(dictRows.length, 10 * 50);
  t.true(dictRows.every((i: number) => pairs.question_lang[i] === 'en' && pairs.passage_lang[i] !== 'en'));
  // QA rows are unchanged: still only the 7 MLQA languages.
  const qaLangs = new Set(pairs.question_lang.filter((_: string, i: number) => pairs.source[i] === 'qa'));
  t.deepEqual([...qaLangs].sort(), [...MLQA_LANGS].sort());
});

test('MUSE alignment pairs with alignmentLanguages "train" both ways: training languages only, no identity pairs, capped, all in train', async (t) => {
  const { pairs, report } = await tables(
    (
      await run({
        workers: 2,
        alignment: 'muse',
        alignmentLanguages: 'train',
        alignmentMaxPerLanguage: 50,
        alignmentDirections: 'both',
      })
    ).outDir,
  );
  const dict = pairs.source.map((s: string, i: number) => (s === 'dictionary' ? i : -1)).filter((i: number) => i >= 0);
  t.is(dict.length, 6 * 50 * 2);
  const langs = new Set<string>();
  for (const i of dict) {
    t.not(pairs.question[i], pairs.passage[i]);
    t.is(pairs.split[i], 'train');
    t.is(pairs.direction[i], 'cross');
    t.true(pairs.question_lang[i] === 'en' || pairs.passage_lang[i] === 'en');
    langs.add(pairs.question_lang[i] === 'en' ? pairs.passage_lang[i] : pairs.question_lang[i]);
  }
  t.deepEqual([...langs].sort(), ['ar', 'de', 'es', 'hi', 'vi', 'zh']);
  t.true(report.train.dictionary.de.identity > 40000);
});

test('Parquet files read back by DuckDB with the right counts', async (t) => {
  const { outDir } = await run(DEFAULT_W2);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const q = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJS();
    const pq = (name: string) => `'${join(outDir, `${name}.parquet`)}'`;
    t.deepEqual(await q(`select direction, count(*)::int as n from ${pq('pairs')} group by 1 order by 1`), [
      { direction: 'cross', n: 11548 },
      { direction: 'mono', n: 4199 },
    ]);
    t.deepEqual(await q(`select count(distinct question_lang || passage_lang)::int as d from ${pq('pairs')}`), [
      { d: 49 },
    ]);
    t.deepEqual(await q(`select count(*)::int as n, count(distinct lang)::int as l from ${pq('candidates')}`), [
      { n: 13014, l: 11 },
    ]);
    t.deepEqual(
      await q(
        `select count(*)::int as n, min(len(relevant_ids))::int as lo, max(len(relevant_ids))::int as hi from ${pq('queries')}`,
      ),
      [{ n: 13090, lo: 11, hi: 11 }],
    );
    t.deepEqual(await q(`select count(*)::int as n from ${pq('pairs')} where answer is null`), [{ n: 0 }]);
  } finally {
    con.closeSync();
    db.closeSync();
  }
});
