// Embedding texts with a trained encoder, outside the pipeline: the `embed` verb (a text file, one text per line →
// little-endian float32 rows plus a JSON sidecar), the in-process `embedTexts` evaluation code calls, and the
// resolution of `--model` (a folder, a train artifact folder, or a lock/store reference) to a model folder.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../../pipelines/engine/errors.ts';
import { readLock, type LockedNode } from '../../pipelines/engine/lockfile.ts';
import { MANIFEST_FILE, ManifestSchema } from '../../pipelines/engine/manifest.ts';
import { openProject } from '../../pipelines/engine/operations.ts';
import { tf } from './backend.ts';
import { poolBags, type Bags } from './encoder.ts';
import { scoped, tower } from './graph.ts';
import { loadEncoder, MODEL_FILE, type LoadedEncoder } from './model-io.ts';

export const VECTORS_FORMAT = 'hybrid-xlr/vectors@1';
export const DEFAULT_EMBED_BATCH = 1024;
/** The stage whose artifacts hold a model folder; `--model train` and fingerprint prefixes look there. */
const TRAIN_STAGE = 'train';
const MODEL_SUBDIR = 'model';
/** Shorter prefixes collide too easily to be a safe way to name an artifact. */
const MIN_PREFIX = 6;

export interface EmbedOptions {
  /** Texts per TF.js call; bounds the pooled batch held in memory. Default 1024. */
  batch?: number;
  onProgress?(done: number, total: number): void;
}

export interface Embedded {
  vectors: Float32Array;
  /** Texts with no feature at all (empty, or only spaces/punctuation): they all embed as normalize(bias). */
  featureless: number;
}

/** embedTexts, plus how many texts had no feature at all. */
export async function embed(model: LoadedEncoder, texts: readonly string[], opts: EmbedOptions = {}): Promise<Embedded> {
  // Tokenized per batch, not all at once: a corpus's bags would otherwise be held whole next to the output.
  return embedBatches(model, texts.length, (start, n) => model.tokenizer.encodeBatch(texts.slice(start, start + n)), opts);
}

/**
 * The encoder's output for texts already tokenized with `model.tokenizer`'s config (`bags`, e.g. from one
 * `encodeBatch` shared by several models with the same tokenizer): the same vectors `embed` gives for those texts.
 */
export async function embedBags(model: LoadedEncoder, bags: Bags, opts: EmbedOptions = {}): Promise<Embedded> {
  const count = bags.offsets.length - 1;
  return embedBatches(model, count, (start, n) => ({ offsets: bags.offsets.subarray(start, start + n + 1), ids: bags.ids }), opts);
}

/** Pools, projects and normalises `count` texts in batches; `bagsOf(start, n)` gives the bags of texts start..start+n. */
async function embedBatches(model: LoadedEncoder, count: number, bagsOf: (start: number, n: number) => Bags, opts: EmbedOptions): Promise<Embedded> {
  const batch = opts.batch ?? DEFAULT_EMBED_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`embed: batch ${batch} is not a positive integer`);
  const { dim, outDim, pooling } = model.config;
  const vectors = new Float32Array(count * outDim);
  const size = Math.min(batch, Math.max(1, count));
  const slots = Int32Array.from({ length: size }, (_, i) => i);
  const pooled = new Float32Array(size * dim);
  let featureless = 0;
  // Uploaded once: they are the same for every batch. Everything per batch lives and dies inside `scoped`.
  const kernel = tf.tensor2d(model.weights.kernel, [dim, outDim]);
  const bias = tf.tensor1d(model.weights.bias);
  try {
    for (let start = 0; start < count; start += size) {
      const n = Math.min(size, count - start);
      const bags = bagsOf(start, n);
      for (let i = 0; i < n; i++) if (bags.offsets[i + 1] === bags.offsets[i]) featureless++;
      poolBags(model.weights.table, dim, bags, slots.subarray(0, n), pooling, pooled);
      const rows = scoped(() => tower(tf.tensor2d(pooled.subarray(0, n * dim), [n, dim]), kernel, bias).dataSync());
      vectors.set(rows, start * outDim);
      opts.onProgress?.(start + n, count);
      // Lets a signal (Ctrl-C) and progress output through between batches of a long file.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    kernel.dispose();
    bias.dispose();
  }
  return { vectors, featureless };
}

