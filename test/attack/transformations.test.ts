// Each transformation on hand-checked examples, per script: Latin (QWERTY), Cyrillic (ЙЦУКЕН), Greek, and the
// scripts without a layout (Thai, Chinese, Devanagari, Arabic), which get layout-free edits only; homoglyphs from
// UTS #39 and the invisible characters; MUSE code-mixing with identity entries dropped and function words kept.
import test from 'ava';
import { createRng } from '../../stages/common/random.ts';
import { availableKinds, charEditable, editsOfKind, layoutShare, randomCharEdit } from '../../stages/attack/char.ts';
import { Dictionaries } from '../../stages/attack/codemix.ts';
import { confusablesOf, homoglyphEdits, invisibleEdits, randomHomoglyphEdit } from '../../stages/attack/homoglyph.ts';
import { keyNeighbours, layoutOf } from '../../stages/attack/keyboard.ts';
import { perturb, wordCandidates } from '../../stages/attack/recipes.ts';
import { join, segments, wordsAllowed } from '../../stages/attack/words.ts';

const BUDGET = { wordShare: 1, maxEdits: 64 };

test('keyboard neighbours on QWERTY, ЙЦУКЕН and Greek; none for Thai, Han, Devanagari, Arabic', (t) => {
  t.deepEqual(keyNeighbours('g'), ['f', 'h', 't', 'y', 'v', 'b']);
  t.deepEqual(keyNeighbours('G'), ['F', 'H', 'T', 'Y', 'V', 'B']);
  t.deepEqual(keyNeighbours('q'), ['w', 'a']);
  t.deepEqual(keyNeighbours('к'), ['у', 'е', 'в', 'а']);
  t.deepEqual(keyNeighbours('ρ'), ['ε', 'τ', 'σ', 'δ']);
  t.deepEqual(keyNeighbours('ά'), keyNeighbours('α'), 'an accented Greek letter is on its base key');
  t.is(layoutOf('ж'), 'jcuken');
  t.is(layoutShare(['abc ж']), 1);
  t.is(layoutShare(['NFL แม่น้ำ']), 3 / 7, 'Latin letters count, Thai letters and marks do not: Thai stays layout-free');
  t.is(layoutShare(['?!']), 0);
  for (const c of ['ก', '中', 'क', 'ب']) {
    t.is(layoutOf(c), null, c);
    t.deepEqual(keyNeighbours(c), [], c);
  }
});

test('char: the five edits of a Latin word, enumerated', (t) => {
  t.deepEqual(editsOfKind('cat', 'swap'), ['act', 'cta']);
  t.deepEqual(editsOfKind('cat', 'delete'), ['at', 'ct', 'ca']);
  t.deepEqual(editsOfKind('cat', 'keyboard').slice(0, 4), ['xat', 'vat', 'dat', 'fat']);
  t.true(editsOfKind('cat', 'insert').includes('cqat'));
  t.true(editsOfKind('cat', 'substitute').every((w) => w.length === 3 && w !== 'cat'));
  t.deepEqual(availableKinds('cat'), ['insert', 'delete', 'substitute', 'swap', 'keyboard']);
});

test('char: eligible words are ≥ 3 characters with a letter, stopwords kept', (t) => {
  t.true(charEditable('river', 'en'));
  t.false(charEditable('the', 'en'), 'function word');
  t.false(charEditable('is', 'en'), 'too short');
  t.false(charEditable('1999', 'en'), 'no letter');
  t.false(charEditable('находится', 'ru') && charEditable('где', 'ru'), '"где" is a Russian function word');
  t.true(charEditable('река', 'ru'));
  const r = perturb('char', 'where is the river', 'en', createRng(1, 't'), BUDGET);
  t.is(r.edits, 1, 'only "river" is eligible');
  t.true(r.text.startsWith('where is the '));
  t.not(r.text, 'where is the river');
});

test('char: Cyrillic and Greek keyboard typos stay in their script', (t) => {
  for (const [word, script] of [
    ['король', /^\p{Script=Cyrillic}+$/u],
    ['βασιλιάς', /^\p{Script=Greek}+$/u],
  ] as const) {
    const edits = editsOfKind(word, 'keyboard');
    t.true(edits.length > 0, word);
    for (const e of edits) t.regex(e, script, `${word} → ${e}`);
    for (const kind of ['insert', 'substitute'] as const)
      for (const e of editsOfKind(word, kind)) t.regex(e, script, `${kind}: ${word} → ${e}`);
  }
});

test("char: scripts without a layout get layout-free edits from the word's own characters", (t) => {
  for (const [word, lang] of [
    ['แม่น้ำ', 'th'],
    ['图书馆员', 'zh'],
    ['प्रसिद्ध', 'hi'],
    ['المدينة', 'ar'],
  ] as const) {
    t.true(charEditable(word, lang), word);
    t.false(availableKinds(word).includes('keyboard'), `${word}: no keyboard edit`);
    const own = new Set(Array.from(word));
    for (let s = 0; s < 20; s++) {
      const e = randomCharEdit(word, createRng(s, word))!;
      t.not(e.text, word);
      t.true(
        Array.from(e.text).every((c) => own.has(c)),
        `${word} → ${e.text} (${e.kind})`,
      );
    }
  }
});

