// The greedy search on a scorer whose answer is known by hand: the positive drops out of the top 1 once more than
// half of the query's original words are changed. The search must stop at the goal, never exceed its word, edit
// or call budget, skip a query already outside the top k, and give the same text with batched and one-by-one
// candidate scoring (batching saves calls only).
import test from 'ava';
import { createRng } from '../../stages/common/random.ts';
import { greedyAttack, type QueryScorer } from '../../stages/attack/greedy.ts';

const QUERY = 'where was the famous river bridge built';
const ORIGINAL = QUERY.split(' ');

/** Similarity: share of the original words still present; rank 2 (goal for k = 1) below a half. */
function scorer(start = 1): QueryScorer & { calls: number; texts: number } {
  const f = (async (texts: readonly string[]) => {
    f.calls++;
    f.texts += texts.length;
    return texts.map((text) => {
      const words = new Set(text.split(' '));
      const similarity = ORIGINAL.filter((w) => words.has(w)).length / ORIGINAL.length;
      const objective = similarity - 0.5;
      return { similarity, objective, rank: start > 1 ? start : objective < 0 ? 2 : 1 };
    });
  }) as QueryScorer & { calls: number; texts: number };
  f.calls = 0;
  f.texts = 0;
  return f;
}

const OPTS = {
  k: 1,
  wordShare: 1,
  maxEdits: 64,
  maxModelCalls: 1000,
  charCandidates: 3,
  homoglyphCandidates: 2,
  batch: true,
};

test('stops at the goal: exactly the edits needed, then successful', async (t) => {
  const s = scorer();
  const r = await greedyAttack(QUERY, 'en', createRng(0, 'g'), s, OPTS);
  // 7 words, "the" is a function word (no typo, but homoglyphs are allowed): 4 changed words put similarity at 3/7 <
  // 1/2.
  t.is(r.status, 'successful');
  t.is(r.edits, 4);
  t.is(r.rankBefore, 1);
  t.is(r.rankAfter, 2);
  t.is(r.modelCalls, s.calls);
  t.is(r.modelCalls, 2 + 4, 'one call for the query, one for the deletions, one per step');
  t.is(ORIGINAL.filter((w) => r.text.split(' ').includes(w)).length, 3);
});

test('respects the budget: word share, max edits, max model calls', async (t) => {
  const share = await greedyAttack(QUERY, 'en', createRng(0, 'g'), scorer(), { ...OPTS, wordShare: 0.3 });
  t.is(share.status, 'failed');
  t.is(share.edits, 2, 'floor(0.3 × 7) = 2 words');
  const edits = await greedyAttack(QUERY, 'en', createRng(0, 'g'), scorer(), { ...OPTS, maxEdits: 1 });
  t.is(edits.edits, 1);
  t.is(edits.status, 'failed');
  const s = scorer();
  const calls = await greedyAttack(QUERY, 'en', createRng(0, 'g'), s, { ...OPTS, maxModelCalls: 4 });
  t.is(calls.modelCalls, 4);
  t.is(s.calls, 4);
  t.is(calls.edits, 2);
  t.is(calls.status, 'failed');
});

test('one call per candidate: same adversarial text, many more calls', async (t) => {
  const batched = scorer();
  const single = scorer();
  const a = await greedyAttack(QUERY, 'en', createRng(5, 'g'), batched, OPTS);
  const b = await greedyAttack(QUERY, 'en', createRng(5, 'g'), single, { ...OPTS, batch: false });
  t.is(a.text, b.text);
  t.is(batched.texts, single.texts, 'the same texts were scored');
  t.is(single.calls, single.texts);
  t.true(batched.calls * 3 < single.calls, `${batched.calls} batched vs ${single.calls} single calls`);
});

test('skipped when already outside the top k; featureless without words', async (t) => {
  const s = scorer(7);
  const r = await greedyAttack(QUERY, 'en', createRng(0, 'g'), s, OPTS);
  t.like(r, { status: 'skipped', edits: 0, text: QUERY, modelCalls: 1, rankBefore: 7 });
  const e = await greedyAttack(' ?! ', 'en', createRng(0, 'g'), scorer(), OPTS);
  t.like(e, { status: 'featureless', modelCalls: 0, text: ' ?! ' });
});

test('k: a goal of top 3 needs the rank beyond 3', async (t) => {
  // Rank is 2 below half the words: never beyond 3, so the search spends its words and fails.
  const r = await greedyAttack(QUERY, 'en', createRng(0, 'g'), scorer(), { ...OPTS, k: 3 });
  t.is(r.status, 'failed');
  t.is(r.edits, 7 - 0, 'every word tried (each edit lowers the objective)');
});
