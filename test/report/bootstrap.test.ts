// The report's statistics on constructed data with a known answer: an effect the paired bootstrap must detect, nulls
// it must not (at about the advertised rate over many datasets), the cluster resampling that keeps translations of
// one question together, and the small helpers (sample sd, type-7 quantiles) against hand-computed values.
import test from 'ava';
import { meanSd, pairedBootstrap, quantileSorted, resamplingPlan } from '../../stages/report/bootstrap.ts';
import { createRng } from '../../stages/common/random.ts';

/** A standard normal draw (Box–Muller) from a seeded stream. */
function normal(rng: ReturnType<typeof createRng>): number {
  const u = 1 - rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}

test('mean and sample sd (n − 1), NaN skipped, sd undefined for one value', (t) => {
  const s = meanSd([2, 4, 4, 4, 5, 5, 7, 9]);
  t.is(s.mean, 5);
  t.is(s.n, 8);
  // Σ(x − 5)² = 32; 32 / 7.
  t.is(s.sd, Math.sqrt(32 / 7));
  t.deepEqual(meanSd([3, Number.NaN]), { mean: 3, sd: Number.NaN, n: 1 });
  t.is(meanSd([]).n, 0);
});

test('type-7 quantiles interpolate between order statistics', (t) => {
  const xs = [1, 2, 3, 4, 5];
  t.is(quantileSorted(xs, 0), 1);
  t.is(quantileSorted(xs, 1), 5);
  t.is(quantileSorted(xs, 0.5), 3);
  t.is(quantileSorted(xs, 0.1), 1.4);
  t.is(quantileSorted([10, 20], 0.25), 12.5);
});

test("the plan draws each resample's clusters with replacement, the same for the same seed", (t) => {
  const a = resamplingPlan(50, 200, 7);
  const b = resamplingPlan(50, 200, 7);
  const c = resamplingPlan(50, 200, 8);
  t.deepEqual(a.counts, b.counts);
  t.notDeepEqual(a.counts, c.counts);
  for (let r = 0; r < 200; r++)
    t.is(
      a.counts.subarray(r * 50, (r + 1) * 50).reduce((s, v) => s + v, 0),
      50,
    );
  t.throws(() => resamplingPlan(0, 10, 0), { message: /at least one cluster/ });
});

test('a real paired effect is detected and its interval holds the true difference', (t) => {
  // 300 questions, 3 language versions each; side a = side b + 0.05 + noise; b varies a lot between queries
  // (difficulty), which the pairing removes.
  const rng = createRng(1, 'effect');
  const cluster: number[] = [];
  const diff: number[] = [];
  for (let q = 0; q < 300; q++) {
    for (let l = 0; l < 3; l++) {
      const difficulty = 5 * normal(rng);
      const b = difficulty;
      const a = difficulty + 0.05 + 0.2 * normal(rng);
      cluster.push(q);
      diff.push(a - b);
    }
  }
  const r = pairedBootstrap(resamplingPlan(300, 2000, 0), cluster, diff);
  t.true(r.distinguishable);
  t.true(r.low > 0 && r.low < 0.05 && r.high > 0.05, `interval [${r.low}, ${r.high}] should hold 0.05 and exclude 0`);
  t.is(r.queries, 900);
  t.is(r.clusters, 300);
});

test('a null is not detected, and over 200 null datasets the 95% interval misses 0 about 5% of the time', (t) => {
  const plan = resamplingPlan(120, 1000, 3);
  let falsePositives = 0;
  const datasets = 200;
  for (let k = 0; k < datasets; k++) {
    const rng = createRng(k, 'null');
    const cluster: number[] = [];
    const diff: number[] = [];
    for (let q = 0; q < 120; q++) {
      cluster.push(q);
      // Per-query R@1 is 0 or 1: a difference of two fair coins (mean 0), a skewed, discrete null.
      diff.push((rng.float() < 0.3 ? 1 : 0) - (rng.float() < 0.3 ? 1 : 0));
    }
    if (pairedBootstrap(plan, cluster, diff).distinguishable) falsePositives++;
  }
  t.log(`${falsePositives} of ${datasets} null datasets flagged`);
  // Binomial(200, 0.05): mean 10, sd 3.1; the percentile interval runs a little narrow at n = 120. 2..22 is ±4 sd.
  t.true(falsePositives >= 2 && falsePositives <= 22, `${falsePositives} of ${datasets} null datasets flagged`);
});

