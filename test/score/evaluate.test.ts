// The settings and the language-bias measures on the toy case README.md works through: two languages, two
// questions with their answer in both, scores chosen by hand; plus a question with no answer in one language.
import test from 'ava';
import { evaluate, type EvalSet } from '../../stages/score/evaluate.ts';
import { headline, summaryMarkdown, summaryRows } from '../../stages/score/summary.ts';

// Pool: c0 "A" en, c1 "B" en, c2 "A" de, c3 "B" de. q0: question A in en; q1: question B in de; q2: en, answer only in
// en.
const data: EvalSet = {
  dataset: 'toy',
  languages: ['en', 'de'],
  trainLanguages: null,
  candidates: { ids: ['c0', 'c1', 'c2', 'c3'], texts: ['', '', '', ''], lang: Uint8Array.from([0, 0, 1, 1]) },
  queries: {
    ids: ['q0', 'q1', 'q2'],
    texts: ['', '', ''],
    lang: Uint8Array.from([0, 1, 0]),
    relevant: [Int32Array.from([0, 2]), Int32Array.from([1, 3]), Int32Array.from([1])],
  },
};
const scores = [
  [0.9, 0.5, 0.3, 0.1], // q0: c0 1st, c1 (same language, wrong answer) 2nd, c2 (right answer, German) 3rd
  [0.2, 0.4, 0.1, 0.8], // q1: c3 1st, c1 2nd
  [0.7, 0.6, 0.9, 0.1], // q2: c2 1st, c0 2nd, c1 3rd
];

async function run(block: number) {
  return evaluate(
    data,
    (from, count, out) => {
      for (let i = 0; i < count; i++) out.set(scores[from + i], i * 4);
    },
    { block },
  );
}

test('multilingual, mono and cross metrics of the toy case', async (t) => {
  const { metrics: m } = await run(2);
  // q0 ranks [1, 3]: AP = (1/1 + 2/3)/2; q2 rank 3 of its one relevant: AP = 1/3.
  t.is(m.multilingual.byLanguage.en.values['map@20'], ((1 + 2 / 3) / 2 + 1 / 3) / 2);
  t.is(m.multilingual.byLanguage.de.values['map@20'], 1);
  t.is(m.multilingual.micro.queries, 3);
  t.is(m.multilingual.micro.values['map@20'], ((1 + 2 / 3) / 2 + 1 + 1 / 3) / 3);
  // Within one language's pool: q0 en→en c0 rank 1; q2 en→en c1 rank 2 (after c0); q1 de→de c3 rank 1.
  t.is(m.mono.byLanguage.en.values['recall@1'], 0.5);
  t.is(m.mono.byLanguage.de.values['recall@1'], 1);
  t.is(m.mono.macro['recall@1'], 0.75);
  // en→de: q0's c2 beats c3 among German candidates; q2 has no German answer: skipped.
  t.is(m.cross.byDirection.en.de.values['recall@1'], 1);
  t.is(m.cross.byDirection.en.de.queries, 1);
  t.is(m.cross.byDirection.en.de.skipped, 1);
  t.is(m.cross.byDirection.de.en.values['recall@1'], 1);
});

test('language bias: rank distance and own-language-first over questions with answers in several languages', async (t) => {
  const { metrics: m } = await run(2);
  // q0: relevant at 1 and 3 → distance 2, best (c0) is English like q0. q1: c3 at 1, c1 at 2 → distance 1, best German
  // like q1.
  t.deepEqual(m.bias.all, { rankDistance: 1.5, ownLanguageFirst: 1, ownLanguageChance: 0.5, queries: 2 });
  t.is(m.bias.byLanguage.en.rankDistance, 2);
});

test('block size changes nothing; ranks come out per query and relevant candidate', async (t) => {
  const a = await run(1);
  const b = await run(3);
  t.deepEqual(a.metrics, b.metrics);
  t.deepEqual([...a.ranks.query], [0, 0, 1, 1, 2]);
  t.deepEqual([...a.ranks.rankAll], [1, 3, 2, 1, 3]);
  t.deepEqual([...a.ranks.rankInLanguage], [1, 1, 1, 1, 2]);
});

test('training languages split R@1 into seen and zero-shot languages, in the headline and a second summary table', async (t) => {
  const { metrics: m } = await run(2);
  const none = headline(m);
  t.true(Number.isNaN(none.monoR1Seen) && Number.isNaN(none.crossR1ZeroShot));
  // Trained on en only: en→en is seen (0.5), de→de zero-shot (1); no direction joins two seen languages; en→de and
  // de→en both involve German (1 each).
  const h = headline(m, ['en']);
  t.like(h, { monoR1Seen: 0.5, monoR1ZeroShot: 1, crossR1ZeroShot: 1 });
  t.true(Number.isNaN(h.crossR1Seen));
  const info = {
    id: 'm',
    kind: 'model' as const,
    strategy: 'hybrid',
    batchSize: 32,
    loss: 'infonce',
    seed: 0,
    fingerprint: 'f',
  };
  const ctx = { dataset: 'toy', queries: 3, candidates: 4, languages: ['en', 'de'], directions: 2 };
  const md = summaryMarkdown(summaryRows([{ info, headline: h }]), { ...ctx, trainLanguages: ['en'] });
  t.regex(md, /Seen and zero-shot languages: trained on en; zero-shot here: de\./);
  t.regex(
    md,
    /\| mono R@1 seen \(1\) \| mono R@1 zero-shot \(1\) \| cross R@1 seen → seen \(0 dirs\) \| cross R@1 with a zero-shot language \(2 dirs\) \|/,
  );
  t.regex(md, /\| dual encoder \| hybrid \| 32 \| infonce \| 0\.500 \| 1\.000 \| — \| 1\.000 \|/);
  // Every language seen, or none known: no second table.
  t.notRegex(
    summaryMarkdown(summaryRows([{ info, headline: headline(m, ['en', 'de']) }]), {
      ...ctx,
      trainLanguages: ['en', 'de'],
    }),
    /zero-shot here/,
  );
  t.notRegex(summaryMarkdown(summaryRows([{ info, headline: none }]), ctx), /zero-shot here/);
});
