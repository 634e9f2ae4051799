// Sentence splitter for passage candidates, built to reproduce LAReQA's XQuAD-R `sentence_breaks` as closely as ICU
// allows: Intl.Segmenter (ICU sentence rules) plus per-language post-processing measured against those breaks
// (README: "Sentence splitter"). Also the agreement metric used to measure it, and the sentence lookup for answers.
import type { Lang } from './langs.ts';

/**
 * A sentence as `[start, end)` UTF-16 offsets into its paragraph; the same convention as LAReQA's `sentence_breaks`.
 */
export type Span = readonly [start: number, end: number];

interface LangRules {
  /** Tokens (without the final '.') after which a '.' does not end a sentence. */
  abbreviations: ReadonlySet<string>;
  /** "E. Simon", "E.I. du Pont": ICU breaks after a capital initial; LAReQA does not, in these languages. */
  keepInitials: boolean;
  /** ICU never breaks ". 1960 benannte" (lower-case word after the number); LAReQA does, in these languages. */
  breakBeforeNumber: boolean;
  /** German ordinals ("am 7. Januar") and "Sauerstoff-18." are not sentence ends in LAReQA's German. */
  germanNumbers: boolean;
  /** "。1991 年": LAReQA does not break after a full-width stop directly followed by a digit (it does with a space). */
  cjkDigitGlue: boolean;
  /** LAReQA's Spanish breaks after nearly every ". " (initials, "etc. es", "et al. han"): split there too. */
  breakAfterEveryStop: boolean;
  /** Where LAReQA breaks and ICU does not; a non-empty match is a separator that belongs to neither sentence. */
  extraBreaks: RegExp | null;
}

const COMMON_ABBR = ['al', 'etc', 'vs', 'Vol', 'c', 'ca', 'lb', 'Rev'];
/** Languages whose LAReQA breaks ignore abbreviations: only their own short list applies. */
const NO_COMMON_ABBR = new Set<Lang>(['es']);
const ABBR: Partial<Record<Lang, string[]>> = {
  en: ['e.g', 'i.e', 'Mr', 'Mrs', 'Dr', 'St', 'Jr', 'No', 'U.S', 'approx'],
  de: [
    'd.h',
    'z.B',
    'z',
    'B',
    'v',
    'n',
    'Mio',
    'Mrd',
    'bzw',
    'Nr',
    'St',
    'Dr',
    'usw',
    'u.a',
    'v.Chr',
    'n.Chr',
    'Jh',
    'z.T',
    'Abb',
  ],
  es: ['St', 'Dr', 'EE', 'UU', 'd.C', 'a.C', 'Inc', 'col'],
  ru: ['т.е', 'т.п', 'г', 'в', 'вв', 'им', 'ок', 'млн', 'млрд', 'тыс', 'см', 'ум'],
};
const WESTERN_TUNED = new Set<Lang>(['en', 'de', 'es', 'ru']);

