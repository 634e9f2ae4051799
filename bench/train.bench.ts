// Training throughput: our TF.js trainer (every backend that loads here) against a PyTorch CPU peer of the same
// architecture (EmbeddingBag mean → Linear → L2, symmetric InfoNCE; dense Adam and SparseAdam), on the same
// tokenized batches of real MLQA pairs, at batch sizes 32, 128 and 512. Each configuration runs in its own process
// (peak RSS is its own) after 3 warm-up steps. HXLR_BENCH_TRAIN_STEPS sets the measured steps (default 20; dense
// Adam is capped at 5: it updates the whole 2^18 × 128 table every step).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runStage } from '../pipelines/engine/testing.ts';
import { batchesStage } from '../stages/batches/index.ts';
import { readArrow } from '../stages/common/tables.ts';
import { pairsStage } from '../stages/pairs/index.ts';
import { probeBackend, BACKEND_NAMES } from '../stages/train/backend.ts';
import { batchStarts } from '../stages/train/index.ts';
import { HashedTokenizer } from '../stages/train/tokenizer.ts';
import type { BenchResult } from './harness.ts';
import { ensureTorch, runTorchPeer, writePeerBatches, type PeerBatch } from './train-peer/index.ts';

const run = promisify(execFile);
const DATA = fileURLToPath(new URL('../data/', import.meta.url));
const OURS = fileURLToPath(new URL('./train/ours.ts', import.meta.url));
const SIZES = [32, 128, 512];
const WARMUP = 3;
const BUCKETS = 2 ** 18;
const DIM = 128;

