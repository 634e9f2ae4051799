// The hashed-feature tokenizer against a plain reference (TextEncoder + an FNV-1a loop, itself pinned to published
// test vectors): exact features of hand-worked words, code points rather than UTF-16 units, word and n-gram spaces
// kept apart, segmentation of unspaced scripts, config validation, and encodeBatch / tokenizeUnique agreeing with
// per-text features.
import test from 'ava';
import { HashedTokenizer, tokenizeUnique, tokenizerConfigSchema } from '../../stages/train/tokenizer.ts';

/** FNV-1a 32 the textbook way: one byte at a time, unsigned 32-bit arithmetic. */
function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const utf8 = new TextEncoder();

/** Bucket of a feature: the tag byte ('w' word, 'g' n-gram) then the feature's UTF-8 bytes. */
function bucket(tag: 'w' | 'g', feature: string, buckets: number): number {
  return fnv1a32(utf8.encode(tag + feature)) % buckets;
}

const B = 1_000_003; // prime, not a power of two, large enough that the features below do not collide

test('the reference FNV-1a matches the published test vectors', (t) => {
  t.is(fnv1a32(utf8.encode('')), 0x811c9dc5);
  t.is(fnv1a32(utf8.encode('a')), 0xe40c292c);
  t.is(fnv1a32(utf8.encode('foobar')), 0xbf9cf968);
});

test('exact features of a hand-worked text: word, then n-grams by start and length, punctuation dropped', (t) => {
  const tok = new HashedTokenizer({ buckets: B, ngramMin: 3, ngramMax: 4 });
  // "Ab!" → one word "ab" (lowercased; "!" is not word-like) → padded "<ab>".
  const expected = [bucket('w', 'ab', B), bucket('g', '<ab', B), bucket('g', '<ab>', B), bucket('g', 'ab>', B)];
  t.deepEqual([...tok.features('Ab!')], expected);
  // Duplicates are kept: the encoder averages the bag.
  t.deepEqual([...tok.features('ab, AB')], [...expected, ...expected]);
});

test('default n-gram counts: 1 word feature + every 3..5-gram of "<word>"', (t) => {
  const tok = new HashedTokenizer();
  // "hello" → "<hello>" (7 code points): 5 trigrams + 4 four-grams + 3 five-grams.
  t.is(tok.features('hello').length, 1 + 5 + 4 + 3);
  t.is(new HashedTokenizer({ words: false }).features('hello').length, 5 + 4 + 3);
  const grams = [...new HashedTokenizer({ words: false, buckets: B }).features('hello')];
  t.deepEqual(grams.slice(0, 3), [bucket('g', '<he', B), bucket('g', '<hel', B), bucket('g', '<hell', B)]);
});

test('a padded word shorter than ngramMin still yields its whole padded form once', (t) => {
  const tok = new HashedTokenizer({ buckets: B, ngramMin: 4, ngramMax: 6 });
  t.deepEqual([...tok.features('a')], [bucket('w', 'a', B), bucket('g', '<a>', B)]);
});

test('n-grams count code points: a character above U+FFFF is one', (t) => {
  const tok = new HashedTokenizer({ buckets: B });
  // U+20000 (CJK Ext-B): "<𠀀>" is 3 code points but 4 UTF-16 units → exactly one trigram.
  t.deepEqual([...tok.features('𠀀')], [bucket('w', '𠀀', B), bucket('g', '<𠀀>', B)]);
  // Deseret letters (U+10428, U+10429), one word: "<𐐨𐐩>" is 4 code points.
  t.deepEqual(
    [...tok.features('𐐨𐐩')],
    [bucket('w', '𐐨𐐩', B), bucket('g', '<𐐨𐐩', B), bucket('g', '<𐐨𐐩>', B), bucket('g', '𐐨𐐩>', B)],
  );
});

test('a word and the n-gram of the same string land in different buckets', (t) => {
  const buckets = 2 ** 31 - 1;
  const tok = new HashedTokenizer({ buckets });
  const ids = [...tok.features('abc')];
  const word = bucket('w', 'abc', buckets);
  const gram = bucket('g', 'abc', buckets);
  t.not(word, gram);
  t.is(ids[0], word);
  t.true(ids.includes(gram)); // "abc" is an inner trigram of "<abc>"
  t.is(ids.filter((id) => id === word).length, 1);
});

test('Thai and Chinese are segmented without spaces', (t) => {
  // With ngramMin beyond every word's length, each word gives exactly 2 features (word + whole padded form), so
  // the feature count is twice the word count; an unsegmented string would give 2.
  const tok = new HashedTokenizer({ ngramMin: 32, ngramMax: 32 });
  for (const text of ['ทีมรับของแพนเธอร์สถอดใจ', '黑豹队的防守只丢了分']) {
    const n = tok.features(text).length;
    t.true(n > 2, `${text}: ${n} features`);
    t.is(n % 2, 0);
  }
  // And with the defaults they produce n-grams as any other script does.
  t.true(new HashedTokenizer().features('ในขณะที่เป็นผู้นำ').length > 10);
});

