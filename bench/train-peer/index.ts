// PyTorch CPU peer for the training benchmark: writes batches in the peer's input format, makes sure Debian's
// python3-torch is there, and runs bench/train-peer/peer.py on one variant (dense Adam or SparseAdam) to get
// the pairs/s, peak RSS and final loss that the TF.js side is compared against. See README.md.
import { mkdir, open, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitFile, tempPathFor, writeFileAtomic } from '../../pipelines/engine/index.ts';
import { $ } from 'zx';

/** Debian's python3-torch installs for the system interpreter only, not for a pyenv python3 earlier on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const PEER_SCRIPT = fileURLToPath(new URL('./peer.py', import.meta.url));
const STDERR_TAIL = 4000;

/** dir/meta.json. `batches` and `pairs` describe batches.bin and are derived from it by writePeerBatches. */
export interface PeerMeta {
  buckets: number;
  dim: number;
  temperature: number;
  lr: number;
  batches: number;
  /** Sum of the batch sizes over all batches. */
  pairs: number;
}

/** One in-batch-negatives batch of B pairs: bag b of questions is ids[offsets[b] .. offsets[b + 1]). */
export interface PeerBatch {
  questions: { offsets: Int32Array; ids: Int32Array };
  passages: { offsets: Int32Array; ids: Int32Array };
}

export type PeerVariant = 'dense' | 'sparse';

/** The JSON line peer.py prints. */
export interface PeerResult {
  variant: PeerVariant;
  /** torch.__version__. */
  torch: string;
  threads: number;
  /** Measured (post-warmup) steps. */
  steps: number;
  /** Pairs over the measured steps. */
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
  peakRssMiB: number;
  finalLoss: number;
}

export interface PeerRunOptions {
  warmup: number;
  threads: number;
  /** From ensureTorch. */
  python: string;
  /** Measured steps; default one pass over the batches. Dense Adam on a large table needs a small cap. */
  steps?: number;
  seed?: number;
  /** Default 20 minutes. */
  timeoutMs?: number;
  /**
   * Extra environment for python, e.g. { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }: on VMs where page faults are
   * dear, fresh-page faults on torch's per-step buffers can dominate, and transparent huge pages cut them ~500×.
   */
  env?: Record<string, string>;
}

function checkBags(where: string, bags: { offsets: Int32Array; ids: Int32Array }, size: number, buckets: number): void {
  const { offsets, ids } = bags;
  if (offsets.length !== size + 1) throw new Error(`${where}: ${offsets.length} offsets, expected B + 1 = ${size + 1}`);
  if (offsets[0] !== 0) throw new Error(`${where}: offsets must start at 0, got ${offsets[0]}`);
  for (let b = 0; b < size; b++) {
    if (offsets[b + 1] < offsets[b]) throw new Error(`${where}: offsets decrease at bag ${b}`);
  }
  if (offsets[size] !== ids.length) throw new Error(`${where}: last offset ${offsets[size]} != ${ids.length} ids`);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= buckets) throw new Error(`${where}: id ${ids[i]} at ${i} outside [0, ${buckets})`);
  }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
}

/** Bytes of an Int32Array as little-endian int32, without copying on little-endian machines. */
function littleEndian(values: Int32Array): Buffer {
  const view = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return endianness() === 'LE' ? view : Buffer.from(view).swap32();
}

/**
 * Writes dir/batches.bin then dir/meta.json, each to a temp file renamed into place, so readers never see a torn file.
 */
