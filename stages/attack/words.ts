// A query as the recipes see it: ICU word segments (Intl.Segmenter, the segmenter the tokenizer and BM25 use, so
// Thai and Chinese get dictionary words) with the text between them kept verbatim, so joining the segments gives
// the query back exactly and an edit touches one word only.

export interface Segment {
  text: string;
  /** A word (letters or digits), which recipes may edit; separators and punctuation are never edited. */
  word: boolean;
}

const segmenters = new Map<string, Intl.Segmenter>();

function segmenter(lang: string): Intl.Segmenter {
  let s = segmenters.get(lang);
  if (!s) {
    s = new Intl.Segmenter(lang, { granularity: 'word' });
    segmenters.set(lang, s);
  }
  return s;
}

/** The segments of `text`; `join(segments(text, lang)) === text` always. */
export function segments(text: string, lang: string): Segment[] {
  const out: Segment[] = [];
  for (const s of segmenter(lang).segment(text)) out.push({ text: s.segment, word: s.isWordLike === true });
  return out;
}

export function join(segs: readonly Segment[]): string {
  return segs.map((s) => s.text).join('');
}

/** Indices (into `segs`) of the word segments. */
export function wordIndices(segs: readonly Segment[]): number[] {
  const out: number[] = [];
  segs.forEach((s, i) => {
    if (s.word) out.push(i);
  });
  return out;
}

/** Code points of a word: edits work on these, so a surrogate pair is never split. */
export function codePoints(word: string): string[] {
  return Array.from(word);
}

/** How many words a budget share allows out of `n` (at least one when there is a word at all). */
export function wordsAllowed(n: number, share: number, maxEdits: number): number {
  if (n === 0) return 0;
  return Math.max(1, Math.min(maxEdits, Math.floor(share * n)));
}
