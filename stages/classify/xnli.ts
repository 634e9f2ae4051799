// Reader of the shipped XNLI dev files (XTREME's per-language TSV: `premise<TAB>hypothesis<TAB>label`, CRLF, no
// header; see data/xnli-dev/PROVENANCE.md). Every language is read in full and checked against the others: line i
// of every file is the same pair translated, which is what lets one premise split serve all fifteen languages.
import { readFile } from 'node:fs/promises';

export const XNLI_LANGUAGES = [
  'ar',
  'bg',
  'de',
  'el',
  'en',
  'es',
  'fr',
  'hi',
  'ru',
  'sw',
  'th',
  'tr',
  'ur',
  'vi',
  'zh',
] as const;
export type XnliLanguage = (typeof XNLI_LANGUAGES)[number];
export const NLI_LABELS = ['entailment', 'neutral', 'contradiction'] as const;
/** The label code of a row whose label field is empty: kept in place (alignment), left out of training and scoring. */
export const NO_LABEL = -1;

export interface XnliFile {
  lang: string;
  premise: string[];
  hypothesis: string[];
  /** Index into NLI_LABELS, or NO_LABEL. */
  label: Int8Array;
  /** Rows whose label field is empty. */
  unlabelled: number;
}

/** A language's file name inside the download artifact's xnli-dev folder. */
export function xnliFile(lang: string): string {
  return `dev-${lang}.tsv`;
}

/** Throws naming the language and the known ones when `lang` is not an XNLI language. */
export function checkXnliLanguage(lang: string): XnliLanguage {
  if (!(XNLI_LANGUAGES as readonly string[]).includes(lang)) {
    throw new Error(`XNLI has no language "${lang}" (known: ${XNLI_LANGUAGES.join(', ')})`);
  }
  return lang as XnliLanguage;
}

/**
 * Parses one file's text. `file` names the file in errors, which also give the 1-based line. A trailing line ending
 * ends the last row; an empty label field is counted, not an error; any other label, or a line without exactly
 * three fields, is.
 */
export function parseXnli(text: string, lang: string, file: string): XnliFile {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const premise: string[] = [];
  const hypothesis: string[] = [];
  const label = new Int8Array(lines.length);
  let unlabelled = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    const fields = line.split('\t');
    if (fields.length !== 3)
      throw new Error(
        `${file}:${i + 1}: expected 3 tab-separated fields (premise, hypothesis, label), got ${fields.length}`,
      );
    premise.push(fields[0]);
    hypothesis.push(fields[1]);
    const raw = fields[2].trim();
    if (raw === '') {
      label[i] = NO_LABEL;
      unlabelled++;
      continue;
    }
    const code = (NLI_LABELS as readonly string[]).indexOf(raw);
    if (code < 0) throw new Error(`${file}:${i + 1}: label "${raw}" is not one of ${NLI_LABELS.join(', ')}`);
    label[i] = code;
  }
  return { lang, premise, hypothesis, label, unlabelled };
}

/**
 * Reads `languages` through `pathOf` (file name → path; an artifact's file(), which names a missing file). Checks the
 * files are
 * aligned: same row count, and the same label wherever both rows have one.
 */
export async function readXnli(languages: readonly string[], pathOf: (file: string) => string): Promise<XnliFile[]> {
  const files: XnliFile[] = [];
  for (const lang of languages) {
    checkXnliLanguage(lang);
    const path = pathOf(xnliFile(lang));
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(
        `XNLI ${lang}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    files.push(parseXnli(text, lang, path));
  }
  const first = files[0];
  for (const f of files.slice(1)) {
    if (f.label.length !== first.label.length) {
      throw new Error(
        `XNLI files are not aligned: ${first.lang} has ${first.label.length} rows, ${f.lang} has ${f.label.length}`,
      );
    }
    for (let i = 0; i < f.label.length; i++) {
      if (f.label[i] !== NO_LABEL && first.label[i] !== NO_LABEL && f.label[i] !== first.label[i]) {
        throw new Error(
          `XNLI files are not aligned: line ${i + 1} is ${NLI_LABELS[first.label[i]]} in ${first.lang} but ${NLI_LABELS[f.label[i]]} in ${f.lang}`,
        );
      }
    }
  }
  return files;
}
