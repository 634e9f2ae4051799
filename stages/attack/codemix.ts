// `codemix`: PolyGloss-style word-level code-mixing (Tan & Joty, NAACL 2021): content words of a query are replaced
// by their translation in an embedded language, from the MUSE bilingual dictionaries the download artifact ships
// (`muse/en-<xx>.tsv`, English → xx, frequent words first). Identity entries (names, numbers, untranslated words)
// are dropped, as the pairs stage drops them; function words are never replaced.
//
// MUSE pairs English with each language, so English ↔ xx is one look-up; xx → yy goes through English (xx → en →
// yy), which is noisier and is marked "pivot" in the report. A query language with no dictionary is reported and
// skipped by the stage, never left silently unattacked.
import { readFile } from 'node:fs/promises';
import type { Rng } from '../common/random.ts';
import type { WordEdit } from './char.ts';
import { isFunctionWord } from './function-words.ts';

/** The dictionary file for English ↔ `lang`, inside the download artifact's `muse` folder output. */
export function museFile(lang: string): string {
  return `en-${lang}.tsv`;
}

/** At most this many translations of one word are candidates (MUSE lists the usual ones first). */
const MAX_SENSES = 3;

export class Dictionaries {
  private readonly toForeign = new Map<string, Map<string, string[]>>();
  private readonly toEnglish = new Map<string, Map<string, string[]>>();

  /** Languages with a dictionary, English included when any exists. */
  get languages(): string[] {
    const langs = [...this.toForeign.keys()].sort();
    return langs.length > 0 ? ['en', ...langs].sort() : [];
  }

  has(lang: string): boolean {
    return lang === 'en' ? this.toForeign.size > 0 : this.toForeign.has(lang);
  }

  /**
   * Adds the dictionary English ↔ `lang` from its TSV text (`en\tword` lines); identity and malformed lines dropped.
   */
  add(lang: string, tsv: string): { entries: number; identity: number } {
    const fwd = new Map<string, string[]>();
    const back = new Map<string, string[]>();
    let entries = 0;
    let identity = 0;
    for (const line of tsv.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab <= 0) continue;
      const en = line.slice(0, tab).trim();
      const word = line.slice(tab + 1).trim();
      if (en === '' || word === '' || word.includes('\t')) continue;
      if (en.toLowerCase() === word.toLowerCase()) {
        identity++;
        continue;
      }
      // Keys lower-cased (look-ups lower-case the query's word); MUSE is lower-case almost everywhere.
      push(fwd, en.toLowerCase(), word);
      push(back, word.toLowerCase(), en);
      entries++;
    }
    this.toForeign.set(lang, fwd);
    this.toEnglish.set(lang, back);
    return { entries, identity };
  }

  /** Translations of `word` (matched lower-cased) from `from` into `to`, best first; never the word itself. */
  translate(word: string, from: string, to: string): string[] {
    const w = word.toLowerCase();
    let out: string[];
    if (from === to) return [];
    if (from === 'en') out = this.toForeign.get(to)?.get(w) ?? [];
    else if (to === 'en') out = this.toEnglish.get(from)?.get(w) ?? [];
    else
      out = (this.toEnglish.get(from)?.get(w) ?? [])
        .slice(0, MAX_SENSES)
        .flatMap((en) => this.toForeign.get(to)?.get(en) ?? []);
    return [...new Set(out)].filter((t) => t.toLowerCase() !== w).slice(0, MAX_SENSES);
  }

  /**
   * The languages `lang`'s words can be translated into (every dictionary language but itself; none without its own).
   */
  embeddable(lang: string): string[] {
    return this.has(lang) ? this.languages.filter((l) => l !== lang) : [];
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(value)) list.push(value);
  } else map.set(key, [value]);
}

/** Reads the dictionaries of `langs` (those with a file; `pathOf` returns null for a missing one). */
export async function loadDictionaries(
  langs: readonly string[],
  pathOf: (file: string) => string | null,
): Promise<{ dictionaries: Dictionaries; missing: string[] }> {
  const dictionaries = new Dictionaries();
  const missing: string[] = [];
  for (const lang of [...new Set(langs)].filter((l) => l !== 'en').sort()) {
    const path = pathOf(museFile(lang));
    if (path === null) missing.push(lang);
    else dictionaries.add(lang, await readFile(path, 'utf8'));
  }
  return { dictionaries, missing };
}

/** Keeps the first letter's case: "Fluss" for a capitalised "River". */
function matchCase(original: string, translation: string): string {
  const first = Array.from(original)[0] ?? '';
  if (first !== first.toLowerCase() && first === first.toUpperCase()) {
    const [head, ...rest] = Array.from(translation);
    return head.toUpperCase() + rest.join('');
  }
  return translation;
}

export function codemixEditable(
  word: string,
  lang: string,
  dictionaries: Dictionaries,
  embedded: readonly string[],
): boolean {
  return !isFunctionWord(word, lang) && embedded.some((e) => dictionaries.translate(word, lang, e).length > 0);
}

/** Every translation of `word` into each of `embedded`, as edits tagged with the embedded language. */
export function codemixEdits(
  word: string,
  lang: string,
  dictionaries: Dictionaries,
  embedded: readonly string[],
): WordEdit[] {
  if (isFunctionWord(word, lang)) return [];
  return embedded.flatMap((e) =>
    dictionaries.translate(word, lang, e).map((t) => ({ text: matchCase(word, t), kind: `codemix:${e}` })),
  );
}

/** One random translation into one of `embedded` (a language chosen among those that translate the word). */
export function randomCodemixEdit(
  word: string,
  lang: string,
  dictionaries: Dictionaries,
  embedded: readonly string[],
  rng: Rng,
): WordEdit | null {
  if (isFunctionWord(word, lang)) return null;
  const options = embedded.filter((e) => dictionaries.translate(word, lang, e).length > 0);
  if (options.length === 0) return null;
  const e = options[rng.int(0, options.length - 1)];
  const ts = dictionaries.translate(word, lang, e);
  return { text: matchCase(word, ts[rng.int(0, ts.length - 1)]), kind: `codemix:${e}` };
}
