// Fuzzed: whatever the query (mixed scripts, emoji, combining marks, punctuation, empty), every recipe's output and
// every greedy candidate is well-formed Unicode (valid UTF-8 once encoded: no lone surrogate) and holds no control
// character (Cc); format characters (Cf: the invisible edits) are the only new non-letters.
import test from 'ava';
import { createRng } from '../../stages/common/random.ts';
import { Dictionaries } from '../../stages/attack/codemix.ts';
import { perturb, TRANSFORMS, wordCandidates } from '../../stages/attack/recipes.ts';

const PIECES = [
  'river',
  'Fluss',
  'река',
  'ποτάμι',
  'แม่น้ำ',
  '河流',
  'नदी',
  'نهر',
  'sông',
  'nehir',
  '😀',
  '👩‍👩‍👧',
  'e\u0301',
  '𝐚𝐛𝐜',
  '?',
  ' ',
  '  ',
  '-',
  '1999',
  "l'eau",
  'ß',
  'İstanbul',
  '\u200d',
];
const LANGS = ['en', 'de', 'ru', 'el', 'th', 'zh', 'hi', 'ar', 'vi', 'tr'];
const CONTROL = /\p{Cc}/u;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Encodes to UTF-8 and back unchanged: no lone surrogate (which UTF-8 cannot hold and Buffer would replace). */
function validUtf8(text: string): boolean {
  return !LONE_SURROGATE.test(text) && Buffer.from(text, 'utf8').toString('utf8') === text;
}

test('1,500 random queries × every recipe: valid UTF-8, no control character', (t) => {
  const dictionaries = new Dictionaries();
  dictionaries.add('de', 'river\tFluss\nwater\tWasser\n');
  dictionaries.add('ru', 'river\tрека\n');
  const rng = createRng(7, 'fuzz');
  let checked = 0;
  for (let n = 0; n < 1500; n++) {
    const words = rng.int(0, 8);
    let text = '';
    for (let w = 0; w < words; w++) text += PIECES[rng.int(0, PIECES.length - 1)] + (rng.int(0, 2) === 0 ? '' : ' ');
    const lang = LANGS[rng.int(0, LANGS.length - 1)];
    const opts = {
      wordShare: rng.float() * 0.9 + 0.1,
      maxEdits: rng.int(1, 5),
      dictionaries,
      embedded: ['de', 'en', 'ru'].filter((l) => l !== lang),
      charCandidates: 5,
      homoglyphCandidates: 5,
    };
    for (const recipe of TRANSFORMS) {
      const out = perturb(recipe, text, lang, createRng(n, recipe), opts).text;
      if (!validUtf8(out) || CONTROL.test(out))
        t.fail(`${recipe} on ${JSON.stringify(text)} (${lang}) → ${JSON.stringify(out)}`);
      checked++;
    }
    for (const word of text.split(' ').filter(Boolean)) {
      for (const c of wordCandidates(word, lang, createRng(n, 'cand'), opts)) {
        if (!validUtf8(c.text) || CONTROL.test(c.text))
          t.fail(`candidate of ${JSON.stringify(word)} → ${JSON.stringify(c.text)}`);
        checked++;
      }
    }
  }
  t.true(checked > 4500, `${checked} outputs checked`);
});
