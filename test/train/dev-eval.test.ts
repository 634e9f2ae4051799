// The dev evaluation the train stage selects by: which pairs rows it reads, and its metrics on hand-made vectors whose
// ranks are worked out below.
import test from 'ava';
import { buildDevSet, evaluateDev } from '../../stages/train/dev-eval.ts';
import { sinceBest } from '../../stages/train/index.ts';

function pairs(
  rows: [split: string, source: string, qid: string, ql: string, q: string, pid: string, pl: string, p: string][],
) {
  return {
    split: rows.map((r) => r[0]),
    source: rows.map((r) => r[1]),
    question_id: rows.map((r) => r[2]),
    question_lang: rows.map((r) => r[3]),
    question: rows.map((r) => r[4]),
    passage_id: rows.map((r) => r[5]),
    passage_lang: rows.map((r) => r[6]),
    passage: rows.map((r) => r[7]),
  };
}

test('the dev set: QA rows of split dev only; one query per (question id, language); relevant = its answers in every language', (t) => {
  const set = buildDevSet(
    pairs([
      ['dev', 'qa', 'a', 'en', 'who?', 'en:a', 'en', 'A.'],
      ['dev', 'qa', 'a', 'en', 'who?', 'de:a', 'de', 'A-de.'],
      ['dev', 'qa', 'a', 'de', 'wer?', 'en:a', 'en', 'A.'],
      ['train', 'qa', 'b', 'en', 'what?', 'en:b', 'en', 'B.'],
      ['dev', 'dictionary', 'muse:en:x', 'en', 'x', 'muse:de:y', 'de', 'y'],
      ['dev', 'qa', 'c', 'en', 'when?', 'en:c', 'en', 'C.'],
    ]),
  );
  t.deepEqual(set.queries, ['who?', 'wer?', 'when?']);
  t.deepEqual(set.queryLang, ['en', 'de', 'en']);
  t.deepEqual(set.passages, ['A.', 'A-de.', 'C.']);
  t.deepEqual(set.passageLang, ['en', 'de', 'en']);
  t.deepEqual(set.relevant, [[0, 1], [0], [2]]);
});

test('dev metrics on worked ranks: multilingual AP@20, mono and cross R@1 in one-language pools', (t) => {
  // Pool: p0 = answer of q0 (en), p1 = answer of q0 (de), p2 = another en sentence, p3 = another de sentence.
  const set = {
    queries: ['q0', 'q1'],
    queryLang: ['en', 'de'],
    passages: ['p0', 'p1', 'p2', 'p3'],
    passageLang: ['en', 'de', 'en', 'de'],
    relevant: [[0, 1], [3]],
  };
  // 1-d vectors make the scores the products: q0 = 1 scores p0..p3 as 0.9, 0.2, 0.5, 0.3 → p0 rank 1, p1 rank 4;
  // in the de pool p1 (0.2) is below p3 (0.3): a cross miss. q1 = -1 scores them -0.9, -0.2, -0.5, -0.3: p3 ranks 2
  // behind p1 (-0.2) — multilingual rank 2, and in the de pool p1 outranks it too: a mono miss.
  const m = evaluateDev(set, Float32Array.of(1, -1), Float32Array.of(0.9, 0.2, 0.5, 0.3), 1);
  t.is(m.queries, 2);
  t.is(m.pool, 4);
  // q0: AP = (1/1 + 2/4) / 2 = 0.75; q1: AP = (1/2) / 1 = 0.5.
  t.is(m.map20, (0.75 + 0.5) / 2);
  // Mono: q0 → p0 hit, q1 → p3 miss. Cross: q0 → p1 miss.
  t.is(m.monoR1, 0.5);
  t.is(m.crossR1, 0);
});

test('dev metrics count ties against the model: one vector for everything scores 0 on R@1', (t) => {
  const set = {
    queries: ['q0'],
    queryLang: ['en'],
    passages: ['p0', 'p1'],
    passageLang: ['en', 'en'],
    relevant: [[1]],
  };
  const m = evaluateDev(set, Float32Array.of(1), Float32Array.of(1, 1), 1);
  t.is(m.monoR1, 0);
  t.is(m.map20, 0.5);
});

test('early stopping counts evaluations since the best mAP@20; an equal one is no improvement', (t) => {
  const h = (...maps: number[]) => maps.map((map20) => ({ map20, monoR1: 0, crossR1: 0, queries: 1, pool: 1 }));
  t.is(sinceBest(h(0.1)), 0);
  t.is(sinceBest(h(0.1, 0.2)), 0);
  t.is(sinceBest(h(0.1, 0.2, 0.2)), 1);
  t.is(sinceBest(h(0.3, 0.2, 0.1)), 2);
});
