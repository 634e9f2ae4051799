// Benchmark for stages/common/tables.ts: 1M rows of a `batches`-like table (ids, langs, query and
// passage text) written as Arrow and as Parquet by our module (zstd through the wasm codec, and
// snappy), against DuckDB's Parquet writer (zstd and snappy, its native codecs), parquet-wasm (if
// installed) and hyparquet-writer's ParquetWriter (what tables.ts used before its own encoder) on the
// very same rows.
//
// Each writer runs in its own child process so that "peak RSS" is that writer's own peak, not the
// maximum of everything that ran before it in one process. The machine is shared and timings move by
// ±30 % from run to run, so every writer runs HXLR_BENCH_REPEATS times (default 3), the rounds
// interleaved, and the table shows the median (and the range in the notes).
//
// Fairness: our writers get the rows as JS column arrays, generated chunk by chunk (generation time
// is measured and subtracted). DuckDB and parquet-wasm start from the rows already in their own
// memory, loaded from the Parquet/Arrow file we wrote (loading not timed), so their figure is the
// Parquet encoder alone; ours also includes validation and the JS → columnar conversion. The
// hyparquet-writer row gets the same JS columns as ours, validated with `validateColumns`.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, peakRssMiB } from './harness.ts';
import { createRng } from '../stages/common/random.ts';
import {
  type Columns,
  type ParquetCompression,
  type TableSchema,
  defaultParquetCompression,
  openTableWriter,
  validateColumns,
} from '../stages/common/tables.ts';

const WORKER_ENV = 'HXLR_TABLES_BENCH_WORKER';
const CHUNK = 100_000;

export const benchSchema: TableSchema = {
  name: 'bench_batches',
  description: 'Synthetic training batches for the tables benchmark.',
  columns: [
    { name: 'batch_id', type: 'int32', description: 'Batch number.' },
    { name: 'position', type: 'int32', description: 'Position in the batch.' },
    { name: 'epoch', type: 'int32', description: 'Epoch.' },
    { name: 'kind', type: 'utf8', description: 'Pair kind.' },
    { name: 'query_id', type: 'utf8', description: 'Query id.' },
    { name: 'passage_id', type: 'utf8', description: 'Passage id.' },
    { name: 'query_lang', type: 'utf8', description: 'Query language.' },
    { name: 'passage_lang', type: 'utf8', description: 'Passage language.' },
    { name: 'query_text', type: 'utf8', description: 'Query text, ~60 chars.' },
    { name: 'passage_text', type: 'utf8', description: 'Passage text, ~150 chars.' },
  ],
};

const LANGS = ['en', 'de', 'fr', 'es', 'th', 'zh', 'ar', 'ja', 'ru', 'sw'];
const WORDS: Record<string, string[]> = {
  en: 'the of retrieval model river city history north water light school music early large'.split(' '),
  de: 'der die und Stadt Fluss Geschichte Wasser Licht Schule Musik früh groß'.split(' '),
  fr: 'le la et ville rivière histoire eau lumière école musique début grand'.split(' '),
  es: 'el la y ciudad río historia agua luz escuela música temprano grande'.split(' '),
  th: 'เมือง แม่น้ำ ประวัติศาสตร์ น้ำ แสง โรงเรียน ดนตรี ใหญ่ ทิศเหนือ ภาษา'.split(' '),
  zh: '城市 河流 历史 水 光 学校 音乐 早期 大型 北方 语言 模型'.split(' '),
  ar: 'مدينة نهر تاريخ ماء ضوء مدرسة موسيقى مبكر كبير شمال لغة'.split(' '),
  ja: '都市 川 歴史 水 光 学校 音楽 初期 大きい 北 言語'.split(' '),
  ru: 'город река история вода свет школа музыка ранний большой север'.split(' '),
  sw: 'mji mto historia maji mwanga shule muziki mapema kubwa kaskazini'.split(' '),
};

// Deterministic, so every writer (and every run) sees the same rows.
function rng(seed: number): () => number {
  const rng = createRng(seed, 'bench/tables');
  return () => rng.float();
}

