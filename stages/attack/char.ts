// `char`: typo noise on single words, after the dense-retrieval typo studies (Zhuang & Zuccon 2021, 2022, built on
// TextAttack's transformations): random insertion, deletion, substitution, swap of two neighbouring characters,
// and substitution by a keyboard neighbour. Only words of ≥ 3 code points that hold a letter and are not function
// words are edited. Inserted and substituted characters come from the keyboard layout of the character they go
// next to; on scripts without a layout (keyboard.ts) from the word's own characters, so a Thai word stays Thai.
import type { Rng } from '../common/random.ts';
import { isFunctionWord } from './function-words.ts';
import { keyNeighbours, layoutOf, layoutKeys } from './keyboard.ts';
import { codePoints } from './words.ts';

export const CHAR_EDITS = ['insert', 'delete', 'substitute', 'swap', 'keyboard'] as const;
export type CharEditKind = (typeof CHAR_EDITS)[number];

export interface WordEdit {
  /** The edited word. */
  text: string;
  /** What was done, e.g. "swap" or "homoglyph" (the attacks table's recipes count these). */
  kind: string;
}

const MIN_LENGTH = 3;
const HAS_LETTER = /\p{L}/u;

/** Whether `char` may edit `word` of language `lang`. */
export function charEditable(word: string, lang: string): boolean {
  return codePoints(word).length >= MIN_LENGTH && HAS_LETTER.test(word) && !isFunctionWord(word, lang);
}

/**
 * Characters that may be inserted next to, or put in place of, position `i`: its layout's keys, else the word's own.
 */
function pool(cps: readonly string[], i: number): string[] {
  const anchor = cps[Math.min(i, cps.length - 1)];
  const layout = layoutOf(anchor);
  if (layout) {
    const keys = layoutKeys(layout);
    return anchor !== anchor.toLowerCase() ? keys.map((k) => k.toUpperCase()) : keys;
  }
  return [...new Set(cps.filter((c) => HAS_LETTER.test(c)))];
}

/** Every distinct edit of one kind that this word allows, in a fixed order (positions left to right). */
export function editsOfKind(word: string, kind: CharEditKind): string[] {
  const cps = codePoints(word);
  const n = cps.length;
  const out = new Set<string>();
  const put = (list: string[]): void => {
    const text = list.join('');
    if (text !== word && text.length > 0) out.add(text);
  };
  for (let i = 0; i < n; i++) {
    if (kind === 'insert' && i > 0) for (const c of pool(cps, i - 1)) put([...cps.slice(0, i), c, ...cps.slice(i)]);
    if (kind === 'delete') put([...cps.slice(0, i), ...cps.slice(i + 1)]);
    if (kind === 'substitute')
      for (const c of pool(cps, i)) if (c !== cps[i]) put([...cps.slice(0, i), c, ...cps.slice(i + 1)]);
    if (kind === 'swap' && i + 1 < n && cps[i] !== cps[i + 1])
      put([...cps.slice(0, i), cps[i + 1], cps[i], ...cps.slice(i + 2)]);
    if (kind === 'keyboard') for (const c of keyNeighbours(cps[i])) put([...cps.slice(0, i), c, ...cps.slice(i + 1)]);
  }
  return [...out];
}

/** The edit kinds this word allows (keyboard only when one of its characters is on a layout). */
export function availableKinds(word: string): CharEditKind[] {
  return CHAR_EDITS.filter((k) => editsOfKind(word, k).length > 0);
}

/** One random typo: a kind uniformly among those the word allows, then one of its edits uniformly. */
export function randomCharEdit(word: string, rng: Rng): WordEdit | null {
  const kinds = availableKinds(word);
  if (kinds.length === 0) return null;
  const kind = kinds[rng.int(0, kinds.length - 1)];
  const edits = editsOfKind(word, kind);
  return { text: edits[rng.int(0, edits.length - 1)], kind };
}

/** Up to `n` distinct random typos of `word` (greedy's candidates), each drawn as randomCharEdit draws one. */
export function charCandidates(word: string, rng: Rng, n: number): WordEdit[] {
  const out = new Map<string, WordEdit>();
  for (let tries = 0; out.size < n && tries < n * 4; tries++) {
    const e = randomCharEdit(word, rng);
    if (!e) break;
    if (!out.has(e.text)) out.set(e.text, e);
  }
  return [...out.values()];
}

/**
 * Share of the letters of `texts` that sit on a keyboard layout. A language whose share is below one half is
 * written in a script without a layout here (a Latin name in a Thai question does not give Thai a keyboard); the
 * summary names those languages.
 */
export function layoutShare(texts: readonly string[]): number {
  let letters = 0;
  let onLayout = 0;
  for (const t of texts) {
    for (const c of codePoints(t)) {
      if (!HAS_LETTER.test(c)) continue;
      letters++;
      if (layoutOf(c) !== null) onLayout++;
    }
  }
  return letters === 0 ? 0 : onLayout / letters;
}
