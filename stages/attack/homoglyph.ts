// `homoglyph`: visually confusable substitutions from Unicode's confusables data (UTS #39, confusables.txt v13 as
// shipped by the MIT `unhomoglyph` package, which maps each confusable to its skeleton), plus the invisible
// characters of "Bad Characters" (Boucher et al., S&P 2022): zero-width space, joiner and non-joiner inside a word.
//
// A character's substitutes are the other characters with the same skeleton, kept only when they are a letter or
// digit of the Basic Multilingual Plane and stay different after NFKC: the tokenizer normalises with NFKC, so a
// fullwidth or mathematical-alphanumeric twin would reach the model as the original letter (an edit in name only).
// What is left is mostly Latin ↔ Cyrillic ↔ Greek ↔ Armenian/Cherokee lookalikes. The invisible characters are
// Unicode format characters (Cf), allowed; a control character (Cc) is never produced.
import { createRequire } from 'node:module';
import type { Rng } from '../common/random.ts';
import type { WordEdit } from './char.ts';
import { codePoints } from './words.ts';

const require = createRequire(import.meta.url);
/** confusable → skeleton (UTS #39), from the `unhomoglyph` package. */
const SKELETON: Record<string, string> = require('unhomoglyph/data.json');

export const INVISIBLES = { zwsp: '\u200b', zwnj: '\u200c', zwj: '\u200d' } as const;
export type InvisibleName = keyof typeof INVISIBLES;

const USABLE = /^[\p{L}\p{Nd}]$/u;

function buildSubstitutes(): Map<string, string[]> {
  const bySkeleton = new Map<string, string[]>();
  const add = (skeleton: string, c: string): void => {
    const list = bySkeleton.get(skeleton) ?? [];
    if (!list.includes(c)) list.push(c);
    bySkeleton.set(skeleton, list);
  };
  for (const [c, skeleton] of Object.entries(SKELETON)) {
    add(skeleton, c);
    if (codePoints(skeleton).length === 1) add(skeleton, skeleton);
  }
  const out = new Map<string, string[]>();
  for (const group of bySkeleton.values()) {
    const usable = group
      .filter((c) => codePoints(c).length === 1 && c.codePointAt(0)! <= 0xffff && USABLE.test(c))
      .sort();
    for (const c of usable) {
      const folded = c.normalize('NFKC').toLowerCase();
      const others = usable.filter((o) => o !== c && o.normalize('NFKC').toLowerCase() !== folded);
      if (others.length > 0) out.set(c, others);
    }
  }
  return out;
}

const SUBSTITUTES = buildSubstitutes();

/** The confusables of one character that survive NFKC (sorted by code point); empty when it has none. */
export function confusablesOf(char: string): readonly string[] {
  return SUBSTITUTES.get(char) ?? [];
}

/** Every homoglyph substitution of one character of `word`, positions left to right. */
export function homoglyphEdits(word: string): string[] {
  const cps = codePoints(word);
  const out: string[] = [];
  cps.forEach((c, i) => {
    for (const s of confusablesOf(c)) out.push([...cps.slice(0, i), s, ...cps.slice(i + 1)].join(''));
  });
  return out;
}

/** Every insertion of an invisible character between two characters of `word` (needs ≥ 2 code points). */
export function invisibleEdits(word: string): { text: string; kind: InvisibleName }[] {
  const cps = codePoints(word);
  const out: { text: string; kind: InvisibleName }[] = [];
  for (let i = 1; i < cps.length; i++) {
    for (const [kind, c] of Object.entries(INVISIBLES) as [InvisibleName, string][])
      out.push({ text: [...cps.slice(0, i), c, ...cps.slice(i)].join(''), kind });
  }
  return out;
}

export function homoglyphEditable(word: string): boolean {
  return homoglyphEdits(word).length > 0 || invisibleEdits(word).length > 0;
}

/**
 * One random edit: a visible homoglyph substitution when the word has a confusable character (chosen with
 * probability 1/2 against an invisible insertion), else an invisible character.
 */
export function randomHomoglyphEdit(word: string, rng: Rng): WordEdit | null {
  const visible = homoglyphEdits(word);
  const invisible = invisibleEdits(word);
  const useVisible = visible.length > 0 && (invisible.length === 0 || rng.int(0, 1) === 0);
  if (useVisible) return { text: visible[rng.int(0, visible.length - 1)], kind: 'homoglyph' };
  if (invisible.length === 0) return null;
  const e = invisible[rng.int(0, invisible.length - 1)];
  return { text: e.text, kind: e.kind };
}

/** Up to `n` distinct random homoglyph edits of `word` (greedy's candidates). */
export function homoglyphCandidates(word: string, rng: Rng, n: number): WordEdit[] {
  const out = new Map<string, WordEdit>();
  for (let tries = 0; out.size < n && tries < n * 4; tries++) {
    const e = randomHomoglyphEdit(word, rng);
    if (!e) break;
    if (!out.has(e.text)) out.set(e.text, e);
  }
  return [...out.values()];
}
