// A small evaluation set in five scripts (Latin en/de, Cyrillic ru, Greek el, Thai th) and a raw folder with two
// tiny MUSE dictionaries (en-de, en-ru; none for el and th), for the attack stage's tests; plus one small trained
// model (cpu), shared by the tests of a file.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStage } from '../../pipelines/engine/testing.ts';
import { writeArrow } from '../../stages/common/tables.ts';
import { CANDIDATES_SCHEMA, QUERIES_SCHEMA } from '../../stages/pairs/schema.ts';
import { trainStage } from '../../stages/train/index.ts';
import { SMALL, syntheticBatches } from '../train/fixture.ts';

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
export async function evalSet(options: EvalOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-attack-eval-'));
  const cand = { candidate_id: [] as string[], lang: [] as string[], article_id: [] as string[], article_index: [] as number[], paragraph_index: [] as number[], sentence_index: [] as number[], start: [] as number[], end: [] as number[], text: [] as string[] };
  const q = { query_id: [] as string[], question_id: [] as string[], lang: [] as string[], question: [] as string[], answer: [] as string[], article_id: [] as string[], own_candidate_id: [] as string[], relevant_ids: [] as string[][] };
  LANGS.forEach((lang, li) => {
    TOPICS.forEach((topic, i) => {
      const text = SENTENCE[lang](topic[li], i);
      cand.candidate_id.push(`toy/${lang}/0/${i}/0`);
      cand.lang.push(lang);
      cand.article_id.push('toy:a');
      cand.article_index.push(0);
      cand.paragraph_index.push(i);
      cand.sentence_index.push(0);
      cand.start.push(0);
      cand.end.push(text.length);
      cand.text.push(text);
    });
  });
  LANGS.forEach((lang, li) => {
    TOPICS.forEach((topic, i) => {
      q.query_id.push(`q${i}/${lang}`);
      q.question_id.push(`q${i}`);
      q.lang.push(lang);
      q.question.push(lang === 'en' && i === 0 && options.firstQuestion !== undefined ? options.firstQuestion : QUESTION[lang](topic[li]));
      q.answer.push(`${i}`);
      q.article_id.push('toy:a');
      q.own_candidate_id.push(`toy/${lang}/0/${i}/0`);
      q.relevant_ids.push(LANGS.map((l) => `toy/${l}/0/${i}/0`));
    });
  });
  const ints = (xs: number[]) => Int32Array.from(xs);
  await writeArrow(join(dir, 'candidates.arrow'), CANDIDATES_SCHEMA, { ...cand, article_index: ints(cand.article_index), paragraph_index: ints(cand.paragraph_index), sentence_index: ints(cand.sentence_index), start: ints(cand.start), end: ints(cand.end) });
  await writeArrow(join(dir, 'queries.arrow'), QUERIES_SCHEMA, q);
  return dir;
}

/** A download-like folder with MUSE en-de and en-ru (with an identity entry, which must be dropped). */
export async function rawFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-attack-raw-'));
  await mkdir(join(dir, 'muse'));
  await writeFile(join(dir, 'muse', 'en-de.tsv'), 'river\tFluss\nmountain\tBerg\ncity\tStadt\nmusic\tMusik\nking\tKönig\nbridge\tBrücke\nfamous\tberühmt\nlocated\tgelegen\nold\talt\nberlin\tberlin\n');
  await writeFile(join(dir, 'muse', 'en-ru.tsv'), 'river\tрека\nmountain\tгора\ncity\tгород\nmusic\tмузыка\nking\tкороль\nbridge\tмост\nfamous\tзнаменитая\nlocated\tнаходится\n');
  return dir;
}

let trained: Promise<string> | undefined;
/** One small trained model (cpu), shared by a test file's tests. */
export function trainedModel(): Promise<string> {
  trained ??= syntheticBatches(12, 16).then(async (batches) => (await runStage(trainStage, { inputs: { batches }, params: { ...SMALL, checkpointEvery: 0 } })).outDir);
  return trained;
}
