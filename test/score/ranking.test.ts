// Ranks of relevant candidates: ties broken by pool order, per-language ranks, and agreement with a plain sort on
// many seeded cases full of ties.
import test from 'ava';
import { createRng } from '../../stages/common/random.ts';
import { relevantRanks, RankScratch } from '../../stages/score/ranking.ts';

const pool = (langs: number[], names = ['en', 'de', 'zh']) => ({
  lang: Uint8Array.from(langs),
  languages: names.slice(0, Math.max(...langs) + 1),
});

test('all scores equal: ranks follow pool order, overall and within each language', (t) => {
  const p = pool([0, 1, 0, 1, 0, 1, 0, 1]);
  const r = relevantRanks(new Float32Array(8).fill(0.5), Int32Array.from([5, 2]), p);
  t.deepEqual([...r.all], [6, 3]);
  // Candidate 5 is German: German candidates 1 and 3 come first. Candidate 2 is English: after 0.
  t.deepEqual([...r.inLanguage], [3, 2]);
});

test('a tie with a relevant item: the earlier pool position ranks first', (t) => {
  const p = pool([0, 0, 0, 0]);
  const scores = Float32Array.from([0.2, 0.9, 0.9, 0.1]);
  t.deepEqual([...relevantRanks(scores, Int32Array.from([2]), p).all], [2], 'candidate 1 ties and is earlier');
  t.deepEqual([...relevantRanks(scores, Int32Array.from([1]), p).all], [1], 'candidate 2 ties and is later');
  t.deepEqual(
    [...relevantRanks(scores, Int32Array.from([2, 1]), p).all],
    [2, 1],
    'both relevant: each counts the other when above it',
  );
});

test('no relevant item: empty ranks', (t) => {
  const r = relevantRanks(Float32Array.from([1, 2]), new Int32Array(0), pool([0, 0]));
  t.is(r.all.length, 0);
});

function reference(
  scores: Float32Array,
  relevant: Int32Array,
  lang: Uint8Array,
): { all: number[]; inLanguage: number[] } {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  const all = [...relevant].map((r) => order.indexOf(r) + 1);
  const inLanguage = [...relevant].map((r) => order.filter((c) => lang[c] === lang[r]).indexOf(r) + 1);
  return { all, inLanguage };
}

test('agrees with a full sort on 300 seeded cases with heavy ties', (t) => {
  const rng = createRng(7, 'ranking-test');
  const scratch = new RankScratch();
  for (let k = 0; k < 300; k++) {
    const n = rng.int(1, 60);
    const langs = Array.from({ length: n }, () => rng.int(0, 2));
    const p = { lang: Uint8Array.from(langs), languages: ['en', 'de', 'zh'] };
    // Few distinct values: ties everywhere.
    const levels = rng.int(1, 6);
    const scores = Float32Array.from({ length: n }, () => rng.int(0, levels) / levels);
    const relevant = Int32Array.from([
      ...new Set(Array.from({ length: rng.int(1, Math.min(n, 12)) }, () => rng.int(0, n - 1))),
    ]);
    const got = relevantRanks(scores, relevant, p, scratch);
    const want = reference(scores, relevant, p.lang);
    t.deepEqual([...got.all], want.all, `case ${k}: overall`);
    t.deepEqual([...got.inLanguage], want.inLanguage, `case ${k}: within language`);
  }
});