test('normalisation and lowercasing are applied before segmentation; both can be turned off', (t) => {
  const tok = new HashedTokenizer();
  t.deepEqual(tok.features('ＡＢＣ ﬁne'), tok.features('abc fine')); // fullwidth letters, the "fi" ligature
  t.deepEqual(tok.features('ΣΟΦΙΑ'), tok.features('σοφια'));
  const raw = new HashedTokenizer({ normalization: 'none', lowercase: false });
  t.notDeepEqual(raw.features('ＡＢＣ'), raw.features('abc'));
  t.notDeepEqual(raw.features('ABC'), raw.features('abc'));
});

test('empty and word-less texts give zero features', (t) => {
  const tok = new HashedTokenizer();
  t.is(tok.features('').length, 0);
  t.is(tok.features('  ?!… 😀 ').length, 0);
});

test('words beyond maxWords are ignored', (t) => {
  const tok = new HashedTokenizer({ maxWords: 2 });
  t.deepEqual(tok.features('one two three four'), tok.features('one two'));
});

test('features are deterministic across instances and calls', (t) => {
  const texts = [
    'How many points did the Panthers defense surrender?',
    'Wie viele Punkte?',
    'Сколько очков?',
    'कितने अंक?',
    '多少分？',
    'กี่คะแนน',
  ];
  const a = new HashedTokenizer();
  const b = HashedTokenizer.fromJSON(JSON.parse(JSON.stringify(a)));
  for (const text of texts) {
    const first = a.features(text);
    t.true(first.length > 0, text);
    t.deepEqual(first, b.features(text));
    t.deepEqual(first, a.features(text));
  }
});

test('encodeBatch agrees with per-text features', (t) => {
  const tok = new HashedTokenizer({ buckets: 997 });
  const texts = ['The Panthers', '', 'ทีมรับของแพนเธอร์', '!!', 'الدفاع عن', '黑豹队', 'The Panthers'];
  const { offsets, ids } = tok.encodeBatch(texts);
  t.is(offsets.length, texts.length + 1);
  t.is(offsets[0], 0);
  t.is(offsets[texts.length], ids.length);
  texts.forEach((text, i) => t.deepEqual(ids.slice(offsets[i], offsets[i + 1]), tok.features(text), `text ${i}`));
  t.true(ids.every((id) => id >= 0 && id < 997));
  const none = tok.encodeBatch([]);
  t.deepEqual([...none.offsets], [0]);
  t.is(none.ids.length, 0);
});

test('tokenizeUnique tokenizes each distinct text once', (t) => {
  const tok = new HashedTokenizer();
  const texts = ['a question', 'a passage', 'a question', '', 'a passage', ''];
  const { index, offsets, ids } = tokenizeUnique(texts, tok);
  t.deepEqual([...index], [0, 1, 0, 2, 1, 2]);
  t.is(offsets.length, 4);
  texts.forEach((text, i) => t.deepEqual(ids.slice(offsets[index[i]], offsets[index[i] + 1]), tok.features(text)));
});

test('the config round-trips through JSON with its defaults', (t) => {
  const tok = new HashedTokenizer();
  t.deepEqual(tok.toJSON(), {
    kind: 'hashed',
    version: 1,
    buckets: 2 ** 18,
    words: true,
    ngramMin: 3,
    ngramMax: 5,
    lowercase: true,
    normalization: 'NFKC',
    maxWords: 256,
    hash: 'fnv1a32',
  });
  const custom = new HashedTokenizer({ buckets: 1000, words: false, ngramMin: 2, ngramMax: 4, normalization: 'none' });
  const text = JSON.stringify(custom);
  t.deepEqual(HashedTokenizer.fromJSON(JSON.parse(text)).toJSON(), custom.toJSON());
  t.deepEqual(HashedTokenizer.fromJSON(text).toJSON(), custom.toJSON()); // JSON text is accepted too
  t.deepEqual(tokenizerConfigSchema.parse({}), tok.toJSON());
});

test('a bad config throws an error naming the field and the source', (t) => {
  const bad: Array<[unknown, RegExp]> = [
    [{ buckets: 0 }, /invalid buckets \(got 0\)/],
    [{ buckets: 2 ** 32 }, /invalid buckets/],
    [{ buckets: 1.5 }, /invalid buckets/],
    [{ ngramMin: 5, ngramMax: 3 }, /invalid ngramMax.*>= ngramMin/],
    [{ ngramMin: 0 }, /invalid ngramMin/],
    [{ hash: 'murmur3_32' }, /invalid hash \(got "murmur3_32"\)/],
    [{ normalization: 'NFC' }, /invalid normalization/],
    [{ kind: 'bpe' }, /invalid kind/],
    [{ version: 2 }, /invalid version/],
    [{ bukets: 10 }, /bukets/],
    [null, /tokenizer config/],
  ];
  for (const [config, message] of bad) {
    const error = t.throws(
      () => HashedTokenizer.fromJSON(config, 'runs/x/tokenizer.json'),
      undefined,
      JSON.stringify(config),
    );
    t.regex(error?.message ?? '', message);
    t.regex(error?.message ?? '', /runs\/x\/tokenizer\.json/);
  }
  t.throws(() => HashedTokenizer.fromJSON('{"buckets": ', 'tok.json'), { message: /tok\.json: not valid JSON/ });
  t.throws(() => new HashedTokenizer({ buckets: -1 }), { message: /buckets/ });
});