function rulesFor(lang: Lang): LangRules {
  return {
    abbreviations: new Set([...(NO_COMMON_ABBR.has(lang) ? [] : COMMON_ABBR), ...(ABBR[lang] ?? [])]),
    keepInitials: WESTERN_TUNED.has(lang),
    breakAfterEveryStop: lang === 'es',
    breakBeforeNumber: WESTERN_TUNED.has(lang),
    germanNumbers: lang === 'de',
    cjkDigitGlue: lang === 'zh',
    // Chinese, all measured on XQuAD-R rather than linguistic claims: a break before an opening quote after a full stop
    // ("。“栉水母类”"), after "。[" (LAReQA keeps the "[" of "[需要引证]" on the left), and at "•" in transliterated
    // names ("约翰•卫斯理"), which LAReQA treats as a separator belonging to neither side.
    extraBreaks: lang === 'zh' ? /(?<=[。！？])(?=[“‘（《])|(?<=[。！？]\[)(?=\p{Script=Han})|•/gu : null,
  };
}

/** Sentence-final punctuation (Latin, CJK, Devanagari danda, Arabic/Urdu question mark and full stop), then closers. */
const TERMINAL = /[.!?。！？।॥؟۔…]["'”’»)\]]*$/u;
const SPACE = /\s/u;

const segmenters = new Map<Lang, Intl.Segmenter>();
const rulesCache = new Map<Lang, LangRules>();

/**
 * Split a paragraph into sentences. Offsets are UTF-16 code units into `text` (what `answer_start` counts here, since
 * no
 * context holds characters outside the BMP). The first sentence starts at 0 even if the paragraph starts with spaces or
 * U+FEFF (LAReQA keeps them); the other sentences start at their first non-space character; all end before trailing
 * spaces.
 */
export function splitSentences(text: string, lang: Lang): Span[] {
  let seg = segmenters.get(lang);
  if (!seg) segmenters.set(lang, (seg = new Intl.Segmenter(lang, { granularity: 'sentence' })));
  let rules = rulesCache.get(lang);
  if (!rules) rulesCache.set(lang, (rules = rulesFor(lang)));

  const merged: [number, number][] = [];
  for (const s of seg.segment(text)) {
    const start = s.index;
    const end = trimEnd(text, start, start + s.segment.length);
    if (end <= start) continue;
    const prev = merged[merged.length - 1];
    if (prev && keepTogether(text.slice(prev[0], prev[1]), text.slice(start, end), text.slice(prev[1], start), rules)) {
      prev[1] = end;
    } else {
      merged.push([start, end]);
    }
  }
  let out = rules.breakBeforeNumber ? merged.flatMap((sp) => splitBeforeNumbers(text, sp, rules)) : merged;
  if (rules.extraBreaks) out = out.flatMap((sp) => splitAt(text, sp, rules.extraBreaks!));
  if (rules.breakAfterEveryStop) out = out.flatMap((sp) => splitAfterStops(text, sp, rules));
  for (let i = 1; i < out.length; i++) while (out[i][0] < out[i][1] && SPACE.test(text[out[i][0]])) out[i][0]++;
  return out;
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && SPACE.test(text[end - 1])) end--;
  return end;
}

/** Whether an ICU break between `prev` and `next` (separated by `gap`) is not a sentence end for LAReQA. */
function keepTogether(prev: string, next: string, gap: string, rules: LangRules): boolean {
  // ICU also breaks at line breaks ("O\n2" in the oxygen article); those are not sentence ends.
  if (!TERMINAL.test(prev)) return true;
  const last = /(\S+)$/u.exec(prev)?.[1] ?? '';
  if (rules.keepInitials && /^(\p{Lu}\.)+$/u.test(last) && !/^\p{Ll}/u.test(next)) return true;
  if (rules.abbreviations.has(last.replace(/^\(/, '').replace(/\.$/, ''))) return true;
  if (
    rules.germanNumbers &&
    (/\p{L}-?\d+\.$/u.test(last) || /^[([]?\d{1,2}\.\]?$/.test(last) || /^\d+[.,]\d/.test(next))
  )
    return true;
  if (rules.cjkDigitGlue && gap === '' && /^\d/.test(next)) return true;
  return false;
}

/** Extra breaks at ". <number>" that ICU leaves in (see `breakBeforeNumber`), except after abbreviations. */
function splitBeforeNumbers(text: string, span: [number, number], rules: LangRules): [number, number][] {
  const body = text.slice(span[0], span[1]);
  const re = /[.!?]["'”’»)\]]*\s+(?=\d)/gu;
  const parts: [number, number][] = [];
  let start = span[0];
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const cut = span[0] + m.index + m[0].length;
    const before = text.slice(start, span[0] + m.index + 1);
    const nextToken = /^\S+/u.exec(text.slice(cut, span[1]))?.[0] ?? '';
    // "Syriens. 8.000 der": a number with a separator right after a stop reads as a continuation in LAReQA's data.
    if (/^\d+[.,]\d/.test(nextToken)) continue;
    if (keepTogether(before, text.slice(cut, span[1]), '', rules)) continue;
    parts.push([start, trimEnd(text, start, cut)]);
    start = cut;
  }
  parts.push([start, span[1]]);
  return parts;
}

function splitAfterStops(text: string, span: [number, number], rules: LangRules): [number, number][] {
  const body = text.slice(span[0], span[1]);
  const re = /[.!?…]["'”’»)\]]*\s+(?=\S)/gu;
  const parts: [number, number][] = [];
  let start = span[0];
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const stopEnd = span[0] + m.index + m[0].trimEnd().length;
    const last = /(\S+)$/u.exec(text.slice(start, stopEnd))?.[1] ?? '';
    // "19.2°E. Posteriormente": a unit after a number is not a sentence end in LAReQA's Spanish either.
    if (
      rules.abbreviations.has(last.replace(/\.$/, '')) ||
      /\d°\p{L}?\.$/u.test(last) ||
      (/^(\p{Lu}\.)+$/u.test(last) && !/^\p{Ll}/u.test(body.slice(m.index + m[0].length)))
    )
      continue;
    parts.push([start, stopEnd]);
    start = span[0] + m.index + m[0].length;
  }
  parts.push([start, span[1]]);
  return parts;
}

function splitAt(text: string, span: [number, number], re: RegExp): [number, number][] {
  const parts: [number, number][] = [];
  let start = span[0];
  const body = text.slice(span[0], span[1]);
  re.lastIndex = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (m[0] === '') re.lastIndex++;
    const cut = span[0] + m.index;
    const next = cut + m[0].length;
    if (cut <= start || next >= span[1]) continue;
    const end = trimEnd(text, start, cut);
    if (end > start) parts.push([start, end]);
    start = next;
  }
  parts.push([start, span[1]]);
  return parts;
}

/**
 * Index of the sentence holding character `offset` (an answer start). An offset in the gap between two sentences
 * (a space) belongs to the next one; past the end, to the last one. `spans` must be sorted and non-overlapping.
 */
export function sentenceAt(spans: readonly Span[], offset: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid][1] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts behind the agreement metrics; additive over paragraphs, so workers can sum them. */
export interface BreakAgreementCounts {
  paragraphs: number;
  /** Paragraphs whose predicted span list equals the reference exactly (same starts and ends). */
  identicalParagraphs: number;
  /** Interior breaks (start offsets of every sentence but the first) in the reference and the prediction. */
  referenceBreaks: number;
  predictedBreaks: number;
  /** Predicted breaks at exactly a reference break offset. */
  matchedBreaks: number;
}

export function emptyAgreement(): BreakAgreementCounts {
  return { paragraphs: 0, identicalParagraphs: 0, referenceBreaks: 0, predictedBreaks: 0, matchedBreaks: 0 };
}

/** Add one paragraph's comparison to `acc`. */
export function addAgreement(acc: BreakAgreementCounts, reference: readonly Span[], predicted: readonly Span[]): void {
  acc.paragraphs++;
  if (
    reference.length === predicted.length &&
    reference.every((r, i) => r[0] === predicted[i][0] && r[1] === predicted[i][1])
  ) {
    acc.identicalParagraphs++;
  }
  const ref = new Set(reference.slice(1).map((s) => s[0]));
  acc.referenceBreaks += ref.size;
  acc.predictedBreaks += predicted.length - 1;
  for (const s of predicted.slice(1)) if (ref.has(s[0])) acc.matchedBreaks++;
}

export interface BreakAgreement extends BreakAgreementCounts {
  /** identicalParagraphs / paragraphs. */
  paragraphExact: number;
  /** matchedBreaks / predictedBreaks (1 when nothing was predicted). */
  precision: number;
  /** matchedBreaks / referenceBreaks (1 when the reference has no breaks). */
  recall: number;
  /** Harmonic mean of precision and recall: the "exact-break agreement" the README's thresholds use. */
  f1: number;
}

export function agreementOf(c: BreakAgreementCounts): BreakAgreement {
  const precision = c.predictedBreaks === 0 ? 1 : c.matchedBreaks / c.predictedBreaks;
  const recall = c.referenceBreaks === 0 ? 1 : c.matchedBreaks / c.referenceBreaks;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    ...c,
    paragraphExact: ratio(c.identicalParagraphs, c.paragraphs),
    precision: round4(precision),
    recall: round4(recall),
    f1: round4(f1),
  };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 1 : round4(a / b);
}
function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