/**
 * The encoder's output for each text, row-major [texts.length × outDim], each row L2-normalised: exactly what
 * training scores with (pool the hashed features, dense layer, normalize). Uses TF.js's active backend, so call
 * initBackend first. A text with no feature embeds as normalize(bias).
 */
export async function embedTexts(model: LoadedEncoder, texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array> {
  return (await embed(model, texts, opts)).vectors;
}

/** One text per line; a final newline ends the last text rather than starting an empty one; CRLF works too. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

export interface VectorsSidecar {
  format: typeof VECTORS_FORMAT;
  count: number;
  dim: number;
  dtype: 'float32';
  byteOrder: 'little';
  normalized: 'l2';
  model: { path: string; fingerprint?: string; node?: string; [key: string]: unknown };
  input: { path: string; sha256: string };
  /** Texts with no feature (empty lines, or only spaces/punctuation): their rows are all normalize(bias). */
  emptyTexts: number;
  /** The TF.js backend that computed the rows (backends round differently in the last bits). */
  backend?: string;
}

export interface EmbedFileOptions extends EmbedOptions {
  /** The artifact the model came from (recorded in the sidecar); found from its manifest when left out. */
  fingerprint?: string;
  node?: string;
  /** e.g. `cpu@4.22.0`, recorded in the sidecar. */
  backend?: string;
}

export interface EmbedFileReport {
  vectorsPath: string;
  sidecarPath: string;
  sidecar: VectorsSidecar;
}

/**
 * Embeds every line of `inPath` into `outPath` (float32 rows) and `<outPath>.json` (the sidecar). Both are built
 * under temporary names and renamed, the sidecar last and only after any older sidecar is gone: a killed run
 * leaves the previous pair, or vectors without a sidecar, never a sidecar describing the wrong vectors.
 */
export async function embedFile(modelDir: string, inPath: string, outPath: string, opts: EmbedFileOptions = {}): Promise<EmbedFileReport> {
  const modelPath = resolve(modelDir);
  const input = resolve(inPath);
  const vectorsPath = resolve(outPath);
  const sidecarPath = `${vectorsPath}.json`;

  let model: LoadedEncoder;
  try {
    model = await loadEncoder(modelPath);
  } catch (error) {
    throw new UserError(`--model ${modelDir}: ${(error as Error).message}`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(input);
  } catch (error) {
    throw new UserError(`--in ${inPath}: cannot read ${input} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let text: string;
  try {
    // fatal: a mis-encoded file would otherwise embed U+FFFD silently; the BOM, if any, is dropped by the decoder.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`--in ${inPath}: ${input} is not valid UTF-8`);
  }
  if (existsSync(vectorsPath) && statSync(vectorsPath).isDirectory()) throw new UserError(`--out ${outPath}: ${vectorsPath} is a folder, expected a file path`);

  const texts = splitLines(text);
  const { vectors, featureless } = await embed(model, texts, opts);

  const fingerprint = opts.fingerprint ?? artifactFingerprint(modelPath);
  // Ours win over same-named training metadata: they say where these vectors came from.
  const { path: _p, fingerprint: _f, node: _n, encoder: _e, ...metadata } = model.metadata;
  const sidecar: VectorsSidecar = {
    format: VECTORS_FORMAT,
    count: texts.length,
    dim: model.config.outDim,
    dtype: 'float32',
    byteOrder: 'little',
    normalized: 'l2',
    model: {
      path: modelPath,
      ...(fingerprint !== undefined && { fingerprint }),
      ...(opts.node !== undefined && { node: opts.node }),
      encoder: { ...model.config },
      ...metadata,
    },
    input: { path: input, sha256: createHash('sha256').update(bytes).digest('hex') },
    emptyTexts: featureless,
    ...(opts.backend !== undefined && { backend: opts.backend }),
  };

  await mkdir(dirname(vectorsPath), { recursive: true });
  const tmpVectors = `${vectorsPath}.tmp-${process.pid}`;
  const tmpSidecar = `${sidecarPath}.tmp-${process.pid}`;
  try {
    await writeSynced(tmpVectors, littleEndianBytes(vectors));
    await writeSynced(tmpSidecar, Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`));
    await rm(sidecarPath, { force: true });
    await rename(tmpVectors, vectorsPath);
    await rename(tmpSidecar, sidecarPath);
  } catch (error) {
    await rm(tmpVectors, { force: true });
    await rm(tmpSidecar, { force: true });
    throw error;
  }
  return { vectorsPath, sidecarPath, sidecar };
}