test('an exact null (identical sides) gives [0, 0] and is not distinguishable', (t) => {
  const r = pairedBootstrap(resamplingPlan(10, 1000, 0), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], new Array(10).fill(0));
  t.deepEqual([r.estimate, r.low, r.high, r.distinguishable], [0, 0, 0, false]);
});

test('resampling questions, not their language versions: correlated versions widen the interval', (t) => {
  // 100 questions × 10 language versions that share their question's effect (translations behave alike).
  const rng = createRng(2, 'clustered');
  const cluster: number[] = [];
  const diff: number[] = [];
  for (let q = 0; q < 100; q++) {
    const shared = normal(rng);
    for (let l = 0; l < 10; l++) {
      cluster.push(q);
      diff.push(shared + 0.1 * normal(rng));
    }
  }
  const byQuestion = pairedBootstrap(resamplingPlan(100, 2000, 0), cluster, diff);
  const byQuery = pairedBootstrap(
    resamplingPlan(1000, 2000, 0),
    cluster.map((_, i) => i),
    diff,
  );
  t.true(Math.abs(byQuestion.estimate - byQuery.estimate) < 1e-12, 'the same mean, summed in another order');
  const wide = byQuestion.high - byQuestion.low;
  const narrow = byQuery.high - byQuery.low;
  // With near-identical versions the effective sample is 100, not 1,000: about √10 ≈ 3.2× wider.
  t.true(wide / narrow > 2.5 && wide / narrow < 4, `question-level interval ${wide} vs query-level ${narrow}`);
});

test('missing pairs (NaN) are left out, and a bad cluster id fails clearly', (t) => {
  const plan = resamplingPlan(3, 1000, 0);
  const r = pairedBootstrap(plan, [0, 1, 2, 2], [1, Number.NaN, 1, 1]);
  t.is(r.queries, 3);
  t.is(r.clusters, 2);
  t.is(r.estimate, 1);
  t.throws(() => pairedBootstrap(plan, [0, 5], [1, 1]), { message: /cluster 5 of unit 1 is outside/ });
  t.throws(() => pairedBootstrap(plan, [0], [1, 2]), { message: /1 cluster ids for 2 differences/ });
});

test('two-level bootstrap: run-to-run spread widens the interval; with one seed per side it is the question-level one', async (t) => {
  const { seedBootstrap } = await import('../../stages/report/bootstrap.ts');
  // 200 questions; side a's three runs differ by a run offset (sd ~0.05) around a true +0.01; side b's runs likewise.
  const rng = createRng(4, 'seeds');
  const n = 200;
  const cluster = Int32Array.from({ length: n }, (_, i) => i);
  const base = Float64Array.from({ length: n }, () => normal(rng));
  const run = (shift: number) => Float64Array.from(base, (x) => x + shift + 0.02 * normal(rng));
  const a = [run(0.01 + 0.05), run(0.01 - 0.05), run(0.01 + 0.04)];
  const b = [run(0.05), run(-0.06), run(0)];
  const plan = resamplingPlan(n, 2000, 0);
  const diff = Float64Array.from(
    { length: n },
    (_, i) => (a[0][i] + a[1][i] + a[2][i]) / 3 - (b[0][i] + b[1][i] + b[2][i]) / 3,
  );
  const questions = pairedBootstrap(plan, cluster, diff);
  const both = seedBootstrap(plan, cluster, { values: a }, { values: b }, createRng(0, 's'));
  t.true(questions.distinguishable, `questions alone: [${questions.low}, ${questions.high}]`);
  t.true(both.low < 0 && both.high > 0, `seeds too: [${both.low}, ${both.high}] includes 0`);
  t.true(both.high - both.low > 5 * (questions.high - questions.low));
  // One run per side: no seed to resample, the same interval as the question-level bootstrap.
  const one = seedBootstrap(plan, cluster, { values: [a[0]] }, { values: [b[0]] }, createRng(0, 's'));
  const q1 = pairedBootstrap(
    plan,
    cluster,
    Float64Array.from({ length: n }, (_, i) => a[0][i] - b[0][i]),
  );
  t.true(Math.abs(one.low - q1.low) < 1e-12 && Math.abs(one.high - q1.high) < 1e-12);
});
