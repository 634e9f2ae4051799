// Golden bytes: one small fixed table written as Arrow and as Parquet with each codec, compared with
// sha256 digests committed below. Cached artifacts are addressed by fingerprints that cover our code,
// not the bytes our dependencies produce, so a dependency upgrade (hyparquet-writer's Thrift code,
// the zstd wasm build, apache-arrow) that changes the bytes must fail here, loudly, before it ships.
// The same files are read back by DuckDB and hyparquet, so the digests pin files that real readers
// accept.

import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import {
  type Columns,
  type ParquetCompression,
  type TableSchema,
  defaultParquetCompression,
  readParquet,
  writeArrow,
  writeParquet,
} from '../../stages/common/tables.ts';
import { zstdDecompress, loadZstd } from '../../stages/common/tables/codecs.ts';

const GOLDEN: Record<'arrow' | ParquetCompression, string> = {
  arrow: 'b67ce831c23b6b74ce7e6bd15aaaeccfcfbac266d35751e067c78dbd8ee2ba75',
  zstd: 'cf029078acab9074fbe499f99948817ade866658ee04faad216b321829ef42b6',
  snappy: 'ea01619d84cf581a09595d52c91fd52a2700ed89ea338f9a934a60fcf2ac19ee',
  uncompressed: '202b3d1419e924a45805bf9617c8ffc1de851990ed984a8fd1c80c1ee26f33a7',
};

const WHAT_TO_DO = `
The bytes of a table written by stages/common/tables.ts changed.
- If you upgraded a dependency (hyparquet-writer, @bokuweb/zstd-wasm, apache-arrow) and did not edit
  stages/common/tables/: cached artifacts were fingerprinted with the old bytes and would no longer match
  what the code writes. Bump TABLE_BYTES_REVISION in stages/common/tables/codecs.ts (it is in every
  table-writing stage's env, so they rebuild), check that the rest of test/common/ passes (DuckDB and
  hyparquet read the new files), then update the digest here.
- If you changed the encoder on purpose: its source digest already changes the fingerprints; update the
  digest here and say in the commit message that table bytes (and so the lock file) change.
- If neither: the output is no longer deterministic. That is a bug; do not update the digest.`;

const schema: TableSchema = {
  name: 'golden',
  description: 'A fixed table whose file digests are committed in this test.',
  columns: [
    { name: 'id', type: 'int32', description: 'Row number.' },
    { name: 'lang', type: 'utf8', description: 'A repeated short string: dictionary-encoded.' },
    { name: 'text', type: 'utf8', nullable: true, description: 'Distinct multilingual text, some nulls.' },
    { name: 'big', type: 'int64', nullable: true, description: 'int64 with nulls.' },
    { name: 'score', type: 'float32', description: 'float32, NaN and -0 included.' },
    { name: 'weight', type: 'float64', description: 'float64.' },
    { name: 'flag', type: 'bool', nullable: true, description: 'bool with nulls.' },
    { name: 'tokens', type: 'list<utf8>', nullable: true, description: 'Lists of strings, empty and null ones.' },
    { name: 'ids', type: 'list<int32>', description: 'Lists of int32.' },
    { name: 'vec', type: 'list<float32>', description: 'Lists of float32.' },
  ],
};

const ROWS = 300;
const LANGS = ['en', 'de', 'th', 'zh', 'ar', 'sw'];
const WORDS = ['river', 'Fluss', 'แม่น้ำ', '河流', 'نهر', 'mto', '🙂', 'history', 'école'];

// Pure arithmetic, no generator: the table must never change with anything but this file.
function goldenColumns(): Columns {
  const text: (string | null)[] = [];
  const tokens: (string[] | null)[] = [];
  for (let i = 0; i < ROWS; i++) {
    text.push(
      i % 17 === 5 ? null : `${WORDS[i % WORDS.length]} ${i} ${WORDS[(i * 7) % WORDS.length]} ${'ab'.repeat(i % 9)}`,
    );
    tokens.push(i % 11 === 3 ? null : Array.from({ length: i % 4 }, (_, k) => WORDS[(i + k) % WORDS.length]!));
  }
  return {
    id: Int32Array.from({ length: ROWS }, (_, i) => i),
    lang: Array.from({ length: ROWS }, (_, i) => LANGS[(i * 5) % LANGS.length]!),
    text,
    big: Array.from({ length: ROWS }, (_, i) => (i % 13 === 0 ? null : BigInt(i) * 1_000_000_007n - 2n ** 40n)),
    score: Float32Array.from({ length: ROWS }, (_, i) => (i === 7 ? NaN : i === 8 ? -0 : Math.sin(i) * 10)),
    weight: Float64Array.from({ length: ROWS }, (_, i) => i / 3),
    flag: Array.from({ length: ROWS }, (_, i) => (i % 7 === 0 ? null : i % 3 === 0)),
    tokens,
    ids: Array.from({ length: ROWS }, (_, i) => Array.from({ length: i % 5 }, (_, k) => i * 10 + k)),
    vec: Array.from({ length: ROWS }, (_, i) => Array.from({ length: i % 3 }, (_, k) => (i + k) / 8)),
  };
}

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

