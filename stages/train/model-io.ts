// The trained encoder on disk, in TF.js's layout: `model.json` (topology + weightsManifest) with the weights in
// 4 MiB little-endian float32 shards, exactly as tf.io writes them, plus the tokenizer config. A folder written
// here loads back with `loadEncoder`, and its weights with any TF.js weights loader (tf.io.loadWeights).
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { initWeights, type EncoderConfig, type EncoderWeights } from './encoder.ts';
import { HashedTokenizer, type TokenizerConfig, type TokenizerConfigInput } from './tokenizer.ts';

export const MODEL_FORMAT = 'hybrid-xlr/dual-encoder';
export const MODEL_FILE = 'model.json';
export const TOKENIZER_FILE = 'tokenizer.json';
/** tf.io's default shard size. */
const SHARD_BYTES = 4 * 1024 * 1024;

const WEIGHT_NAMES = ['embedding/table', 'dense/kernel', 'dense/bias'] as const;

const modelJsonSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  generatedBy: z.string(),
  convertedBy: z.null(),
  modelTopology: z.object({
    encoder: z.object({
      buckets: z.number().int().positive(),
      dim: z.number().int().positive(),
      outDim: z.number().int().positive(),
      pooling: z.enum(['mean', 'sqrtn']),
    }),
    normalize: z.literal('l2'),
    tokenizer: z.string(),
  }),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string().regex(/^[\w.-]+$/)),
        weights: z.array(
          z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32') }),
        ),
      }),
    )
    .length(1),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
});

export type ModelJson = z.infer<typeof modelJsonSchema>;

export interface LoadedEncoder {
  dir: string;
  config: EncoderConfig;
  tokenizer: HashedTokenizer;
  weights: EncoderWeights;
  metadata: Record<string, unknown>;
}

/** Writes `model.json`, its weight shards and `tokenizer.json` into `dir` (which the caller commits atomically). */
export async function saveEncoder(
  dir: string,
  config: EncoderConfig,
  tokenizer: TokenizerConfig,
  weights: EncoderWeights,
  metadata: Record<string, unknown> = {},
): Promise<string[]> {
  const arrays = [weights.table, weights.kernel, weights.bias];
  const totalBytes = arrays.reduce((n, a) => n + a.byteLength, 0);
  const shards = Math.max(1, Math.ceil(totalBytes / SHARD_BYTES));
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  // The weights are one byte stream cut into shards, as tf.io does: an array may straddle two shards.
  let shard = 0;
  let written = 0;
  let handle = await open(join(dir, paths[0]), 'w');
  try {
    for (const a of arrays) {
      let bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      while (bytes.length > 0) {
        if (written === SHARD_BYTES) {
          await handle.close();
          handle = await open(join(dir, paths[++shard]), 'w');
          written = 0;
        }
        const n = Math.min(bytes.length, SHARD_BYTES - written);
        await handle.write(bytes, 0, n);
        written += n;
        bytes = bytes.subarray(n);
      }
    }
  } finally {
    await handle.close();
  }
  const model: ModelJson = {
    format: MODEL_FORMAT,
    generatedBy: 'hybrid-xlr train',
    convertedBy: null,
    modelTopology: { encoder: { ...config }, normalize: 'l2', tokenizer: TOKENIZER_FILE },
    weightsManifest: [
      {
        paths,
        weights: [
          { name: WEIGHT_NAMES[0], shape: [config.buckets, config.dim], dtype: 'float32' },
          { name: WEIGHT_NAMES[1], shape: [config.dim, config.outDim], dtype: 'float32' },
          { name: WEIGHT_NAMES[2], shape: [config.outDim], dtype: 'float32' },
        ],
      },
    ],
    userDefinedMetadata: metadata,
  };
  await writeFile(join(dir, MODEL_FILE), `${JSON.stringify(model, null, 2)}\n`);
  await writeFile(join(dir, TOKENIZER_FILE), `${JSON.stringify(tokenizer, null, 2)}\n`);
  return [MODEL_FILE, TOKENIZER_FILE, ...paths];
}