// join() yields flat strings, like text decoded from a file; `+=` ropes would make the writers
// pay for flattening the generator's strings.
function text(r: () => number, lang: string, chars: number): string {
  const words = WORDS[lang]!;
  const parts: string[] = [];
  let len = -1;
  while (len < chars) {
    const w = words[Math.floor(r() * words.length)]!;
    parts.push(w);
    len += w.length + 1;
  }
  return parts.join(' ');
}

export function generateChunk(start: number, n: number): Columns {
  const r = rng(start + 1);
  const batch_id = new Int32Array(n);
  const position = new Int32Array(n);
  const epoch = new Int32Array(n);
  const kind: string[] = new Array(n);
  const query_id: string[] = new Array(n);
  const passage_id: string[] = new Array(n);
  const query_lang: string[] = new Array(n);
  const passage_lang: string[] = new Array(n);
  const query_text: string[] = new Array(n);
  const passage_text: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = start + i;
    batch_id[i] = Math.floor(row / 256);
    position[i] = row % 256;
    epoch[i] = Math.floor(row / 500_000);
    kind[i] = r() < 0.8 ? 'positive' : 'hard_negative';
    const ql = LANGS[Math.floor(r() * LANGS.length)]!;
    const pl = r() < 0.5 ? ql : LANGS[Math.floor(r() * LANGS.length)]!;
    query_lang[i] = ql;
    passage_lang[i] = pl;
    query_id[i] = `q-${ql}-${Math.floor(r() * 200_000).toString(36)}`;
    passage_id[i] = `p-${pl}-${Math.floor(r() * 5_000_000).toString(36)}`;
    query_text[i] = text(r, ql, 60);
    passage_text[i] = text(r, pl, 150);
  }
  return { batch_id, position, epoch, kind, query_id, passage_id, query_lang, passage_lang, query_text, passage_text };
}

interface WorkerResult {
  writer: string;
  seconds: number;
  bytes: number;
  peakRss: number;
  note?: string;
}

async function fileSize(p: string): Promise<number> {
  return (await stat(p)).size;
}

/**
 * Generates `rows` bench rows in CHUNK-row chunks and hands each to `write`; returns the milliseconds spent generating,
 * which every writer's timing subtracts so that it measures writing alone.
 */
async function feedChunks(rows: number, write: (cols: Columns) => Promise<void>): Promise<number> {
  let genMs = 0;
  for (let start = 0; start < rows; start += CHUNK) {
    const g0 = performance.now();
    const cols = generateChunk(start, Math.min(CHUNK, rows - start));
    genMs += performance.now() - g0;
    await write(cols);
  }
  return genMs;
}

async function workerOurs(
  format: 'arrow' | 'parquet',
  compression: ParquetCompression,
  rows: number,
  dir: string,
): Promise<WorkerResult> {
  // ours.arrow, ours-zstd.parquet, ours-snappy.parquet: DuckDB loads the zstd one, parquet-wasm the Arrow one.
  const base = join(dir, format === 'parquet' ? `ours-${compression}` : 'ours');
  const w = await openTableWriter(base, benchSchema, { formats: [format], compression });
  const t0 = performance.now();
  const genMs = await feedChunks(rows, (cols) => w.append(cols));
  const res = await w.close();
  const seconds = (performance.now() - t0 - genMs) / 1000;
  const codec = format === 'arrow' ? '' : compression === 'zstd' ? ' zstd (wasm)' : ` ${compression}`;
  const isDefault = format === 'parquet' && compression === defaultParquetCompression() ? ' (default)' : '';
  return {
    writer: `tables.ts ${format}${codec}${isDefault}`,
    seconds,
    bytes: res[format]!.bytes,
    peakRss: peakRssMiB(),
    note: `generation ${(genMs / 1000).toFixed(1)} s subtracted`,
  };
}