async function tmp(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-tables-golden-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// Several row groups, so the footer, offsets and per-group dictionaries are all pinned.
const ROW_GROUP_SIZE = 128;

test('Arrow bytes of the golden table match the committed digest', async (t) => {
  const dir = await tmp(t);
  const p = join(dir, 'golden.arrow');
  await writeArrow(p, schema, goldenColumns());
  t.is(await sha256(p), GOLDEN.arrow, WHAT_TO_DO);
});

for (const compression of ['zstd', 'snappy', 'uncompressed'] as const) {
  test(`Parquet ${compression} bytes of the golden table match the committed digest; DuckDB and hyparquet read it`, async (t) => {
    const dir = await tmp(t);
    const p = join(dir, `golden-${compression}.parquet`);
    await writeParquet(p, schema, goldenColumns(), { compression, rowGroupSize: ROW_GROUP_SIZE });
    t.is(await sha256(p), GOLDEN[compression], WHAT_TO_DO);

    // Our reader: the values are the ones written.
    const back = await readParquet(p, schema);
    const want = goldenColumns();
    t.deepEqual(back.columns.text, want.text);
    t.deepEqual(back.columns.tokens, want.tokens);

    // hyparquet on its own (no parsers of ours): every row, through the codec named in the file.
    const buf = await readFile(p);
    await loadZstd();
    const rows = await parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
      compressors: { ZSTD: zstdDecompress },
    });
    t.is(rows.length, ROWS);
    t.is(rows[299]!.text, want.text[299]);
    t.deepEqual(rows[298]!.ids, [2980, 2981, 2982]);

    // DuckDB: codec, row groups and aggregates over every column.
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const codec = await c.runAndReadAll(`select distinct compression from parquet_metadata('${p}')`);
      t.deepEqual(
        codec.getRowObjectsJS().map((r) => r.compression),
        [compression.toUpperCase()],
      );
      const agg = await c.runAndReadAll(
        `select count(*) n, count(distinct lang) langs, count(text) texts, sum(big) big, count(flag) flags,
                sum(len(tokens)) tokens, sum(list_sum(ids)) ids, count(*) filter (where isnan(score)) nans,
                max(row_group_id) + 1 as groups
         from read_parquet('${p}') cross join (select max(row_group_id) row_group_id from parquet_metadata('${p}'))`,
      );
      const wantBig = (want.big as (bigint | null)[]).reduce<bigint>((s, v) => s + (v ?? 0n), 0n);
      const wantIds = (want.ids as number[][]).flat().reduce((s, v) => s + v, 0);
      t.deepEqual(agg.getRowObjectsJS()[0], {
        n: 300n,
        langs: 6n,
        texts: BigInt((want.text as unknown[]).filter((v) => v !== null).length),
        big: wantBig,
        flags: BigInt((want.flag as unknown[]).filter((v) => v !== null).length),
        tokens: BigInt((want.tokens as (string[] | null)[]).reduce((s, r) => s + (r?.length ?? 0), 0)),
        ids: BigInt(wantIds),
        nans: 1n,
        groups: BigInt(Math.ceil(ROWS / ROW_GROUP_SIZE)),
      });
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
}

test('the default codec is snappy on every Node version, so a default write is the golden snappy file', async (t) => {
  t.is(defaultParquetCompression(), 'snappy');
  const dir = await tmp(t);
  const p = join(dir, 'golden-default.parquet');
  await writeParquet(p, schema, goldenColumns(), { rowGroupSize: ROW_GROUP_SIZE });
  t.is(await sha256(p), GOLDEN.snappy, WHAT_TO_DO);
});