export default async function bench(): Promise<BenchResult> {
  const steps = Number(process.env.HXLR_BENCH_TRAIN_STEPS ?? 20);
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-train-bench-'));
  const notes: string[] = [];
  const rows: BenchResult['rows'] = [];
  try {
    const raw = join(dir, 'raw');
    await cp(join(DATA, 'mlqa-dev'), join(raw, 'mlqa-dev'), { recursive: true });
    await cp(join(DATA, 'xquad-r'), join(raw, 'xquad-r'), { recursive: true });
    await mkdir(join(dir, 'pairs'));
    const pairs = await runStage(pairsStage, {
      params: { workers: 2, alignment: 'none' },
      inputs: { raw },
      outDir: join(dir, 'pairs'),
    });
    const torch = await ensureTorch((m) => notes.push(m));
    if ('missing' in torch) notes.push(`PyTorch peer missing: ${torch.missing}`);
    else
      notes.push(
        `PyTorch ${torch.version} (Debian python3-torch, ${torch.python}), 2 threads, glibc huge pages on (GLIBC_TUNABLES=glibc.malloc.hugetlb=1): without them its large per-step buffers page-fault and it runs 3–10× slower on this VM.`,
      );
    const backends = BACKEND_NAMES.filter((b) => probeBackend(b).ok);
    notes.push(
      `TF.js backends that load here: ${backends.join(', ')}. Ours: table, pooling, gradient scatter and sparse Adam in the WASM SIMD row kernel, SparseAdam split over 2 threads (and, for comparison, on 1 thread and in plain JS loops: the same bits); dense layer and loss in TF.js.`,
    );
    const tokenizer = new HashedTokenizer({ buckets: BUCKETS });

    for (const size of SIZES) {
      const out = join(dir, `batches-${size}`);
      await mkdir(out);
      await runStage(batchesStage, {
        params: { batchSize: size, strategy: 'hybrid', epochs: 2 },
        inputs: { pairs: pairs.outDir },
        outDir: out,
      });
      const { columns } = await readArrow(join(out, 'batches.arrow'));
      const peerBatches = toPeerBatches(
        columns.batch_id as Int32Array,
        columns.question as string[],
        columns.passage as string[],
        tokenizer,
        WARMUP + steps,
      );
      const data = join(dir, `peer-${size}`);
      await writePeerBatches(data, { buckets: BUCKETS, dim: DIM, temperature: 0.05, lr: 1e-3 }, peerBatches);
      for (const backend of backends.filter((b) => b !== 'cpu' || size <= 128)) {
        // The JS row loops run once per size on wasm, as the in-house peer of the SIMD row kernel.
        // The JS row loops and the one-thread kernel run once per size on wasm, as in-house peers of the default.
        const variants: [string, string, string][] =
          backend === 'wasm'
            ? [
                ['infonce', 'wasm', '2'],
                ['infonce', 'wasm', '1'],
                ['infonce', 'js', '1'],
                ['albef', 'wasm', '2'],
              ]
            : [['infonce', 'wasm', '2']];
        for (const [loss, rowKernel, threads] of variants) {
          const { stdout } = await run(
            process.execPath,
            [
              '--import',
              'tsx',
              OURS,
              '--dir',
              data,
              '--backend',
              backend,
              '--loss',
              loss,
              '--row-kernel',
              rowKernel,
              '--threads',
              threads,
              '--warmup',
              String(WARMUP),
              '--steps',
              String(steps),
            ],
            { maxBuffer: 1 << 20 },
          );
          const r = JSON.parse(stdout.trim().split('\n').at(-1)!);
          const label = `ours ${backend}${loss === 'albef' ? ' albef K=4096' : ''}${r.rowKernel === 'js' ? ', JS row loops' : r.threads === 1 ? ', kernel on 1 thread' : ''}`;
          const optimizer =
            r.rowKernel === 'js'
              ? 'sparse Adam (JS)'
              : `sparse Adam (WASM SIMD, ${r.threads} thread${r.threads === 1 ? '' : 's'})`;
          rows.push({
            batch: size,
            trainer: label,
            optimizer,
            'pairs/s': Math.round(r.pairsPerSecond),
            'peak RSS MiB': r.peakRssMiB,
            'final loss': round(r.finalLoss),
          });
        }
      }
      if (!('missing' in torch)) {
        for (const variant of ['sparse', 'dense'] as const) {
          const r = await runTorchPeer(data, variant, {
            warmup: WARMUP,
            threads: 2,
            python: torch.python,
            steps: variant === 'dense' ? Math.min(steps, 5) : steps,
            env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' },
          });
          rows.push({
            batch: size,
            trainer: 'PyTorch cpu',
            optimizer: variant === 'sparse' ? 'SparseAdam' : 'Adam (dense)',
            'pairs/s': Math.round(r.pairsPerSecond),
            'peak RSS MiB': Math.round(r.peakRssMiB),
            'final loss': round(r.finalLoss),
          });
        }
      }
    }
    notes.push(
      `${steps} measured steps after ${WARMUP} warm-up steps per row (dense Adam: ${Math.min(steps, 5)}); real MLQA dev hybrid batches, hashed features 2^18 × 128.`,
    );
    notes.push('cpu backend rows stop at B = 128: its matMul is ~40× slower than wasm and adds nothing at B = 512.');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    id: 'train',
    title: 'Training throughput: ours (TF.js) vs PyTorch CPU, same architecture and batches',
    columns: ['batch', 'trainer', 'optimizer', 'pairs/s', 'peak RSS MiB', 'final loss'],
    rows,
    notes,
  };
}

/** The first `count` batches (cycled if fewer), tokenized into the peer's format. */
function toPeerBatches(
  batchId: Int32Array,
  questions: string[],
  passages: string[],
  tokenizer: HashedTokenizer,
  count: number,
): PeerBatch[] {
  const starts = batchStarts(batchId);
  const out: PeerBatch[] = [];
  for (let b = 0; b < Math.min(count, starts.length - 1); b++) {
    const q = questions.slice(starts[b], starts[b + 1]);
    const p = passages.slice(starts[b], starts[b + 1]);
    out.push({ questions: tokenizer.encodeBatch(q), passages: tokenizer.encodeBatch(p) });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
