// Benchmark for the batches stage's output: HXLR_BENCH_ROWS (default 1M) training-batch rows of real MLQA pairs
// (the pairs stage on ../shared/datasets, MLQA dev → XQuAD-R, then the real sampler over as many epochs as it
// takes), written as batches.arrow and batches.parquet the way the stage writes them (openTableWriter with
// batchesSchema, chunks of 100,000 rows assembled as in stages/batches/index.ts), against DuckDB's Parquet writer
// (COPY ... (FORMAT parquet), zstd and snappy, 1 thread) on the very same rows, and the whole stage end to end.
//
// Each writer runs in its own child process (as in tables.bench.ts), so "peak RSS" is that writer's own peak.
// Fairness: our writers start from the pairs columns already in memory and the plan already made (both untimed);
// the timed part is chunk assembly (gathering the pair columns by plan row; its share is reported apart) plus
// validation, JS → columnar encoding, compression and file writes. DuckDB starts from the rows already in its own
// table, loaded (untimed) from our batches.parquet, so its figure is its Parquet encoder and writer alone.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStage } from '../pipelines/engine/testing.ts';
import { batchesStage } from '../stages/batches/index.ts';
import { planBatches, type SamplerInput } from '../stages/batches/sampler.ts';
import { BATCH_CHUNK_ROWS, batchRowChunks } from '../stages/batches/rows.ts';
import { batchesSchema } from '../stages/batches/schema.ts';
import { type Columns, defaultParquetCompression, openTableWriter, readArrow } from '../stages/common/tables.ts';
import { pairsStage } from '../stages/pairs/index.ts';
import { type BenchResult, peakRssMiB } from './harness.ts';

const WORKER_ENV = 'HXLR_BATCHES_BENCH_WORKER';
const SHARED = fileURLToPath(new URL('../../shared/datasets/', import.meta.url));
/** As in stages/batches/index.ts. */
const SAMPLER = { strategy: 'hybrid', batchSize: 128, alpha: 0.5, seed: 0, dropLast: true } as const;

interface WorkerResult {
  writer: string;
  rows: number;
  seconds: number;
  bytes: number;
  peakRss: number;
  note?: string;
}

interface Pairs {
  columns: Columns;
  /** Pairs-table row of each eligible (train) row, in the sampler's index space. */
  index: Int32Array;
  input: SamplerInput;
}

/** The train pairs as the stage's pickPairs sees them (untimed). */
async function loadPairs(pairsDir: string): Promise<Pairs> {
  const { columns } = await readArrow(join(pairsDir, 'pairs.arrow'));
  const split = columns.split as string[];
  const direction = columns.direction as string[];
  const index: number[] = [];
  for (let i = 0; i < split.length; i++) if (split[i] === 'train') index.push(i);
  const keys = (col: string[]) => {
    const map = new Map<string, number>();
    return Int32Array.from(index, (r) => {
      let k = map.get(col[r]);
      if (k === undefined) map.set(col[r], (k = map.size));
      return k;
    });
  };
  const input = {
    kind: Uint8Array.from(index, (r) => (direction[r] === 'mono' ? 0 : 1)),
    questionKey: keys(columns.question_id as string[]),
    passageKey: keys(columns.passage_id as string[]),
  };
  return { columns, index: Int32Array.from(index), input };
}

/** Writes the first `rows` rows of the plan the way the stage's writeBatches does; returns timings. */
async function workerOurs(
  format: 'arrow' | 'parquet',
  rows: number,
  epochs: number,
  pairsDir: string,
  dir: string,
): Promise<WorkerResult> {
  const { columns, index, input } = await loadPairs(pairsDir);
  const plan = planBatches(input, { ...SAMPLER, epochs });
  if (plan.row.length < rows) throw new Error(`plan of ${epochs} epochs has ${plan.row.length} rows < ${rows}`);
  const t0 = performance.now();
  let assembleMs = 0;
  const writer = await openTableWriter(join(dir, 'ours'), batchesSchema, { formats: [format] });
  // Chunk assembly is timed apart from the writer: the generator's work happens inside `next()`.
  const chunks = batchRowChunks(plan, index, columns, rows);
  for (;;) {
    const c0 = performance.now();
    const next = chunks.next();
    assembleMs += performance.now() - c0;
    if (next.done) break;
    await writer.append(next.value.chunk);
  }
  const res = await writer.close();
  const seconds = (performance.now() - t0) / 1000;
  return {
    writer: `batches stage writer: ${format}${format === 'parquet' ? ` ${defaultParquetCompression()}` : ''}`,
    rows,
    seconds,
    bytes: res[format]!.bytes,
    peakRss: peakRssMiB(),
    note: `chunk assembly ${(assembleMs / 1000).toFixed(2)} s of ${seconds.toFixed(2)} s (included)`,
  };
}