/** A model folder's description without its weights: the shape, the tokenizer and the training metadata. */
export interface EncoderDescription {
  config: EncoderConfig;
  tokenizer: HashedTokenizer;
  metadata: Record<string, unknown>;
}

/** Reads model.json and tokenizer.json only (not the weight shards), with loadEncoder's checks of those files. */
export async function describeEncoder(dir: string): Promise<EncoderDescription> {
  const { model, config, tokenizer } = await readDescription(dir);
  return { config, tokenizer, metadata: model.userDefinedMetadata ?? {} };
}

async function readDescription(
  dir: string,
): Promise<{ model: ModelJson; modelPath: string; config: EncoderConfig; tokenizer: HashedTokenizer }> {
  const modelPath = join(dir, MODEL_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(modelPath, 'utf8'));
  } catch (error) {
    throw new Error(`${modelPath}: cannot read the model (${(error as Error).message})`);
  }
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `${modelPath}: not a ${MODEL_FORMAT} model: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  const model = parsed.data;
  const config = model.modelTopology.encoder;
  const tokenizerPath = join(dir, model.modelTopology.tokenizer);
  const tokenizer = HashedTokenizer.fromJSON(JSON.parse(await readFile(tokenizerPath, 'utf8')), tokenizerPath);
  if (tokenizer.config.buckets !== config.buckets) {
    throw new Error(
      `${tokenizerPath}: buckets ${tokenizer.config.buckets} ≠ the model's embedding rows ${config.buckets}`,
    );
  }
  return { model, modelPath, config, tokenizer };
}

/** Loads a folder written by saveEncoder; every mismatch is an error naming the file and what is wrong. */
export async function loadEncoder(dir: string): Promise<LoadedEncoder> {
  const { model, modelPath, config, tokenizer } = await readDescription(dir);
  const manifest = model.weightsManifest[0];
  const expected: Record<string, number[]> = {
    [WEIGHT_NAMES[0]]: [config.buckets, config.dim],
    [WEIGHT_NAMES[1]]: [config.dim, config.outDim],
    [WEIGHT_NAMES[2]]: [config.outDim],
  };
  if (manifest.weights.map((w) => w.name).join() !== WEIGHT_NAMES.join()) {
    throw new Error(
      `${modelPath}: weights must be ${WEIGHT_NAMES.join(', ')} in that order (found ${manifest.weights.map((w) => w.name).join(', ')})`,
    );
  }
  for (const w of manifest.weights) {
    if (w.shape.join() !== expected[w.name].join())
      throw new Error(`${modelPath}: weight ${w.name} has shape [${w.shape}], expected [${expected[w.name]}]`);
  }
  const buffers = await Promise.all(manifest.paths.map((p) => readFile(join(dir, p))));
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const sizes = manifest.weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
  const need = sizes.reduce((a, b) => a + b, 0) * 4;
  if (total !== need) throw new Error(`${dir}: weight shards hold ${total} bytes, the manifest needs ${need}`);
  const all = new Float32Array(total / 4);
  const bytes = new Uint8Array(all.buffer);
  let at = 0;
  for (const b of buffers) {
    bytes.set(b, at);
    at += b.length;
  }
  const table = all.subarray(0, sizes[0]);
  const kernel = all.subarray(sizes[0], sizes[0] + sizes[1]);
  const bias = all.subarray(sizes[0] + sizes[1]);
  return { dir, config, tokenizer, weights: { table, kernel, bias }, metadata: model.userDefinedMetadata ?? {} };
}

/** The untrained encoder: the train stage's architecture and initialisation for `seed`, with no step taken. */
export function untrainedEncoder(config: EncoderConfig, tokenizer: TokenizerConfigInput, seed: number): LoadedEncoder {
  return {
    dir: '',
    config,
    tokenizer: new HashedTokenizer(tokenizer),
    weights: initWeights(config, seed),
    metadata: { kind: 'random', seed },
  };
}