function littleEndianBytes(values: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    // Synced before the rename, so a power cut cannot leave a renamed but empty file.
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface ResolvedModel {
  /** The folder holding model.json. */
  dir: string;
  fingerprint?: string;
  /** The lock file's node id, when resolved through the lock. */
  node?: string;
  /** How `--model` was understood, for the CLI's report. */
  via: string;
}

export interface ResolveOptions {
  /** Project root: its store (or HXLR_STORE) and its lock file. */
  root: string;
  /** The pipeline whose lock entries name nodes; a function when finding it costs (loading a pipeline module). */
  pipeline: string | (() => Promise<string>);
  /** Relative paths are taken from here (the caller's working directory). */
  cwd?: string;
}

/**
 * `--model` → a model folder. In order: an existing folder holding model.json, or holding model/model.json (a
 * train artifact); then, for a reference that is not path-like, the lock file's node of that id, or the only node
 * of that name or stage (`train`), and last a train artifact whose fingerprint starts with it (≥ 6 characters).
 * Nothing matching, or more than one, is a UserError naming every place looked at.
 */
export async function resolveModel(ref: string, options: ResolveOptions): Promise<ResolvedModel> {
  const tried: string[] = [];
  const path = resolve(options.cwd ?? process.cwd(), ref);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) tried.push(`${path} is a file, not a model folder`);
    else {
      const found = modelFolder(path);
      if (found) return { ...found, via: `folder ${found.dir}` };
      tried.push(`folder ${path} holds neither ${MODEL_FILE} nor ${MODEL_SUBDIR}/${MODEL_FILE}`);
    }
  } else tried.push(`no file or folder ${path}`);

  const pathLike = isAbsolute(ref) || ref.startsWith('.') || ref.includes('/') || ref.includes('\\');
  if (pathLike) throw new UserError(`--model ${ref}: ${tried.join('; ')}`);

  const project = openProject(resolve(options.root));
  const pipeline = typeof options.pipeline === 'string' ? options.pipeline : await options.pipeline();
  const lock = await readLock(project.lockPath);
  const nodes = lock.pipelines[pipeline]?.nodes;
  if (!nodes) {
    const others = Object.keys(lock.pipelines);
    tried.push(`${project.lockPath} has no pipeline '${pipeline}'${others.length ? ` (it has: ${others.join(', ')}; pick one with --pipeline)` : ''}`);
  } else {
    const exact = nodes[ref];
    const named = Object.entries(nodes).filter(([id, n]) => id !== ref && (id.split('[')[0] === ref || n.stage === ref));
    if (exact) return fromLock(project.store, ref, exact);
    if (named.length === 1) return fromLock(project.store, named[0][0], named[0][1]);
    if (named.length > 1) {
      throw new UserError(
        `--model ${ref}: the lock file names ${named.length} nodes of pipeline '${pipeline}' for it; pick one: ${named.map(([id, n]) => `${id} (${n.stage}/${n.fingerprint})`).join(', ')}`,
      );
    }
    const trainNodes = Object.entries(nodes).filter(([, n]) => n.stage === TRAIN_STAGE).map(([id]) => id);
    tried.push(`no node '${ref}' in ${project.lockPath} for pipeline '${pipeline}' (its ${TRAIN_STAGE} nodes: ${trainNodes.length ? trainNodes.join(', ') : 'none'})`);
  }

  const stageDir = join(project.store.root, TRAIN_STAGE);
  const prefix = ref.toLowerCase();
  if (prefix.length < MIN_PREFIX || !/^[0-9a-f]+$/.test(prefix)) {
    tried.push(`not a fingerprint prefix (${MIN_PREFIX}+ hex characters) to look up under ${stageDir}`);
  } else {
    const names = existsSync(stageDir) ? (await readdir(stageDir)).filter((name) => name.startsWith(prefix)) : [];
    const matches: string[] = [];
    for (const name of names) if (await project.store.get(TRAIN_STAGE, name)) matches.push(name);
    if (matches.length > 1) throw new UserError(`--model ${ref}: ${matches.length} train artifacts start with it under ${stageDir}: ${matches.join(', ')}`);
    if (matches.length === 1) {
      const found = modelFolder(join(stageDir, matches[0]));
      if (!found) throw new UserError(`--model ${ref}: artifact ${TRAIN_STAGE}/${matches[0]} holds no ${MODEL_SUBDIR}/${MODEL_FILE}`);
      return { ...found, via: `artifact ${TRAIN_STAGE}/${matches[0]}` };
    }
    tried.push(`no committed train artifact whose fingerprint starts with '${prefix}' under ${stageDir}`);
  }
  throw new UserError(`--model ${ref}: nothing matches: ${tried.join('; ')}`);
}