async function workerDuck(compression: 'zstd' | 'snappy', dir: string): Promise<WorkerResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${join(dir, 'ours.parquet')}')`);
  await c.run('SET threads=1');
  const rows = Number((await c.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
  const out = join(dir, `duck-${compression}.parquet`);
  const t0 = performance.now();
  await c.run(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION ${compression})`);
  const seconds = (performance.now() - t0) / 1000;
  c.closeSync();
  db.closeSync();
  return {
    writer: `duckdb COPY parquet ${compression}, 1 thread`,
    rows,
    seconds,
    bytes: (await stat(out)).size,
    peakRss: peakRssMiB(),
  };
}

/**
 * The real stage, end to end: read pairs.arrow, plan, write batches.{arrow,parquet} and composition.{arrow,parquet}.
 */
async function workerStage(epochs: number, pairsDir: string, dir: string): Promise<WorkerResult> {
  const outDir = join(dir, 'stage');
  await mkdir(outDir);
  const t0 = performance.now();
  const { summary } = await runStage(batchesStage, {
    params: { ...SAMPLER, epochs },
    inputs: { pairs: pairsDir },
    outDir,
  });
  const seconds = (performance.now() - t0) / 1000;
  const sizes = await Promise.all(
    ['batches.arrow', 'batches.parquet', 'composition.arrow', 'composition.parquet'].map(
      async (f) => (await stat(join(outDir, f))).size,
    ),
  );
  return {
    writer: `batches stage end to end (runStage, ${epochs} epochs)`,
    rows: summary.rows.batches,
    seconds,
    bytes: sizes.reduce((a, b) => a + b, 0),
    peakRss: peakRssMiB(),
    note: `stage end to end: reads pairs.arrow, plans, writes both batches files and both composition files (${summary.batchCount.toLocaleString('en-US')} batches); rows/s over batch rows`,
  };
}

async function runWorker(): Promise<void> {
  const [kind, rowsS, epochsS, pairsDir, dir] = process.env[WORKER_ENV]!.split('|') as [
    string,
    string,
    string,
    string,
    string,
  ];
  const [rows, epochs] = [Number(rowsS), Number(epochsS)];
  let r: WorkerResult;
  if (kind === 'arrow' || kind === 'parquet') r = await workerOurs(kind, rows, epochs, pairsDir, dir);
  else if (kind === 'duck-zstd') r = await workerDuck('zstd', dir);
  else if (kind === 'duck-snappy') r = await workerDuck('snappy', dir);
  else r = await workerStage(epochs, pairsDir, dir);
  process.stdout.write(JSON.stringify(r) + '\n');
}

function spawnWorker(kind: string, rows: number, epochs: number, pairsDir: string, dir: string): Promise<WorkerResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', self],
      {
        env: { ...process.env, [WORKER_ENV]: `${kind}|${rows}|${epochs}|${pairsDir}|${dir}` },
        maxBuffer: 1 << 20,
        timeout: 600_000,
      },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`bench worker ${kind} failed: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as WorkerResult);
      },
    );
  });
}

export default async function bench(): Promise<BenchResult> {
  const rows = Number(process.env.HXLR_BENCH_ROWS ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error('HXLR_BENCH_ROWS must be a positive integer');
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-batches-bench-'));
  const results: WorkerResult[] = [];
  let pairRows = 0;
  let epochsUsed = 0;
  try {
    const raw = join(dir, 'raw');
    await cp(join(SHARED, 'mlqa/dev'), join(raw, 'mlqa-dev'), { recursive: true });
    await cp(join(SHARED, 'xquad-r'), join(raw, 'xquad-r'), { recursive: true });
    await mkdir(join(dir, 'pairs'));
    const pairs = await runStage(pairsStage, {
      params: { workers: 2, alignment: 'none' },
      inputs: { raw },
      outDir: join(dir, 'pairs'),
    });
    pairRows = (pairs.summary as { rows: { pairs: number } }).rows.pairs;
    // Epochs for at least `rows` batch rows (a whole epoch more than the first epoch's row count says, as epochs
    // differ by a few dropped rows); the stage row runs as many epochs as that count says, so about `rows` rows.
    const perEpoch = planBatches((await loadPairs(pairs.outDir)).input, { ...SAMPLER, epochs: 1 }).stats.rows;
    const stageEpochs = Math.ceil(rows / perEpoch);
    epochsUsed = stageEpochs;
    // Order matters: DuckDB loads the Parquet file our writer produced.
    for (const kind of ['arrow', 'parquet', 'duck-zstd', 'duck-snappy', 'stage']) {
      results.push(await spawnWorker(kind, rows, kind === 'stage' ? stageEpochs : stageEpochs + 1, pairs.outDir, dir));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    id: 'batches',
    title: `Batches output: ${rows.toLocaleString('en-US')} batch rows of real MLQA pairs (12 columns)`,
    columns: ['writer', 'rows', 'rows/s', 'MB written', 'peak RSS MiB', 'seconds'],
    rows: results.map((r) => ({
      writer: r.writer,
      rows: r.rows,
      'rows/s': Math.round(r.rows / r.seconds),
      'MB written': Math.round((r.bytes / 1e6) * 10) / 10,
      'peak RSS MiB': r.peakRss,
      seconds: Math.round(r.seconds * 100) / 100,
    })),
    notes: [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}; each writer in its own process (peak RSS is its own, and includes the ${pairRows.toLocaleString('en-US')} pairs and the plan held in memory, or DuckDB's table)`,
      `rows: the real sampler (hybrid, batchSize ${SAMPLER.batchSize}, alpha ${SAMPLER.alpha}, dropLast) over the ${pairRows.toLocaleString('en-US')} pairs' train split (MLQA dev), ${epochsUsed} epochs and more, cut at ${rows.toLocaleString('en-US')}`,
      `our writers: openTableWriter(batchesSchema), appends of ${BATCH_CHUNK_ROWS.toLocaleString('en-US')} rows built as the stage builds them; timed from open to close, chunk assembly included`,
      `our Parquet compression here: ${defaultParquetCompression()} (zstd through the wasm codec on every Node version)`,
      'duckdb: same rows loaded untimed from our batches.parquet into an in-memory table; timed = COPY TO parquet only, SET threads=1',
      ...results.filter((r) => r.note).map((r) => `${r.writer}: ${r.note}`),
    ],
  };
}

if (process.env[WORKER_ENV]) await runWorker();
