// The splitter against LAReQA's own sentence_breaks on the real XQuAD-R files, and its unit behaviour.
import test from 'ava';
import { XQUAD_LANGS } from '../../stages/pairs/langs.ts';
import { addAgreement, agreementOf, emptyAgreement, sentenceAt, splitSentences } from '../../stages/pairs/sentences.ts';
import { parseSquad } from '../../stages/pairs/squad.ts';
import { readShared } from './raw.ts';

// Thresholds documented in stages/pairs/README.md. Thai is excluded: LAReQA's Thai breaks come from another segmenter
// and Thai has no sentence punctuation (ICU finds ~no breaks).
// The spec is F1 >= 0.95; the measured minimum is 0.989 (es), so 0.98 guards against regressions. Paragraph-exact
// is stricter (one differing break fails the paragraph); measured minimum 0.938 (es), every other language >= 0.954.
const MIN_BREAK_F1 = 0.98;
const MIN_PARAGRAPH_EXACT = 0.93;

for (const lang of XQUAD_LANGS) {
  test(`xquad-r/${lang}: break agreement with LAReQA`, async (t) => {
    const doc = parseSquad(await readShared(`xquad-r/${lang}.json`), `xquad-r/${lang}.json`, {
      requireSentences: true,
    });
    const acc = emptyAgreement();
    for (const a of doc.articles)
      for (const p of a.paragraphs) addAgreement(acc, p.sentenceBreaks!, splitSentences(p.context, lang));
    const r = agreementOf(acc);
    t.is(r.paragraphs, 240);
    t.log(`paragraph-exact ${r.paragraphExact}  P ${r.precision}  R ${r.recall}  F1 ${r.f1}`);
    if (lang === 'th') {
      t.true(r.f1 < 0.5, 'Thai is expected to disagree (see README); if this passes, update the README table');
    } else {
      t.true(r.f1 >= MIN_BREAK_F1, `break F1 ${r.f1} < ${MIN_BREAK_F1}`);
      t.true(r.paragraphExact >= MIN_PARAGRAPH_EXACT, `paragraph-exact ${r.paragraphExact} < ${MIN_PARAGRAPH_EXACT}`);
      t.true(r.precision >= 0.99, `precision ${r.precision}`);
    }
  });
}

test('abbreviations, initials and line breaks do not end a sentence; numbers after a stop start one', (t) => {
  const text = (s: string, lang: 'en' | 'de') => splitSentences(s, lang).map(([a, b]) => s.slice(a, b));
  t.deepEqual(text('Nixon named William E. Simon as head. He served (c. 1974).', 'en'), [
    'Nixon named William E. Simon as head.',
    'He served (c. 1974).',
  ]);
  t.deepEqual(text('Pressure of O\n2 rises. Then it falls.', 'en'), ['Pressure of O\n2 rises.', 'Then it falls.']);
  t.deepEqual(text('Tesla starb am 7. Januar 1943. Er war vergessen. 1960 benannte man es nach ihm.', 'de'), [
    'Tesla starb am 7. Januar 1943.',
    'Er war vergessen.',
    '1960 benannte man es nach ihm.',
  ]);
});

test('the first sentence keeps a leading U+FEFF (as LAReQA does); spans are trimmed', (t) => {
  const s = '\uFEFFFirst one.   Second one.  ';
  t.deepEqual(splitSentences(s, 'en'), [
    [0, 11],
    [14, 25],
  ]);
});

test('sentenceAt: the sentence holding an offset; a gap belongs to the next sentence', (t) => {
  const spans = [
    [0, 10],
    [11, 20],
    [21, 30],
  ] as const;
  t.is(sentenceAt(spans, 0), 0);
  t.is(sentenceAt(spans, 9), 0);
  t.is(sentenceAt(spans, 10), 1);
  t.is(sentenceAt(spans, 25), 2);
  t.is(sentenceAt(spans, 99), 2);
});