async function fromLock(store: ReturnType<typeof openProject>['store'], id: string, node: LockedNode): Promise<ResolvedModel> {
  const artifact = await store.get(node.stage, node.fingerprint);
  if (!artifact) {
    throw new UserError(
      `--model ${id}: the lock file names ${node.stage}/${node.fingerprint}, which is not in the store ${store.root} (removed by gc, or built elsewhere): rebuild it with npm run pipeline -- --stage ${id.split('[')[0]}`,
    );
  }
  const found = modelFolder(artifact.dir);
  if (!found) throw new UserError(`--model ${id}: artifact ${node.stage}/${node.fingerprint} holds no ${MODEL_SUBDIR}/${MODEL_FILE} (is it a ${TRAIN_STAGE} node?)`);
  return { ...found, node: id, via: `node ${id} (${node.stage}/${node.fingerprint})` };
}

/** The model folder at or under `dir`, with the fingerprint of the artifact it belongs to when there is one. */
function modelFolder(dir: string): { dir: string; fingerprint?: string } | null {
  let model: string;
  if (existsSync(join(dir, MODEL_FILE))) model = dir;
  else if (existsSync(join(dir, MODEL_SUBDIR, MODEL_FILE))) model = join(dir, MODEL_SUBDIR);
  else return null;
  const fingerprint = artifactFingerprint(model);
  return fingerprint === undefined ? { dir: model } : { dir: model, fingerprint };
}

/**
 * The fingerprint of the artifact whose manifest lists `<model>/model.json` as its `model/model.json`: a copy of a
 * model folder elsewhere has none, whatever sits next to it. Read synchronously: the manifest is small.
 */
function artifactFingerprint(model: string): string | undefined {
  if (basename(model) !== MODEL_SUBDIR) return undefined;
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(readFileSync(join(dirname(model), MANIFEST_FILE), 'utf8')));
    if (!parsed.success || !parsed.data.files.some((f) => f.path === `${MODEL_SUBDIR}/${MODEL_FILE}`)) return undefined;
    return parsed.data.fingerprint;
  } catch {
    return undefined;
  }
}
