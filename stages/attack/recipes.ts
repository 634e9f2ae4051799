// The recipes behind one entry point, `perturb(recipe, text, lang, rng, opts)` (classify reuses it), and the word
// candidates the greedy search draws from the three transformation recipes. A perturbed text is the query with
// some word segments replaced; separators are never touched, so only the recipe's own characters are new.
import type { Rng } from '../common/random.ts';
import { charCandidates, charEditable, randomCharEdit, type WordEdit } from './char.ts';
import { codemixEditable, codemixEdits, randomCodemixEdit, type Dictionaries } from './codemix.ts';
import { homoglyphCandidates, homoglyphEditable, randomHomoglyphEdit } from './homoglyph.ts';
import { join, segments, wordIndices, wordsAllowed, type Segment } from './words.ts';

export const RECIPES = ['char', 'homoglyph', 'codemix', 'greedy'] as const;
export type Recipe = (typeof RECIPES)[number];
/** The recipes that transform a text without looking at a model. */
export const TRANSFORMS = ['char', 'homoglyph', 'codemix'] as const;
export type Transform = (typeof TRANSFORMS)[number];

export interface PerturbOptions {
  /** Largest share of the query's words that may be edited (at least one word). */
  wordShare: number;
  /** At most this many edited words. */
  maxEdits: number;
  /** codemix: the dictionaries and the embedded language(s) to draw from. */
  dictionaries?: Dictionaries;
  embedded?: readonly string[];
}

export interface Perturbed {
  text: string;
  /** Words edited (one edit per word). */
  edits: number;
  /** Words of the query (word-like ICU segments). */
  words: number;
  /** What each edit was ("swap", "homoglyph", "zwsp", "codemix:de", …), in word order. */
  kinds: string[];
  /** No word the recipe may edit: the text comes back unchanged. */
  featureless: boolean;
}

/** Whether `recipe` may edit `word` at all. */
export function editable(recipe: Transform, word: string, lang: string, opts: PerturbOptions): boolean {
  if (recipe === 'char') return charEditable(word, lang);
  if (recipe === 'homoglyph') return homoglyphEditable(word);
  return opts.dictionaries !== undefined && codemixEditable(word, lang, opts.dictionaries, opts.embedded ?? []);
}

function randomEdit(recipe: Transform, word: string, lang: string, rng: Rng, opts: PerturbOptions): WordEdit | null {
  if (recipe === 'char') return randomCharEdit(word, rng);
  if (recipe === 'homoglyph') return randomHomoglyphEdit(word, rng);
  return opts.dictionaries ? randomCodemixEdit(word, lang, opts.dictionaries, opts.embedded ?? [], rng) : null;
}

/**
 * A random perturbation of `text` by one transformation recipe: `wordsAllowed` of its editable words, drawn
 * uniformly, each edited once. Deterministic in `rng`.
 */
export function perturb(recipe: Transform, text: string, lang: string, rng: Rng, opts: PerturbOptions): Perturbed {
  const segs = segments(text, lang);
  const words = wordIndices(segs);
  const eligible = words.filter((i) => editable(recipe, segs[i].text, lang, opts));
  const allowed = Math.min(eligible.length, wordsAllowed(words.length, opts.wordShare, opts.maxEdits));
  if (allowed === 0) return { text, edits: 0, words: words.length, kinds: [], featureless: true };
  // A partial Fisher–Yates draw: the first `allowed` of a shuffle, then back in word order.
  const pick = [...eligible];
  for (let i = 0; i < allowed; i++) {
    const j = rng.int(i, pick.length - 1);
    [pick[i], pick[j]] = [pick[j], pick[i]];
  }
  const chosen = pick.slice(0, allowed).sort((a, b) => a - b);
  const out: Segment[] = segs.map((s) => ({ ...s }));
  const kinds: string[] = [];
  for (const i of chosen) {
    const e = randomEdit(recipe, segs[i].text, lang, rng, opts);
    if (!e) continue;
    out[i].text = e.text;
    kinds.push(e.kind);
  }
  return { text: join(out), edits: kinds.length, words: words.length, kinds, featureless: kinds.length === 0 };
}

export interface CandidateOptions extends PerturbOptions {
  /** Random typos drawn per word. */
  charCandidates: number;
  /** Random homoglyph / invisible edits drawn per word. */
  homoglyphCandidates: number;
}

/** The greedy search's candidate edits of one word: typos, homoglyphs and translations, distinct, in that order. */
export function wordCandidates(word: string, lang: string, rng: Rng, opts: CandidateOptions): WordEdit[] {
  const out = new Map<string, WordEdit>();
  const add = (list: WordEdit[]): void => {
    for (const e of list) if (e.text !== word && !out.has(e.text)) out.set(e.text, e);
  };
  if (charEditable(word, lang)) add(charCandidates(word, rng, opts.charCandidates));
  add(homoglyphCandidates(word, rng, opts.homoglyphCandidates));
  if (opts.dictionaries) add(codemixEdits(word, lang, opts.dictionaries, opts.embedded ?? []));
  return [...out.values()];
}
