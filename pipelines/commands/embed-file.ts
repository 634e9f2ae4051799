// What the `embed` verb does (embed.ts registers it): a UTF-8 text file (one text per line) → little-endian
// float32 rows plus a JSON sidecar, with a trained encoder named by `--model` (a model folder, a train artifact
// folder, a lock node or a fingerprint prefix, resolved through the store). Lives outside the engine and outside
// the train stage: the engine knows no models, and a CLI message must not be part of train's source digest
// (editing one would retrain every model).
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  commitFile,
  openProject,
  readManifest,
  resolveArtifact,
  tempPathFor,
  UserError,
  type Manifest,
} from '../engine/index.ts';
import {
  embed,
  loadEncoder,
  MODEL_FILE,
  TRAIN_OUTPUTS,
  type EmbedOptions,
  type LoadedEncoder,
} from '../../stages/train/index.ts';

export const VECTORS_FORMAT = 'hybrid-xlr/vectors@1';

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

/** One text per line; a final newline ends the last text rather than starting an empty one; CRLF works too. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
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
 * under temporary names and committed, the sidecar last and only after any older sidecar is gone: a killed run
 * leaves the previous pair, or vectors without a sidecar, never a sidecar describing the wrong vectors.
 */
export async function embedFile(
  modelDir: string,
  inPath: string,
  outPath: string,
  opts: EmbedFileOptions = {},
): Promise<EmbedFileReport> {
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
    throw new UserError(
      `--in ${inPath}: cannot read ${input} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let text: string;
  try {
    // fatal: a mis-encoded file would otherwise embed U+FFFD silently; the BOM, if any, is dropped by the decoder.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`--in ${inPath}: ${input} is not valid UTF-8`);
  }
  if (existsSync(vectorsPath) && statSync(vectorsPath).isDirectory())
    throw new UserError(`--out ${outPath}: ${vectorsPath} is a folder, expected a file path`);

  const texts = splitLines(text);
  const { vectors, featureless } = await embed(model, texts, opts);

  const fingerprint = opts.fingerprint ?? (await ownerFingerprint(modelPath));
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

  const tmpVectors = tempPathFor(vectorsPath);
  const tmpSidecar = tempPathFor(sidecarPath);
  await mkdir(dirname(vectorsPath), { recursive: true });
  try {
    await writeFile(tmpVectors, littleEndianBytes(vectors));
    await writeFile(tmpSidecar, `${JSON.stringify(sidecar, null, 2)}\n`);
    await rm(sidecarPath, { force: true });
    await commitFile(tmpVectors, vectorsPath);
    await commitFile(tmpSidecar, sidecarPath);
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
 * `--model` → a model folder. A folder holding model.json is a model; a committed train artifact (its folder, a
 * lock node, a fingerprint prefix) is resolved through the store and gives its declared `model` output.
 */
export async function resolveModel(ref: string, options: ResolveOptions): Promise<ResolvedModel> {
  const path = resolve(options.cwd ?? process.cwd(), ref);
  if (existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, MODEL_FILE))) {
    // A model folder; inside a committed artifact it keeps the artifact's fingerprint.
    const fingerprint = await ownerFingerprint(path);
    return { dir: path, ...(fingerprint !== undefined && { fingerprint }), via: `folder ${path}` };
  }
  const found = await resolveArtifact(openProject(resolve(options.root)), ref, {
    stage: 'train',
    pipeline: options.pipeline,
    flag: '--model',
    cwd: options.cwd,
  });
  if (!found) {
    const why = !existsSync(path)
      ? `no file or folder ${path}`
      : statSync(path).isDirectory()
        ? `folder ${path} holds neither ${MODEL_FILE} nor ${TRAIN_OUTPUTS.model.path}/${MODEL_FILE} of a train artifact`
        : `${path} is a file, not a model folder`;
    throw new UserError(`--model ${ref}: ${why}`);
  }
  if (
    found.stage !== 'train' ||
    !found.manifest.files.some((f) => f.path === `${TRAIN_OUTPUTS.model.path}/${MODEL_FILE}`)
  ) {
    throw new UserError(
      `--model ${ref}: ${found.via} holds no ${TRAIN_OUTPUTS.model.path}/${MODEL_FILE} (is it a train node?)`,
    );
  }
  return {
    dir: join(found.dir, TRAIN_OUTPUTS.model.path),
    fingerprint: found.fingerprint,
    ...(found.node !== undefined && { node: found.node }),
    via: found.via,
  };
}

/**
 * The fingerprint of the train artifact whose declared model output `model` is (its manifest, one folder up,
 * lists `model/model.json`); a copy of a model folder elsewhere has none, whatever sits next to it.
 */
async function ownerFingerprint(model: string): Promise<string | undefined> {
  if (basename(model) !== TRAIN_OUTPUTS.model.path) return undefined;
  const manifest: Manifest | null = await readManifest(dirname(model));
  const listed =
    manifest?.stage === 'train' && manifest.files.some((f) => f.path === `${TRAIN_OUTPUTS.model.path}/${MODEL_FILE}`);
  return listed ? manifest!.fingerprint : undefined;
}
