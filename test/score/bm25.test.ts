// BM25 against values computed by hand (Lucene's idf and length normalisation, k1 = 1.2, b = 0.75), and ICU words
// for scripts without spaces.
import test from 'ava';
import { Bm25Index, bm25Terms } from '../../stages/score/bm25.ts';

const params = { k1: 1.2, b: 0.75 };
const docs = ['The cat sat.', 'the dog', 'Cat, cat; dog!'];

function scores(index: Bm25Index, query: string): number[] {
  return [...index.score(query, new Float32Array(index.size))].map((v) => Math.round(v * 1e6) / 1e6);
}

test('hand-computed scores: idf = ln(1 + (N − df + 0.5)/(df + 0.5)), tf saturation and length normalisation', (t) => {
  const index = new Bm25Index(docs, params);
  // "cat": df 2 of 3, idf ln(1.6); doc 0 has tf 1 in 3 words, doc 2 tf 2 in 3 words; average length 8/3.
  t.deepEqual(scores(index, 'cat'), [0.447139, 0, 0.624307]);
  t.deepEqual(scores(index, 'CAT dog?'), [0.447139, 0.523548, 1.071445]);
});

test('a repeated query word counts once; unknown words add nothing', (t) => {
  const index = new Bm25Index(docs, params);
  t.deepEqual(scores(index, 'the cat cat zebra'), [0.894277, 0.523548, 0.624307]);
  t.deepEqual(scores(index, 'zebra'), [0, 0, 0]);
});

test('terms are ICU words, lower-cased: Chinese and Thai split without spaces, punctuation dropped', (t) => {
  const seg = new Intl.Segmenter('und', { granularity: 'word' });
  t.deepEqual(bm25Terms('Der Fluss, der FLUSS!', seg), ['der', 'fluss', 'der', 'fluss']);
  t.true(bm25Terms('我们在北京工作', seg).length > 1, 'Chinese is cut into words');
  t.true(bm25Terms('แม่น้ำสายนี้ยาวมาก', seg).length > 1, 'Thai is cut into words');
  const index = new Bm25Index(['我们在北京工作', '他们在上海'], params);
  const s = index.score('北京', new Float32Array(2));
  t.true(s[0] > 0 && s[1] === 0);
});

test('an out array of the wrong size is an error', (t) => {
  t.throws(() => new Bm25Index(docs, params).score('cat', new Float32Array(2)), { instanceOf: RangeError });
});
