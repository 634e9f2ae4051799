// A small evaluation set in five scripts (Latin en/de, Cyrillic ru, Greek el, Thai th) and a raw folder with two
// tiny MUSE dictionaries (en-de, en-ru; none for el and th), for the attack stage's tests; plus one small trained
// model (cpu), shared by the tests of a file.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeToyEvalSet } from '../helpers/eval-set.ts';

export { trainedModel } from '../helpers/trained-model.ts';

// Per topic: [en, de, ru, el, th] words.
const TOPICS = [
  ['river', 'Fluss', 'река', 'ποτάμι', 'แม่น้ำ'],
  ['mountain', 'Berg', 'гора', 'βουνό', 'ภูเขา'],
  ['city', 'Stadt', 'город', 'πόλη', 'เมือง'],
  ['music', 'Musik', 'музыка', 'μουσική', 'ดนตรี'],
  ['king', 'König', 'король', 'βασιλιάς', 'กษัตริย์'],
  ['bridge', 'Brücke', 'мост', 'γέφυρα', 'สะพาน'],
];
export const LANGS = ['en', 'de', 'ru', 'el', 'th'] as const;
const SENTENCE: Record<string, (w: string, i: number) => string> = {
  en: (w, i) => `The ${w} is near the old town ${i}.`,
  de: (w, i) => `Der ${w} liegt bei der Altstadt ${i}.`,
  ru: (w, i) => `${w} находится около старого города ${i}.`,
  el: (w, i) => `Το ${w} είναι κοντά στην παλιά πόλη ${i}.`,
  th: (w, i) => `${w}อยู่ใกล้เมืองเก่า ${i}`,
};
const QUESTION: Record<string, (w: string) => string> = {
  en: (w) => `where is the famous ${w} located?`,
  de: (w) => `wo liegt der berühmte ${w}?`,
  ru: (w) => `где находится знаменитая ${w}?`,
  el: (w) => `πού βρίσκεται το διάσημο ${w};`,
  th: (w) => `${w}ที่มีชื่อเสียงอยู่ที่ไหน`,
};

export interface EvalOptions {
  /** Replace the question of q0 in English by this text (e.g. "" or "?!"). */
  firstQuestion?: string;
}

/** A pairs-like folder: candidates.arrow and queries.arrow, every question relevant in every language. */
export function evalSet(options: EvalOptions = {}): Promise<string> {
  return writeToyEvalSet({
    tag: 'attack',
    langs: LANGS,
    topics: TOPICS.length,
    sentence: (lang, li, i) => SENTENCE[lang](TOPICS[i][li], i),
    question: (lang, li, i) =>
      lang === 'en' && i === 0 && options.firstQuestion !== undefined
        ? options.firstQuestion
        : QUESTION[lang](TOPICS[i][li]),
  });
}

/** A download-like folder with MUSE en-de and en-ru (with an identity entry, which must be dropped). */
export async function rawFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-attack-raw-'));
  await mkdir(join(dir, 'muse'));
  await writeFile(
    join(dir, 'muse', 'en-de.tsv'),
    'river\tFluss\nmountain\tBerg\ncity\tStadt\nmusic\tMusik\nking\tKönig\nbridge\tBrücke\nfamous\tberühmt\nlocated\tgelegen\nold\talt\nberlin\tberlin\n',
  );
  await writeFile(
    join(dir, 'muse', 'en-ru.tsv'),
    'river\tрека\nmountain\tгора\ncity\tгород\nmusic\tмузыка\nking\tкороль\nbridge\tмост\nfamous\tзнаменитая\nlocated\tнаходится\n',
  );
  return dir;
}