export async function writePeerBatches(
  dir: string,
  meta: Omit<PeerMeta, 'batches' | 'pairs'>,
  batches: readonly PeerBatch[],
): Promise<PeerMeta> {
  positiveInteger('buckets', meta.buckets);
  positiveInteger('dim', meta.dim);
  if (!(meta.buckets <= 2 ** 31 - 1)) throw new Error(`buckets ${meta.buckets} does not fit int32 ids`);
  for (const key of ['temperature', 'lr'] as const) {
    if (!(Number.isFinite(meta[key]) && meta[key] > 0))
      throw new Error(`${key} must be a positive number, got ${meta[key]}`);
  }
  if (batches.length === 0) throw new Error('writePeerBatches: no batches');
  let pairs = 0;
  batches.forEach((batch, i) => {
    const size = batch.questions.offsets.length - 1;
    if (size < 1) throw new Error(`batch ${i}: empty`);
    checkBags(`batch ${i} questions`, batch.questions, size, meta.buckets);
    checkBags(`batch ${i} passages`, batch.passages, size, meta.buckets);
    pairs += size;
  });

  await mkdir(dir, { recursive: true });
  const metaPath = join(dir, 'meta.json');
  // A rewrite that dies halfway must not leave an old meta.json vouching for new batches.
  await rm(metaPath, { force: true });
  const binPath = join(dir, 'batches.bin');
  const binTemp = tempPathFor(binPath);
  const handle = await open(binTemp, 'w');
  try {
    for (const batch of batches) {
      const header = Int32Array.of(batch.questions.offsets.length - 1);
      for (const part of [
        header,
        batch.questions.offsets,
        batch.questions.ids,
        batch.passages.offsets,
        batch.passages.ids,
      ]) {
        await handle.write(littleEndian(part));
      }
    }
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(binTemp, { force: true });
    throw error;
  }
  await commitFile(binTemp, binPath);

  const full: PeerMeta = {
    buckets: meta.buckets,
    dim: meta.dim,
    temperature: meta.temperature,
    lr: meta.lr,
    batches: batches.length,
    pairs,
  };
  await writeFileAtomic(metaPath, `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

interface Exec {
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command through zx and always resolves, so callers can decide what a failure means. zx quotes every
 * argument, buffers both streams and kills on timeout; a timeout is named, since an exit code alone does not say why.
 */
async function run(
  file: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<Exec> {
  const out = await $({
    env: options.env ?? process.env,
    timeout: options.timeoutMs,
    timeoutSignal: 'SIGKILL',
    nothrow: true,
    quiet: true,
  })`${file} ${args}`;
  if (out.exitCode === 0) return { code: 0, stdout: out.stdout, stderr: out.stderr };
  const code =
    out.signal === 'SIGKILL' ? `timed out after ${options.timeoutMs / 1000} s` : (out.exitCode ?? out.signal ?? 1);
  return { code, stdout: out.stdout, stderr: out.stderr };
}

const tail = (text: string, chars = STDERR_TAIL): string =>
  (text.length > chars ? `…${text.slice(-chars)}` : text).trim();
const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? '';

async function torchVersion(python: string): Promise<{ version: string } | { error: string }> {
  const probe = await run(python, ['-c', 'import numpy, torch; print(torch.__version__)'], { timeoutMs: 120_000 });
  if (probe.code === 0) return { version: probe.stdout.trim() };
  return { error: lastLine(probe.stderr) || `exit ${probe.code}` };
}

/**
 * Makes sure the system python can import torch (and numpy), installing Debian's python3-torch if not. Never
 * throws: when torch cannot be had (no root, no network, apt locked) it returns { missing } so the bench can
 * still run and report the peer as missing.
 */
export async function ensureTorch(
  log: (msg: string) => void,
): Promise<{ python: string; version: string } | { missing: string }> {
  const python = SYSTEM_PYTHON;
  const before = await torchVersion(python);
  if ('version' in before) {
    log(`torch peer: ${python} has torch ${before.version}`);
    return { python, version: before.version };
  }
  log(`torch peer: ${python} cannot import torch (${before.error}); installing Debian's python3-torch`);
  if (process.getuid?.() !== 0)
    return {
      missing: `torch not importable by ${python} (${before.error}) and not root to apt-get install python3-torch`,
    };

  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = async (): Promise<Exec> => {
    log('torch peer: apt-get install -y python3-torch (a few minutes)');
    return run('apt-get', ['install', '-y', 'python3-torch'], { timeoutMs: 20 * 60_000, env });
  };
  let result = await install();
  // Missing or stale package lists show up as an unknown package or 404s; anything else would not be fixed by an
  // update.
  if (
    result.code !== 0 &&
    /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found/i.test(
      result.stderr + result.stdout,
    )
  ) {
    log(`torch peer: install failed for lack of package lists (${lastLine(result.stderr)}); apt-get update and retry`);
    const update = await run('apt-get', ['update'], { timeoutMs: 10 * 60_000, env });
    if (update.code !== 0) return { missing: `apt-get update failed (${update.code}): ${tail(update.stderr, 500)}` };
    result = await install();
  }
  if (result.code !== 0)
    return { missing: `apt-get install -y python3-torch failed (${result.code}): ${tail(result.stderr, 500)}` };
  log(`torch peer: ${lastLine(result.stdout)}`);

  const after = await torchVersion(python);
  if ('error' in after)
    return { missing: `python3-torch installed but ${python} still cannot import torch: ${after.error}` };
  log(`torch peer: ${python} has torch ${after.version}`);
  return { python, version: after.version };
}

function parseResult(line: string): PeerResult {
  const value = JSON.parse(line) as Record<string, unknown>;
  const numbers = ['threads', 'steps', 'pairs', 'seconds', 'pairsPerSecond', 'peakRssMiB', 'finalLoss'] as const;
  for (const key of numbers) if (typeof value[key] !== 'number') throw new Error(`field ${key} is not a number`);
  if (value.variant !== 'dense' && value.variant !== 'sparse') throw new Error(`bad variant ${String(value.variant)}`);
  if (typeof value.torch !== 'string') throw new Error('field torch is not a string');
  return value as unknown as PeerResult;
}

/** Runs peer.py on the batches in dir (from writePeerBatches); rejects with the python stderr tail on failure. */
export async function runTorchPeer(dir: string, variant: PeerVariant, opts: PeerRunOptions): Promise<PeerResult> {
  const args = [
    PEER_SCRIPT,
    '--dir',
    dir,
    '--variant',
    variant,
    '--warmup',
    String(opts.warmup),
    '--threads',
    String(opts.threads),
  ];
  if (opts.steps !== undefined) args.push('--steps', String(opts.steps));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  const threads = String(opts.threads);
  // Thread pools read these at load time, before peer.py's torch.set_num_threads can act.
  const env = {
    ...process.env,
    ...opts.env,
    OMP_NUM_THREADS: threads,
    MKL_NUM_THREADS: threads,
    OPENBLAS_NUM_THREADS: threads,
  };
  const result = await run(opts.python, args, { timeoutMs: opts.timeoutMs ?? 20 * 60_000, env });
  const what = `torch peer (${variant}, ${opts.python} ${PEER_SCRIPT} --dir ${dir})`;
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}):\n${tail(result.stderr)}`);
  try {
    return parseResult(lastLine(result.stdout));
  } catch (error) {
    throw new Error(
      `${what} printed no valid result line (${(error as Error).message}): ${tail(result.stdout, 500)}\nstderr:\n${tail(result.stderr)}`,
    );
  }
}