test('homoglyph: UTS #39 confusables across Latin, Cyrillic and Greek; none that NFKC folds back', (t) => {
  t.true(confusablesOf('a').includes('а') && confusablesOf('a').includes('α'), 'Latin a ↔ Cyrillic а, Greek α');
  t.true(confusablesOf('р').includes('p'), 'Cyrillic р → Latin p');
  t.true(confusablesOf('ο').includes('o') && confusablesOf('ο').includes('о'), 'Greek ο → Latin o, Cyrillic о');
  t.false(confusablesOf('a').includes('ａ'), 'fullwidth a is NFKC-equal to a: no edit for the model');
  t.deepEqual(confusablesOf('ก'), []);
  t.deepEqual(
    homoglyphEdits('ox')
      .filter((w) => w.endsWith('x'))
      .slice(0, 2),
    ['οx', 'σx'],
  );
});

test('homoglyph: zero-width space, non-joiner and joiner inside a word; Thai lookalikes are Thai; Han gets invisibles only', (t) => {
  t.deepEqual(
    invisibleEdits('ab').map((e) => [e.text, e.kind]),
    [
      ['a\u200bb', 'zwsp'],
      ['a\u200cb', 'zwnj'],
      ['a\u200db', 'zwj'],
    ],
  );
  t.deepEqual(invisibleEdits('a'), [], 'nowhere to put one in a single character');
  t.deepEqual(confusablesOf('ข'), ['ฃ'], 'UTS #39 pairs Thai letters too');
  for (let s = 0; s < 10; s++) {
    const e = randomHomoglyphEdit('图书馆', createRng(s, 'zh'))!;
    t.true(['zwsp', 'zwnj', 'zwj'].includes(e.kind));
    t.is(e.text.replace(/[\u200b-\u200d]/g, ''), '图书馆');
    t.regex(e.text, /^[\p{L}\p{M}\p{Cf}]+$/u, 'format characters (Cf) allowed');
  }
});

test('codemix: MUSE translations, identity entries dropped, through English for two foreign languages', (t) => {
  const d = new Dictionaries();
  t.deepEqual(d.add('de', 'river\tFluss\nriver\tStrom\nberlin\tberlin\nbad line\n'), { entries: 2, identity: 1 });
  d.add('ru', 'river\tрека\n');
  t.deepEqual(d.translate('river', 'en', 'de'), ['Fluss', 'Strom']);
  t.deepEqual(d.translate('Fluss', 'de', 'en'), ['river']);
  t.deepEqual(d.translate('fluss', 'de', 'ru'), ['река'], 'de → en → ru');
  t.deepEqual(d.translate('berlin', 'en', 'de'), [], 'identity entry dropped');
  t.deepEqual(d.languages, ['de', 'en', 'ru']);
  t.deepEqual(d.embeddable('de'), ['en', 'ru']);
  t.deepEqual(d.embeddable('el'), [], 'no dictionary for Greek');
  const r = perturb('codemix', 'Where is the River', 'en', createRng(0, 'cm'), {
    ...BUDGET,
    dictionaries: d,
    embedded: ['ru'],
  });
  t.is(r.text, 'Where is the Река', 'function words kept, the capital kept');
  t.deepEqual(r.kinds, ['codemix:ru']);
  const none = perturb('codemix', 'where is the', 'en', createRng(0, 'cm'), {
    ...BUDGET,
    dictionaries: d,
    embedded: ['de'],
  });
  t.true(none.featureless, 'nothing to translate: featureless, text unchanged');
  t.is(none.text, 'where is the');
});

test('words: segments join back to the text; the budget allows at least one word', (t) => {
  for (const [text, lang] of [
    ['Où est la rivière ? (1999)', 'fr'],
    ['แม่น้ำอยู่ที่ไหน', 'th'],
    ['北京在哪里？', 'zh'],
    ['', 'en'],
  ] as const) {
    t.is(join(segments(text, lang)), text);
  }
  t.is(wordsAllowed(0, 0.25, 3), 0);
  t.is(wordsAllowed(3, 0.25, 3), 1);
  t.is(wordsAllowed(12, 0.25, 3), 3);
  t.is(wordsAllowed(12, 0.25, 2), 2);
});

test('greedy candidates: typos, homoglyphs and translations of one word, distinct', (t) => {
  const d = new Dictionaries();
  d.add('de', 'river\tFluss\n');
  const c = wordCandidates('river', 'en', createRng(3, 'c'), {
    ...BUDGET,
    charCandidates: 4,
    homoglyphCandidates: 3,
    dictionaries: d,
    embedded: ['de'],
  });
  const kinds = new Set(c.map((e) => e.kind));
  t.true(kinds.has('codemix:de'));
  t.true(c.some((e) => ['homoglyph', 'zwsp', 'zwnj', 'zwj'].includes(e.kind)));
  t.true(c.some((e) => ['insert', 'delete', 'substitute', 'swap', 'keyboard'].includes(e.kind)));
  t.is(new Set(c.map((e) => e.text)).size, c.length);
  t.false(c.some((e) => e.text === 'river'));
});
