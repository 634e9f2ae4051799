// Metric definitions against values computed by hand (the cases the issue names: ties are in ranking.test.ts;
// here no relevant item, many relevant items, k larger than the pool, and the edges of each cut-off).
import test from 'ava';
import {
  averagePrecisionAt,
  macroMean,
  MetricMeans,
  ndcgAt,
  queryMetrics,
  recallAt,
  reciprocalRankAt,
} from '../../stages/score/metrics.ts';

const close = (t: { true(v: boolean, m?: string): void }, actual: number, expected: number, what: string): void =>
  t.true(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

test('one relevant item: every metric is a function of its rank', (t) => {
  const at3 = queryMetrics([3]);
  close(t, at3['map@20'], 1 / 3, 'AP@20');
  close(t, at3['recall@1'], 0, 'R@1');
  close(t, at3['recall@5'], 1, 'R@5');
  close(t, at3['mrr@10'], 1 / 3, 'MRR@10');
  close(t, at3['ndcg@10'], 1 / Math.log2(4), 'nDCG@10');
  // Just outside each cut-off.
  const at11 = queryMetrics([11]);
  close(t, at11['mrr@10'], 0, 'MRR@10 at 11');
  close(t, at11['recall@10'], 0, 'R@10 at 11');
  close(t, at11['ndcg@10'], 0, 'nDCG@10 at 11');
  close(t, at11['map@20'], 1 / 11, 'AP@20 at 11');
  close(t, queryMetrics([21])['map@20'], 0, 'AP@20 at 21');
  close(t, queryMetrics([20])['map@20'], 1 / 20, 'AP@20 at 20');
});

test('two relevant at ranks 1 and 3: AP = (1/1 + 2/3) / 2, recall counts both, nDCG over the ideal 1, 2', (t) => {
  close(t, averagePrecisionAt([1, 3], 20), (1 + 2 / 3) / 2, 'AP@20');
  close(t, recallAt([1, 3], 1), 0.5, 'R@1');
  close(t, recallAt([1, 3], 5), 1, 'R@5');
  close(t, reciprocalRankAt([1, 3], 10), 1, 'MRR');
  close(t, ndcgAt([1, 3], 10), (1 + 1 / 2) / (1 + 1 / Math.log2(3)), 'nDCG@10');
});

test('more relevant items than k: AP divides by min(R, k), nDCG by the ideal of the first k', (t) => {
  const ranks = Array.from({ length: 25 }, (_, i) => i + 1);
  close(t, averagePrecisionAt(ranks, 20), 1, 'perfect ranking with R=25 > k=20');
  close(t, recallAt(ranks, 10), 10 / 25, 'R@10 with R=25');
  close(t, ndcgAt(ranks, 10), 1, 'nDCG@10');
  // Eleven relevant (XQuAD-R's multilingual setting), the first five in place, the rest beyond 20.
  const partial = [1, 2, 3, 4, 5, 30, 31, 32, 33, 34, 35];
  close(t, averagePrecisionAt(partial, 20), 5 / 11, 'AP@20 with 5 of 11 on top');
});

test('k larger than the pool: a pool of 3 with relevant at 2 and 3', (t) => {
  close(t, averagePrecisionAt([2, 3], 20), (1 / 2 + 2 / 3) / 2, 'AP@20');
  close(t, recallAt([2, 3], 10), 1, 'R@10');
  close(t, ndcgAt([2, 3], 10), (1 / Math.log2(3) + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)), 'nDCG@10');
});

test('no relevant item: no value, counted as skipped and left out of the mean', (t) => {
  t.true(Number.isNaN(queryMetrics([])['map@20']));
  const means = new MetricMeans();
  means.add([1]);
  means.add([]);
  means.add([2]);
  t.is(means.queries, 2);
  t.is(means.skipped, 1);
  close(t, means.means()['mrr@10'], (1 + 1 / 2) / 2, 'mean MRR over the two queries with a relevant item');
  t.true(Number.isNaN(new MetricMeans().means()['recall@1']), 'no query at all: NaN, not 0');
});

test('ranks must be distinct, ascending and positive', (t) => {
  t.throws(() => queryMetrics([3, 1]), { instanceOf: RangeError });
  t.throws(() => queryMetrics([2, 2]), { instanceOf: RangeError });
  t.throws(() => queryMetrics([0]), { instanceOf: RangeError });
});

test('macro mean: equal weight per group, groups without a value skipped', (t) => {
  const a = queryMetrics([1]);
  const b = queryMetrics([2]);
  const none = new MetricMeans().means();
  close(t, macroMean([a, b, none])['mrr@10'], 0.75, 'macro MRR');
  t.true(Number.isNaN(macroMean([none])['mrr@10']));
});