async function workerDuck(threads: number, codec: 'zstd' | 'snappy', dir: string): Promise<WorkerResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const c = await (await DuckDBInstance.create(':memory:')).connect();
  await c.run(`SET threads=${threads}`);
  await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${join(dir, 'ours-zstd.parquet')}')`);
  const out = join(dir, `duck${threads}-${codec}.parquet`);
  const t0 = performance.now();
  await c.run(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION ${codec})`);
  const seconds = (performance.now() - t0) / 1000;
  return {
    writer: `duckdb COPY ${codec}, ${threads} thread${threads > 1 ? 's' : ''}`,
    seconds,
    bytes: await fileSize(out),
    peakRss: peakRssMiB(),
  };
}

// The Parquet path tables.ts had before its own encoder: hyparquet-writer's ParquetWriter, one row group
// per 100,000-row chunk, snappy, bytes written to the file after each row group, fsync at the end.
async function workerHyparquet(rows: number, dir: string): Promise<WorkerResult> {
  const { ByteWriter, ParquetWriter } = await import('hyparquet-writer');
  const { open } = await import('node:fs/promises');
  const out = join(dir, 'hyparquet.parquet');
  const fh = await open(out, 'w');
  const bytes = new ByteWriter(1 << 20);
  const schema = [
    { name: 'root', num_children: benchSchema.columns.length },
    ...benchSchema.columns.map((c) =>
      c.type === 'int32'
        ? { name: c.name, repetition_type: 'REQUIRED' as const, type: 'INT32' as const }
        : {
            name: c.name,
            repetition_type: 'REQUIRED' as const,
            type: 'BYTE_ARRAY' as const,
            converted_type: 'UTF8' as const,
            logical_type: { type: 'STRING' as const },
          },
    ),
  ];
  const w = new ParquetWriter({ writer: bytes, schema, codec: 'SNAPPY', createdBy: 'bench' });
  const flush = async (): Promise<void> => {
    await fh.write(new Uint8Array(bytes.buffer, 0, bytes.index));
    bytes.index = 0;
  };
  const t0 = performance.now();
  const genMs = await feedChunks(rows, async (cols) => {
    const n = validateColumns(benchSchema, cols);
    w.write({
      columnData: benchSchema.columns.map((c) => ({ name: c.name, data: cols[c.name] as string[] })),
      rowGroupSize: n,
    });
    await flush();
  });
  w.finish();
  await flush();
  await fh.sync();
  await fh.close();
  const seconds = (performance.now() - t0 - genMs) / 1000;
  return {
    writer: 'hyparquet-writer 0.17 snappy (previous tables.ts path)',
    seconds,
    bytes: await fileSize(out),
    peakRss: peakRssMiB(),
    note: `generation ${(genMs / 1000).toFixed(1)} s subtracted`,
  };
}

async function workerWasm(dir: string): Promise<WorkerResult> {
  let pw: typeof import('parquet-wasm');
  try {
    pw = await import('parquet-wasm');
  } catch {
    return { writer: 'parquet-wasm (not installed)', seconds: NaN, bytes: 0, peakRss: peakRssMiB() };
  }
  const arrow = await import('apache-arrow');
  const ipc = arrow.tableToIPC(arrow.tableFromIPC(await readFile(join(dir, 'ours.arrow'))), 'stream');
  const out = join(dir, 'wasm.parquet');
  const t0 = performance.now();
  const table = pw.Table.fromIPCStream(ipc);
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(100_000)
    .build();
  const bytes = pw.writeParquet(table, props);
  await writeFile(out, bytes);
  const seconds = (performance.now() - t0) / 1000;
  return {
    writer: 'parquet-wasm zstd',
    seconds,
    bytes: bytes.byteLength,
    peakRss: peakRssMiB(),
    note: 'whole table in WASM memory',
  };
}

// Page codecs alone, on the pages our writer compresses: the PLAIN bytes of the two text columns of the
// first 100,000 rows, cut into 1 MiB pages. Every codec compresses every page once per round, the rounds
// interleaved; the figure is the median round. Peers: hyparquet-writer's snappy (the snappyjs port, the
// only maintained JS snappy compressor installed) and node:zlib's zstd where the runtime has it (Node >=
// 22.15; tables.ts does not use it, see codecs.ts).
interface CodecResult {
  codec: string;
  mbPerSecond: number;
  ratio: number;
}

async function workerCodecs(rounds: number): Promise<CodecResult[]> {
  const { snappyCompress } = await import('hyparquet-writer/src/snappy.js');
  const { Sink } = await import('../stages/common/tables/sink.ts');
  const { snappyCompressTo } = await import('../stages/common/tables/snappy.ts');
  const { loadZstd, zstdCompress, ZSTD_LEVEL } = await import('../stages/common/tables/codecs.ts');
  const zlib = (await import('node:zlib')) as unknown as {
    zstdCompressSync?: (b: Uint8Array, o?: object) => Buffer;
    constants: Record<string, number>;
  };
  await loadZstd();
  const cols = generateChunk(0, 100_000);
  const parts: Buffer[] = [];
  for (const name of ['query_text', 'passage_text']) {
    for (const s of cols[name] as string[]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      parts.push(len, b);
    }
  }
  const all = Buffer.concat(parts);
  const pages: Uint8Array[] = [];
  for (let o = 0; o < all.length; o += 1 << 20) pages.push(all.subarray(o, Math.min(all.length, o + (1 << 20))));
  const sink = new Sink(1 << 21);
  const codecs: [string, (p: Uint8Array) => number][] = [
    ['tables.ts snappy (ours)', (p) => (sink.reset(), snappyCompressTo(sink, p), sink.pos)],
    ['hyparquet-writer snappy', (p) => snappyCompress(p).length],
    [`zstd-wasm level ${ZSTD_LEVEL} (tables.ts)`, (p) => zstdCompress(p).length],
  ];
  const level = zlib.constants.ZSTD_c_compressionLevel;
  if (typeof zlib.zstdCompressSync === 'function' && level !== undefined) {
    codecs.push([
      `node:zlib zstd level ${ZSTD_LEVEL} (native, not used)`,
      (p) => zlib.zstdCompressSync!(p, { params: { [level]: ZSTD_LEVEL } }).length,
    ]);
  }
  const times = codecs.map(() => [] as number[]);
  const sizes = codecs.map(() => 0);
  for (let round = 0; round < rounds + 1; round++) {
    codecs.forEach(([, fn], k) => {
      let bytes = 0;
      const t0 = performance.now();
      for (const p of pages) bytes += fn(p);
      const ms = performance.now() - t0;
      if (round > 0) times[k]!.push(ms); // round 0 warms the JIT and the wasm heap
      sizes[k] = bytes;
    });
  }
  return codecs.map(([codec], k) => ({
    codec,
    mbPerSecond: Math.round(all.length / 1e6 / (median(times[k]!) / 1000)),
    ratio: Math.round((sizes[k]! / all.length) * 1000) / 1000,
  }));
}

async function runWorker(): Promise<void> {
  const [kind, rowsS, dir] = process.env[WORKER_ENV]!.split('|') as [string, string, string];
  const rows = Number(rowsS);
  let r: WorkerResult;
  if (kind === 'arrow') r = await workerOurs('arrow', 'uncompressed', rows, dir);
  else if (kind === 'parquet') r = await workerOurs('parquet', 'zstd', rows, dir);
  else if (kind === 'parquetSnappy') r = await workerOurs('parquet', 'snappy', rows, dir);
  else if (kind === 'duck1') r = await workerDuck(1, 'zstd', dir);
  else if (kind === 'duck1snappy') r = await workerDuck(1, 'snappy', dir);
  else if (kind === 'duck2') r = await workerDuck(2, 'zstd', dir);
  else if (kind === 'hyparquet') r = await workerHyparquet(rows, dir);
  else if (kind === 'codecs') {
    // For this worker the rows field carries the number of rounds.
    process.stdout.write(JSON.stringify(await workerCodecs(rows)) + '\n');
    return;
  } else r = await workerWasm(dir);
  process.stdout.write(JSON.stringify(r) + '\n');
}

function spawnWorker<T = WorkerResult>(kind: string, rows: number, dir: string): Promise<T> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', self],
      { env: { ...process.env, [WORKER_ENV]: `${kind}|${rows}|${dir}` }, maxBuffer: 1 << 20, timeout: 600_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`bench worker ${kind} failed: ${err.message}\n${stderr}`));
        const line = stdout.trim().split('\n').at(-1)!;
        resolve(JSON.parse(line) as T);
      },
    );
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export default async function bench(): Promise<BenchResult> {
  const rows = Number(process.env.HXLR_BENCH_ROWS ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`HXLR_BENCH_ROWS must be a positive integer`);
  const repeats = Number(process.env.HXLR_BENCH_REPEATS ?? 3);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`HXLR_BENCH_REPEATS must be a positive integer`);
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-tables-bench-'));
  const kinds = ['arrow', 'parquet', 'parquetSnappy', 'duck1', 'duck1snappy', 'duck2', 'wasm', 'hyparquet'];
  const runs = new Map<string, WorkerResult[]>(kinds.map((k) => [k, []]));
  try {
    // Rounds interleave the writers, so a slow spell on the shared machine hits all of them alike.
    // Order matters: the peers load the files our writers produced.
    for (let round = 0; round < repeats; round++) {
      for (const kind of kinds) runs.get(kind)!.push(await spawnWorker(kind, rows, dir));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const codecRounds = Number(process.env.HXLR_BENCH_CODEC_ROUNDS ?? 7);
  if (!Number.isInteger(codecRounds) || codecRounds < 1)
    throw new Error(`HXLR_BENCH_CODEC_ROUNDS must be a positive integer`);
  const codecs = await spawnWorker<CodecResult[]>('codecs', codecRounds, dir);
  const summary = kinds.map((kind) => {
    const rs = runs.get(kind)!;
    const secs = rs.map((r) => r.seconds).filter(Number.isFinite);
    return {
      kind,
      first: rs[0]!,
      seconds: secs.length ? median(secs) : NaN,
      min: Math.min(...secs),
      max: Math.max(...secs),
      peakRss: Math.max(...rs.map((r) => r.peakRss)),
    };
  });
  const rate = (s: number): number => Math.round(rows / s);
  const duck1 = summary.find((r) => r.kind === 'duck1')!.seconds;
  return {
    id: 'tables',
    title: `Row tables: ${rows.toLocaleString('en-US')} rows (10 columns, ~60 + ~150 char texts), median of ${repeats}`,
    columns: ['writer', 'rows/s', 'vs duckdb zstd 1 thread', 'MB written', 'peak RSS MiB', 'seconds'],
    rows: summary.map((r) => ({
      writer: r.first.writer,
      'rows/s': Number.isFinite(r.seconds) ? rate(r.seconds) : 'n/a',
      'vs duckdb zstd 1 thread': Number.isFinite(r.seconds) ? Math.round((duck1 / r.seconds) * 100) / 100 : 'n/a',
      'MB written': Math.round((r.first.bytes / 1e6) * 10) / 10,
      'peak RSS MiB': r.peakRss,
      seconds: Number.isFinite(r.seconds) ? Math.round(r.seconds * 100) / 100 : 'n/a',
    })),
    notes: [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}; each writer in its own process (peak RSS is its own, max over runs)`,
      `tables.ts: streaming writer, appends of ${CHUNK.toLocaleString('en-US')} rows, row groups/record batches of 100,000; time includes validation and JS → columnar encoding, excludes row generation`,
      `tables.ts parquet: zstd level 3 through @bokuweb/zstd-wasm (the same on every Node version), snappy our own; default ${defaultParquetCompression()}`,
      'duckdb / parquet-wasm: same rows, loaded untimed from our Parquet / Arrow output; timed = Parquet encode + write only',
      `rows/s range over ${repeats} runs: ` +
        summary
          .filter((r) => Number.isFinite(r.seconds))
          .map((r) => `${r.first.writer} ${rate(r.max)}–${rate(r.min)}`)
          .join('; '),
      ...summary.filter((r) => r.first.note).map((r) => `${r.first.writer}: ${r.first.note}`),
      `page codecs alone (text PLAIN pages of 100,000 rows, 1 MiB each; median of ${codecRounds} interleaved rounds): ` +
        codecs.map((c) => `${c.codec} ${c.mbPerSecond} MB/s, ${c.ratio} of the input`).join('; '),
    ],
  };
}

if (process.env[WORKER_ENV]) await runWorker();
