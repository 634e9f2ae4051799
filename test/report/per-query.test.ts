// Per-query values recomputed from ranks.parquet: hand-computed cases, seed averaging, and agreement with the score
// stage's own metrics.parquet on a real score run (BM25 and the untrained encoder on a small three-language pool).
import test from 'ava';
import { join } from 'node:path';
import { runStage } from '../../pipelines/engine/testing.ts';
import { readParquet } from '../../stages/common/tables.ts';
import {
  meanOverSeeds,
  perQueryValues,
  questionOf,
  queryValuesKey,
  type RankColumns,
} from '../../stages/report/per-query.ts';
import { scoreStage } from '../../stages/score/index.ts';
import { writeToyEvalSet } from '../helpers/eval-set.ts';

test("AP@20, mono and cross R@1 of one query from its relevant candidates' ranks", (t) => {
  // Query q/en with answers in en (rank 2 overall, 1 in English), de (rank 5, 1 in German), es (rank 40, 7 in Spanish).
  const ranks: RankColumns = {
    retriever: ['m', 'm', 'm'],
    query_id: ['q/en', 'q/en', 'q/en'],
    query_lang: ['en', 'en', 'en'],
    candidate_lang: ['en', 'de', 'es'],
    rank_all: [2, 5, 40],
    rank_in_language: [1, 1, 7],
  };
  const v = perQueryValues(ranks).get(queryValuesKey('clean', 'm'))!;
  t.deepEqual(v.ids, ['q/en']);
  // (1/2 + 2/5) / min(3, 20)
  t.is(v.values['map@20'][0], (1 / 2 + 2 / 5) / 3);
  t.is(v.values.mono_r1[0], 1);
  t.is(v.values.cross_r1[0], 0.5);
});

test('query sets are kept apart, and seeds average per query', (t) => {
  const ranks: RankColumns = {
    retriever: ['a', 'a', 'b', 'a'],
    query_id: ['q1/en', 'q2/en', 'q1/en', 'q1/en'],
    query_lang: ['en', 'en', 'en', 'en'],
    candidate_lang: ['en', 'en', 'en', 'en'],
    rank_all: [1, 3, 2, 4],
    rank_in_language: [1, 3, 2, 4],
    query_set: ['clean', 'clean', 'clean', 'char'],
  };
  const all = perQueryValues(ranks);
  t.deepEqual(
    [...all.keys()],
    [queryValuesKey('char', 'a'), queryValuesKey('clean', 'a'), queryValuesKey('clean', 'b')],
  );
  const mean = meanOverSeeds([all.get(queryValuesKey('clean', 'a'))!, all.get(queryValuesKey('clean', 'b'))!]);
  t.deepEqual(mean.ids, ['q1/en', 'q2/en']);
  // q1: a hits, b does not → 0.5; q2 only in a (a miss) → 0.
  t.deepEqual([...mean.values.mono_r1], [0.5, 0]);
  t.true(Number.isNaN(mean.values.cross_r1[0]), 'no other-language answer: no cross value');
  t.is(questionOf('mlqa/123/zh'), 'mlqa/123');
});

const TOPICS = [
  ['river', 'Fluss', 'río'],
  ['mountain', 'Berg', 'montaña'],
  ['city', 'Stadt', 'ciudad'],
  ['music', 'Musik', 'música'],
  ['king', 'König', 'rey'],
  ['bridge', 'Brücke', 'puente'],
  ['tower', 'Turm', 'torre'],
];
const LANGS = ['en', 'de', 'es'];

function evalSet(): Promise<string> {
  const templates = [
    (w: string, i: number) => `The ${w} stands near the old town ${i}.`,
    (w: string, i: number) => `Der ${w} liegt bei der Altstadt ${i}.`,
    (w: string, i: number) => `El ${w} está cerca del casco antiguo ${i}.`,
  ];
  const questions = [
    (w: string) => `where is the ${w}?`,
    (w: string) => `wo ist der ${w}?`,
    (w: string) => `dónde está el ${w}?`,
  ];
  return writeToyEvalSet({
    tag: 'report',
    langs: LANGS,
    topics: TOPICS.length,
    sentence: (_lang, li, i) => templates[li](TOPICS[i][li], i),
    question: (_lang, li, i) => questions[li](TOPICS[i][li]),
  });
}

test("the mean of the per-query values equals score's own mAP@20 (micro) and mono/cross R@1 (macro) on a real score run", async (t) => {
  const { outDir } = await runStage(scoreStage, {
    inputs: { eval: await evalSet(), models: [] },
    params: { backend: 'cpu' },
  });
  const { columns: r } = await readParquet(join(outDir, 'ranks.parquet'));
  const { rows, columns: m } = await readParquet(join(outDir, 'metrics.parquet'));
  const perQuery = perQueryValues(r as unknown as RankColumns);
  const mean = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
  let checked = 0;
  for (const retriever of ['bm25', 'random-encoder']) {
    const v = perQuery.get(queryValuesKey('clean', retriever))!;
    t.is(v.ids.length, TOPICS.length * LANGS.length);
    const expect = (setting: string, aggregate: string, metric: string): number => {
      for (let i = 0; i < rows; i++)
        if (
          m.retriever[i] === retriever &&
          m.setting[i] === setting &&
          m.aggregate[i] === aggregate &&
          m.metric[i] === metric
        )
          return m.value[i] as number;
      throw new Error(`no ${setting}/${aggregate}/${metric} row for ${retriever}`);
    };
    const close = (a: number, b: number, what: string) =>
      t.true(Math.abs(a - b) < 1e-12, `${retriever} ${what}: ${a} vs ${b}`);
    close(mean(v.values['map@20']), expect('multilingual', 'micro', 'map@20'), 'mAP@20');
    close(mean(v.values.mono_r1), expect('mono', 'macro', 'recall@1'), 'mono R@1');
    close(mean(v.values.cross_r1), expect('cross', 'macro', 'recall@1'), 'cross R@1');
    checked++;
  }
  t.is(checked, 2);
});
