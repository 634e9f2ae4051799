// A small synthetic batches artifact for the train stage's tests: questions and their passages share words, so
// a model can learn the task in a few dozen steps; mono and cross batches alternate as the batches stage makes them.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchesSchema } from '../../stages/batches/schema.ts';
import { PAIRS_SCHEMA } from '../../stages/pairs/schema.ts';
import { createRng } from '../../stages/common/random.ts';
import { writeTable } from '../../stages/common/tables.ts';
import type { EncoderConfig } from '../../stages/train/encoder.ts';
import type { TrainerConfig } from '../../stages/train/trainer.ts';

/** A trainer config for unit tests: a tiny encoder, InfoNCE, constant lr 0.01; `over` changes any field. */
export function trainerConfig(encoder: EncoderConfig, over: Partial<TrainerConfig> = {}): TrainerConfig {
  return {
    encoder,
    loss: 'infonce',
    lr: 0.01,
    tableLr: 0.01,
    warmupSteps: 0,
    schedule: 'constant',
    totalSteps: 100,
    adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    temperature: 0.1,
    learnTemperature: false,
    momentum: 0.9,
    queueSize: 0,
    alpha: 0.4,
    gradCacheChunk: 0,
    ...over,
  };
}

const WORDS = [
  'river',
  'Fluss',
  'río',
  'mountain',
  'Berg',
  'montaña',
  'city',
  'Stadt',
  'ciudad',
  'music',
  'Musik',
  'música',
  'king',
  'König',
  'rey',
  '河流',
  '山',
  '城市',
  'แม่น้ำ',
  'ภูเขา',
];

/** Writes `batches.arrow` / `.parquet` with `batches` batches of `size` rows; returns the folder. */
export async function syntheticBatches(batches: number, size: number, seed = 1): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-train-batches-'));
  const rng = createRng(seed, 'train-fixture');
  const cols = {
    batch_id: [] as number[],
    epoch: [] as number[],
    position: [] as number[],
    kind: [] as string[],
    pair_id: [] as string[],
    source: [] as string[],
    question_id: [] as string[],
    question_lang: [] as string[],
    question: [] as string[],
    passage_id: [] as string[],
    passage_lang: [] as string[],
    passage: [] as string[],
  };
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < size; i++) {
      const topic = Array.from({ length: 3 }, () => WORDS[rng.int(0, WORDS.length - 1)]);
      const id = `${b}-${i}`;
      cols.batch_id.push(b);
      cols.epoch.push(Math.floor((b * 2) / batches));
      cols.position.push(i);
      cols.kind.push(b % 2 ? 'cross' : 'mono');
      cols.pair_id.push(id);
      cols.source.push('qa');
      cols.question_id.push(`q${id}`);
      cols.question_lang.push('en');
      cols.question.push(`what about ${topic.join(' ')} number ${rng.int(0, 999)}?`);
      cols.passage_id.push(`p${id}`);
      cols.passage_lang.push(b % 2 ? 'de' : 'en');
      cols.passage.push(`The ${topic[0]} and the ${topic[1]} near ${topic[2]}. Filler ${rng.int(0, 99)}.`);
    }
  }
  await writeTable(join(dir, 'batches'), batchesSchema, {
    ...cols,
    batch_id: Int32Array.from(cols.batch_id),
    epoch: Int32Array.from(cols.epoch),
    position: Int32Array.from(cols.position),
  });
  return dir;
}

/** Small-model params for fast tests on the cpu backend (deterministic, single-threaded). */
export const SMALL = {
  backend: 'cpu',
  buckets: 4096,
  dim: 16,
  outDim: 16,
  lr: 0.01,
  tableLr: 0.01,
  temperature: 0.1,
} as const;

/**
 * Writes a pairs artifact (`pairs.arrow` / `.parquet`) whose split "dev" holds `questions` question ids in English and
 * German, each answered by a sentence in both languages that shares its topic words (so a model trained on
 * `syntheticBatches` can retrieve them), plus train rows and a dictionary row that the dev evaluation must ignore.
 */
export async function syntheticDev(questions = 12, seed = 2): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-train-dev-'));
  const rng = createRng(seed, 'train-fixture-dev');
  const rows: Record<string, string | boolean | null>[] = [];
  const row = (split: string, source: string, id: string, ql: string, q: string, pl: string, p: string, pid: string) =>
    rows.push({
      pair_id: `${id}:${ql}-${pl}`,
      split,
      source,
      direction: ql === pl ? 'mono' : 'cross',
      question_id: id,
      question_lang: ql,
      question: q,
      passage_id: pid,
      passage_lang: pl,
      passage: p,
      article_id: `a${id}`,
      answer: source === 'qa' ? 'x' : null,
      answer_in_passage: true,
    });
  for (let i = 0; i < questions + 2; i++) {
    const topic = Array.from({ length: 3 }, () => WORDS[rng.int(0, WORDS.length - 1)]);
    const split = i < questions ? 'dev' : 'train';
    const q = { en: `what about ${topic.join(' ')}?`, de: `was ist mit ${topic.join(' ')}?` };
    const p = {
      en: `The ${topic[0]} and the ${topic[1]} near ${topic[2]}.`,
      de: `Der ${topic[0]} und der ${topic[1]} bei ${topic[2]}.`,
    };
    for (const ql of ['en', 'de'] as const)
      for (const pl of ['en', 'de'] as const) row(split, 'qa', `d${i}`, ql, q[ql], pl, p[pl], `${pl}:d${i}`);
  }
  row('train', 'dictionary', 'muse:en:river', 'en', 'river', 'de', 'Fluss', 'muse:de:Fluss');
  const names = PAIRS_SCHEMA.columns.map((c) => c.name);
  await writeTable(join(dir, 'pairs'), PAIRS_SCHEMA, Object.fromEntries(names.map((n) => [n, rows.map((r) => r[n])])));
  return dir;
}
