import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import {
  type Columns,
  type TableSchema,
  TableError,
  defaultParquetCompression,
  openTableWriter,
  readArrow,
  readParquet,
  schemaJson,
  schemaMarkdown,
  tablesEnv,
  writeArrow,
  writeParquet,
  writeTable,
} from '../../stages/common/tables.ts';
import { duckRows } from '../helpers/duckdb.ts';

const schema: TableSchema = {
  name: 'all_types',
  description: 'One column of every type.',
  columns: [
    { name: 's', type: 'utf8', description: 'text | with a pipe' },
    { name: 'sn', type: 'utf8', nullable: true, description: 'nullable text' },
    { name: 'i', type: 'int32', description: 'int32' },
    { name: 'in', type: 'int32', nullable: true, description: 'nullable int32' },
    { name: 'b', type: 'int64', description: 'int64' },
    { name: 'bn', type: 'int64', nullable: true, description: 'nullable int64' },
    { name: 'f', type: 'float32', description: 'float32' },
    { name: 'd', type: 'float64', description: 'float64' },
    { name: 'dn', type: 'float64', nullable: true, description: 'nullable float64' },
    { name: 'x', type: 'bool', description: 'bool' },
    { name: 'xn', type: 'bool', nullable: true, description: 'nullable bool' },
    { name: 'ls', type: 'list<utf8>', description: 'list of text' },
    { name: 'li', type: 'list<int32>', nullable: true, description: 'nullable list of int32' },
    { name: 'lf', type: 'list<float32>', description: 'list of float32' },
  ],
};

const TEXTS = ['hello', 'สวัสดีครับ', '中文检索', 'مرحبا بالعالم', '🙂👍🏽 emoji', ''];

function input(): Columns {
  return {
    s: TEXTS,
    sn: ['a', null, 'ภาษาไทย', null, '日本語', 'z'],
    i: [0, -1, 2147483647, -2147483648, 42, 7],
    in: [1, null, 3, null, 5, 6],
    b: [0n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n, 5n],
    bn: [null, 2n, null, 4n, 5n, 6n],
    f: new Float32Array([1.5, -2.25, 0, 3.5, 1e10, -0]),
    d: [0.1, Math.PI, -1e300, 0, 2.5, 1 / 3],
    dn: [null, 1.5, null, 2.5, null, 3.5],
    x: [true, false, true, true, false, false],
    xn: [null, true, false, null, true, false],
    ls: [['a', 'ข'], [], ['中', '🙂'], ['مرحبا'], ['x', 'y', 'z'], ['']],
    li: [[1, 2, 3], null, new Int32Array([-5]), [], [2147483647], null],
    lf: [[1.5], [], new Float32Array([0.25, -0.5]), [3], [], [1e-3]],
  };
}

/** What the readers return for input(): numeric columns without nulls become typed arrays. */
function expected(): Columns {
  const c = input();
  return {
    ...c,
    i: Int32Array.from(c.i as number[]),
    b: BigInt64Array.from(c.b as bigint[]),
    d: Float64Array.from(c.d as number[]),
    li: (c.li as (number[] | Int32Array | null)[]).map((r) => (r === null ? null : Int32Array.from(r))),
    lf: (c.lf as (number[] | Float32Array)[]).map((r) => Float32Array.from(r)),
  };
}

async function tmp(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-tables-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('Arrow and Parquet round trip every column type, nulls and unicode', async (t) => {
  const dir = await tmp(t);
  const base = join(dir, 'all');
  const res = await writeTable(base, schema, input());
  t.is(res.arrow.rows, 6);
  t.is(res.parquet.rows, 6);
  t.true(res.arrow.bytes > 0 && res.parquet.bytes > 0);
  const arrow = await readArrow(`${base}.arrow`, schema);
  const parquet = await readParquet(`${base}.parquet`, schema);
  t.is(arrow.rows, 6);
  t.is(parquet.rows, 6);
  t.deepEqual(arrow.columns, expected());
  t.deepEqual(parquet.columns, expected());
  // Reading without a schema infers the same types.
  t.deepEqual((await readArrow(`${base}.arrow`)).columns, expected());
  t.deepEqual((await readParquet(`${base}.parquet`)).columns, expected());
});

test('writeArrow and writeParquet alone; Arrow file format readable by tableFromIPC with descriptions', async (t) => {
  const dir = await tmp(t);
  const a = await writeArrow(join(dir, 'x.arrow'), schema, input());
  const p = await writeParquet(join(dir, 'x.parquet'), schema, input(), { compression: 'snappy' });
  t.is(a.rows, 6);
  t.is(p.rows, 6);
  t.deepEqual(await readdir(dir).then((f) => f.sort()), ['x.arrow', 'x.parquet']);
  const bytes = await readFile(join(dir, 'x.arrow'));
  t.is(bytes.subarray(0, 6).toString('latin1'), 'ARROW1'); // file format, not stream
  const table = tableFromIPC(bytes);
  t.is(table.numRows, 6);
  t.is(table.schema.fields.find((f) => f.name === 'sn')!.metadata.get('description'), 'nullable text');
  t.is(table.schema.metadata.get('hybrid-xlr.table'), 'all_types');
  t.is(String(table.schema.fields.find((f) => f.name === 'li')!.type), 'List<Int32>');
});

test('DuckDB reads the Parquet with the right types, counts, values and metadata', async (t) => {
  const dir = await tmp(t);
  const base = join(dir, 'all');
  await writeTable(base, schema, input());
  const file = `${base}.parquet`;
  const types = await duckRows(
    `select ${schema.columns.map((c) => `typeof("${c.name}") as "${c.name}"`).join(', ')} from read_parquet('${file}') limit 1`,
  );
  t.deepEqual(types[0], {
    s: 'VARCHAR',
    sn: 'VARCHAR',
    i: 'INTEGER',
    in: 'INTEGER',
    b: 'BIGINT',
    bn: 'BIGINT',
    f: 'FLOAT',
    d: 'DOUBLE',
    dn: 'DOUBLE',
    x: 'BOOLEAN',
    xn: 'BOOLEAN',
    ls: 'VARCHAR[]',
    li: 'INTEGER[]',
    lf: 'FLOAT[]',
  });
  const rows = await duckRows(`select * from read_parquet('${file}')`);
  t.is(rows.length, 6);
  t.deepEqual(
    rows.map((r) => r.s),
    TEXTS,
  );
  t.deepEqual(
    rows.map((r) => r.sn),
    ['a', null, 'ภาษาไทย', null, '日本語', 'z'],
  );
  t.deepEqual(
    rows.map((r) => r.b),
    [0n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n, 5n],
  );
  t.deepEqual(
    rows.map((r) => r.in),
    [1, null, 3, null, 5, 6],
  );
  t.deepEqual(
    rows.map((r) => r.xn),
    [null, true, false, null, true, false],
  );
  const counts = await duckRows(
    `select count(*) as n, count(sn) as sn, count(li) as li, sum(len(ls)) as ls, sum(i) as i from read_parquet('${file}')`,
  );
  t.deepEqual(counts[0], { n: 6n, sn: 4n, li: 4n, ls: 9n, i: 2147483647n - 2147483648n + 48n });
  const lists = await duckRows(`select ls, li, lf from read_parquet('${file}')`);
  t.deepEqual(lists[2], { ls: ['中', '🙂'], li: [-5], lf: [0.25, -0.5] });
  t.deepEqual(lists[1], { ls: [], li: null, lf: [] });
  // Real Parquet LISTs (3-level), not JSON strings.
  const schemaRows = await duckRows(
    `select name, converted_type from parquet_schema('${file}') where name in ('ls', 'li', 'lf')`,
  );
  t.deepEqual(
    schemaRows.map((r) => r.converted_type),
    ['LIST', 'LIST', 'LIST'],
  );
  const codec = await duckRows(`select distinct compression from parquet_metadata('${file}')`);
  t.deepEqual(
    codec.map((r) => r.compression),
    [defaultParquetCompression().toUpperCase()],
  );
  const kv = await duckRows(`select decode(key) as k, decode(value) as v from parquet_kv_metadata('${file}')`);
  const meta = kv.find((r) => r.k === 'hybrid-xlr.schema');
  t.truthy(meta);
  t.deepEqual(JSON.parse(meta!.v as string), schemaJson(schema));
});

test('the same columns give byte-identical files', async (t) => {
  const dir = await tmp(t);
  await writeTable(join(dir, 'a'), schema, input());
  await writeTable(join(dir, 'b'), schema, input());
  t.deepEqual(await readFile(join(dir, 'a.arrow')), await readFile(join(dir, 'b.arrow')));
  t.deepEqual(await readFile(join(dir, 'a.parquet')), await readFile(join(dir, 'b.parquet')));
  // number[] vs typed arrays for the same values: same bytes too.
  const typed = { ...input(), i: Int32Array.from(input().i as number[]), d: Float64Array.from(input().d as number[]) };
  await writeTable(join(dir, 'c'), schema, typed);
  t.deepEqual(await readFile(join(dir, 'a.parquet')), await readFile(join(dir, 'c.parquet')));
  t.deepEqual(await readFile(join(dir, 'a.arrow')), await readFile(join(dir, 'c.arrow')));
});

const big: TableSchema = {
  name: 'big',
  description: 'Many rows for the streaming writer.',
  columns: [
    { name: 'id', type: 'int32', description: 'row id' },
    { name: 'text', type: 'utf8', description: 'text' },
    { name: 'tags', type: 'list<utf8>', description: 'tags' },
    { name: 'score', type: 'float32', nullable: true, description: 'score' },
  ],
};

function bigRows(start: number, n: number): Columns {
  const id = new Int32Array(n);
  const text: string[] = [];
  const tags: string[][] = [];
  const score: (number | null)[] = [];
  for (let k = 0; k < n; k++) {
    const r = start + k;
    id[k] = r;
    text.push(`${TEXTS[r % TEXTS.length]} #${r}`);
    tags.push(r % 3 === 0 ? [] : [`t${r % 7}`, 'ไทย']);
    score.push(r % 5 === 0 ? null : r / 4);
  }
  return { id, text, tags, score };
}

test('streaming writer equals the one-shot writer, byte for byte, whatever the append sizes', async (t) => {
  const dir = await tmp(t);
  const total = 2_503;
  const opts = { rowGroupSize: 500 };
  await writeTable(join(dir, 'once'), big, bigRows(0, total), opts);
  const w = await openTableWriter(join(dir, 'stream'), big, opts);
  let start = 0;
  for (const n of [1, 0, 7, 499, 500, 1, 1000, 13]) {
    await w.append(bigRows(start, n));
    start += n;
  }
  await w.append(bigRows(start, total - start));
  t.is(w.rows, total);
  // Nothing visible under the final names before close.
  t.deepEqual(
    (await readdir(dir)).filter((f) => f.startsWith('stream.')).filter((f) => !f.includes('.tmp-')),
    [],
  );
  const res = await w.close();
  t.deepEqual(res.arrow, { rows: total, bytes: (await readFile(join(dir, 'stream.arrow'))).length });
  t.deepEqual(await readFile(join(dir, 'once.arrow')), await readFile(join(dir, 'stream.arrow')));
  t.deepEqual(await readFile(join(dir, 'once.parquet')), await readFile(join(dir, 'stream.parquet')));
  const back = await readParquet(join(dir, 'stream.parquet'), big);
  t.deepEqual(back.columns, { ...bigRows(0, total), score: (bigRows(0, total).score as unknown[]).slice() });
  t.deepEqual((await readArrow(join(dir, 'stream.arrow'), big)).columns, back.columns);
  const groups = await duckRows(
    `select count(distinct row_group_id) as g, max(row_group_num_rows) as m from parquet_metadata('${join(dir, 'stream.parquet')}')`,
  );
  t.deepEqual(groups[0], { g: 6n, m: 500n });
  const arrowTable = tableFromIPC(await readFile(join(dir, 'stream.arrow')));
  t.is(arrowTable.batches.length, 6);
  t.is(arrowTable.numRows, total);
});

test('empty tables round trip and DuckDB reads them', async (t) => {
  const dir = await tmp(t);
  const empty = Object.fromEntries(schema.columns.map((c) => [c.name, []]));
  await writeTable(join(dir, 'e'), schema, empty);
  t.is((await readArrow(join(dir, 'e.arrow'), schema)).rows, 0);
  t.is((await readParquet(join(dir, 'e.parquet'), schema)).rows, 0);
  t.deepEqual(await duckRows(`select count(*) as n from read_parquet('${join(dir, 'e.parquet')}')`), [{ n: 0n }]);
});

test('validation errors name the table, column and row, and leave no files', async (t) => {
  const dir = await tmp(t);
  const cases: [string, (c: Columns) => void, RegExp, string | undefined, number | undefined][] = [
    ['missing column', (c) => delete c.sn, /table "all_types": missing column "sn"/, 'sn', undefined],
    [
      'extra column',
      (c) => (c.extra = [1, 2, 3, 4, 5, 6]),
      /table "all_types": unexpected column "extra"/,
      'extra',
      undefined,
    ],
    [
      'wrong length',
      (c) => (c.d = [1, 2]),
      /table "all_types": column "d" has 2 rows but column "s" has 6/,
      'd',
      undefined,
    ],
    [
      'string in int32',
      (c) => ((c.i as unknown[])[3] = '4'),
      /table "all_types": column "i" \(int32\) row 3: wrong type, expected number, got string "4"/,
      'i',
      3,
    ],
    [
      'fraction in int32',
      (c) => ((c.i as unknown[])[2] = 1.5),
      /column "i" \(int32\) row 2: not a 32-bit integer/,
      'i',
      2,
    ],
    [
      'int32 overflow',
      (c) => ((c.i as unknown[])[1] = 2 ** 31),
      /column "i" \(int32\) row 1: not a 32-bit integer/,
      'i',
      1,
    ],
    [
      'number in int64',
      (c) => ((c.b as unknown[])[0] = 1),
      /column "b" \(int64\) row 0: wrong type, expected bigint, got number 1/,
      'b',
      0,
    ],
    [
      'number in utf8',
      (c) => ((c.s as unknown[])[5] = 5),
      /column "s" \(utf8\) row 5: wrong type, expected string, got number 5/,
      's',
      5,
    ],
    [
      'wrong typed array',
      (c) => (c.i = new Float64Array(6)),
      /column "i" \(int32\): wrong type, got Float64Array/,
      'i',
      undefined,
    ],
    [
      'string in bool',
      (c) => ((c.x as unknown[])[4] = 'true'),
      /column "x" \(bool\) row 4: wrong type, expected boolean/,
      'x',
      4,
    ],
    [
      'null in non-nullable',
      (c) => ((c.s as unknown[])[2] = null),
      /column "s" \(utf8\) row 2: null in non-nullable column/,
      's',
      2,
    ],
    [
      'null in non-nullable list',
      (c) => ((c.ls as unknown[])[1] = null),
      /column "ls" \(list<utf8>\) row 1: null in non-nullable column/,
      'ls',
      1,
    ],
    [
      'number in list<utf8>',
      (c) => ((c.ls as unknown[])[0] = ['a', 1]),
      /column "ls" \(list<utf8>\) row 0: wrong element type, expected string, got number 1/,
      'ls',
      0,
    ],
    [
      'not a list',
      (c) => ((c.lf as unknown[])[3] = 3),
      /column "lf" \(list<float32>\) row 3: wrong type, expected Float32Array or number\[\]/,
      'lf',
      3,
    ],
    [
      'lone surrogate',
      (c) => ((c.s as unknown[])[0] = 'a\ud800'),
      /column "s" \(utf8\) row 0: string is not well-formed UTF-16/,
      's',
      0,
    ],
  ];
  for (const [label, mutate, message, column, row] of cases) {
    const cols = { ...input() };
    for (const k of Object.keys(cols)) cols[k] = ArrayBuffer.isView(cols[k]) ? cols[k] : Array.from(cols[k]!);
    mutate(cols);
    const err = await t.throwsAsync(
      writeTable(join(dir, 'bad'), schema, cols),
      { instanceOf: TableError, message },
      label,
    );
    t.is(err?.table, 'all_types', label);
    t.is(err?.column, column, label);
    t.is(err?.row, row, label);
  }
  t.deepEqual(await readdir(dir), []);
});

test('a failed stream leaves neither final nor temporary files, and never clobbers an existing table', async (t) => {
  const dir = await tmp(t);
  await writeFile(join(dir, 't.parquet'), 'previous version');
  const w = await openTableWriter(join(dir, 't'), big, { rowGroupSize: 100 });
  await w.append(bigRows(0, 250));
  const bad = bigRows(250, 10);
  (bad.text as unknown[])[4] = null;
  const err = await t.throwsAsync(w.append(bad), { instanceOf: TableError });
  t.is(err?.row, 254, 'row numbers count from the start of the table');
  await t.throwsAsync(w.close(), { message: /writer is failed/ });
  t.deepEqual(await readdir(dir), ['t.parquet']);
  t.is(await readFile(join(dir, 't.parquet'), 'utf8'), 'previous version');

  const w2 = await openTableWriter(join(dir, 'u'), big);
  await w2.append(bigRows(0, 10));
  await w2.abort();
  t.deepEqual(await readdir(dir), ['t.parquet']);
});

test('compression: snappy by default, zstd on every Node version, uncompressed; DuckDB reads each; unknown names fail', async (t) => {
  const dir = await tmp(t);
  const cols = bigRows(0, 300);
  t.is(defaultParquetCompression(), 'snappy');
  for (const compression of ['zstd', 'snappy', 'uncompressed'] as const) {
    const p = join(dir, `${compression}.parquet`);
    await writeParquet(p, big, cols, { compression });
    t.deepEqual((await readParquet(p, big)).columns, { ...cols, score: (cols.score as unknown[]).slice() });
    const codec = await duckRows(`select distinct compression from parquet_metadata('${p}')`);
    t.deepEqual(
      codec.map((r) => r.compression),
      [compression.toUpperCase()],
    );
  }
  // zstd files written by others (DuckDB's frames) read back too, several pages included.
  const z = join(dir, 'duck-zstd.parquet');
  await duckRows(
    `copy (select repeat('x', (range % 50)::INTEGER) || range::VARCHAR as s from range(300000)) to '${z}' (format parquet, compression zstd)`,
  );
  const back = await readParquet(z);
  t.is(back.rows, 300_000);
  t.is((back.columns.s as string[])[299_999], 'x'.repeat(299_999 % 50) + '299999');
  await t.throwsAsync(writeParquet(join(dir, 'lz4.parquet'), big, cols, { compression: 'lz4' as 'zstd' }), {
    message: /unknown Parquet compression "lz4"/,
  });
  t.false((await readdir(dir)).some((f) => f.includes('.tmp-')));
});

test('tablesEnv: the codec and the bytes revision, the zstd build when zstd is written; the same on every Node version', (t) => {
  t.deepEqual(tablesEnv(), { parquetCompression: 'snappy', tableBytesRevision: '1' });
  t.deepEqual(tablesEnv('uncompressed'), { parquetCompression: 'uncompressed', tableBytesRevision: '1' });
  const z = tablesEnv('zstd');
  t.is(z.parquetCompression, 'zstd');
  t.regex(z.zstdCodec ?? '', /^@bokuweb\/zstd-wasm \d+\.\d+\.\d+/);
  t.throws(() => tablesEnv('lz4' as 'zstd'), { message: /unknown Parquet compression "lz4"/ });
});

test('readers check the file against the schema', async (t) => {
  const dir = await tmp(t);
  await writeTable(join(dir, 'b'), big, bigRows(0, 5));
  const renamed: TableSchema = {
    ...big,
    columns: big.columns.map((c) => (c.name === 'text' ? { ...c, name: 'body' } : c)),
  };
  await t.throwsAsync(readArrow(join(dir, 'b.arrow'), renamed), {
    instanceOf: TableError,
    message: /schema expects \[id, body, tags, score\]/,
  });
  await t.throwsAsync(readParquet(join(dir, 'b.parquet'), renamed), {
    instanceOf: TableError,
    message: /schema expects \[id, body, tags, score\]/,
  });
  const retyped: TableSchema = {
    ...big,
    columns: big.columns.map((c) => (c.name === 'id' ? { ...c, type: 'int64' } : c)),
  };
  await t.throwsAsync(readArrow(join(dir, 'b.arrow'), retyped), {
    message: /column "id" is Int32, schema expects int64/,
  });
  await t.throwsAsync(readParquet(join(dir, 'b.parquet'), retyped), {
    message: /column "id" is int32, schema expects int64/,
  });
  const strict: TableSchema = { ...big, columns: big.columns.map((c) => ({ ...c, nullable: false })) };
  await t.throwsAsync(readParquet(join(dir, 'b.parquet'), strict), {
    message: /column "score" row 0: null in non-nullable column/,
  });
});

test('schema checks: duplicate columns and unknown types', async (t) => {
  const dir = await tmp(t);
  const dup: TableSchema = { name: 'dup', description: '', columns: [big.columns[0]!, big.columns[0]!] };
  await t.throwsAsync(writeTable(join(dir, 'd'), dup, { id: [1] }), { message: /column "id" is declared twice/ });
  const unknown = {
    name: 'u',
    description: '',
    columns: [{ name: 'a', type: 'int8', description: '' }],
  } as unknown as TableSchema;
  await t.throwsAsync(writeTable(join(dir, 'u'), unknown, { a: [1] }), { message: /unknown type "int8"/ });
  t.deepEqual(await readdir(dir), []);
});

test('schemaMarkdown and schemaJson', (t) => {
  const md = schemaMarkdown(schema);
  t.true(md.startsWith('**all_types**: One column of every type.\n'));
  t.true(md.includes('| column | type | nullable | description |'));
  t.true(md.includes('| `s` | `utf8` | no | text \\| with a pipe |'));
  t.true(md.includes('| `li` | `list<int32>` | yes | nullable list of int32 |'));
  t.is(md.trim().split('\n').length, 4 + schema.columns.length);
  const json = schemaJson(schema) as { name: string; columns: { name: string; nullable: boolean }[] };
  t.is(json.name, 'all_types');
  t.is(json.columns.length, schema.columns.length);
  t.is(json.columns[0]!.nullable, false);
  t.is(json.columns[1]!.nullable, true);
});

test('append copies its input, so callers may reuse buffers before the row group is written', async (t) => {
  const dir = await tmp(t);
  const w = await openTableWriter(join(dir, 'r'), big, { rowGroupSize: 1000 });
  const scratch = bigRows(0, 10);
  await w.append(scratch);
  (scratch.id as Int32Array).fill(-1);
  (scratch.tags as string[][])[1]!.push('mutated');
  await w.append(bigRows(10, 5));
  await w.close();
  const back = await readParquet(join(dir, 'r.parquet'), big);
  t.deepEqual(back.columns.id, bigRows(0, 15).id);
  t.deepEqual(back.columns.tags, bigRows(0, 15).tags);
});

const wide: TableSchema = {
  name: 'wide',
  description: 'Enough rows for several pages per column chunk and several row groups.',
  columns: [
    { name: 'id', type: 'int32', description: 'unique id (PLAIN)' },
    { name: 'text', type: 'utf8', description: 'long unique text (PLAIN, several pages)' },
    { name: 'lang', type: 'utf8', description: 'low-cardinality text (dictionary)' },
    { name: 'one', type: 'int32', description: 'a constant (dictionary of one value)' },
    { name: 'big', type: 'int64', description: 'int64' },
    { name: 'score', type: 'float32', nullable: true, description: 'nullable float32' },
    { name: 'tags', type: 'list<utf8>', description: 'tags' },
    { name: 'ids', type: 'list<int32>', nullable: true, description: 'nullable list of int32' },
  ],
};
const LANGS = ['en', 'th', 'zh', 'ar', 'ru', '🙂'];

function wideRows(start: number, n: number): Columns {
  const id = new Int32Array(n);
  const text: string[] = [];
  const lang: string[] = [];
  const one = new Int32Array(n).fill(7);
  const big: bigint[] = [];
  const score: (number | null)[] = [];
  const tags: string[][] = [];
  const ids: (number[] | null)[] = [];
  for (let k = 0; k < n; k++) {
    const r = start + k;
    id[k] = r;
    text.push(`${TEXTS[r % TEXTS.length]} ${r.toString(36)} ${'ภาษาไทย中文'.slice(0, r % 9)} ${r * 7919}`);
    lang.push(LANGS[r % LANGS.length]!);
    big.push(BigInt(r) * 4_000_000_000n - 5n);
    score.push(r % 7 === 0 ? null : r % 11 === 0 ? Number.NaN : r / 8);
    tags.push(r % 5 === 0 ? [] : [LANGS[r % 3]!, `t${r % 40}`]);
    ids.push(r % 6 === 0 ? null : Array.from({ length: r % 4 }, (_, j) => r - j));
  }
  return { id, text, lang, one, big, score, tags, ids };
}

test('many rows: several pages and row groups, statistics, dictionaries, DuckDB and our reader agree', async (t) => {
  const dir = await tmp(t);
  const total = 120_000;
  const opts = { rowGroupSize: 50_000 };
  await writeTable(join(dir, 'once'), wide, wideRows(0, total), opts);
  const w = await openTableWriter(join(dir, 'stream'), wide, opts);
  for (let start = 0; start < total; start += 17_000) await w.append(wideRows(start, Math.min(17_000, total - start)));
  await w.close();
  // (Buffer.equals and isDeepStrictEqual: ava's deepEqual takes minutes on tables this size.)
  t.true((await readFile(join(dir, 'once.parquet'))).equals(await readFile(join(dir, 'stream.parquet'))));
  t.true((await readFile(join(dir, 'once.arrow'))).equals(await readFile(join(dir, 'stream.arrow'))));

  const file = join(dir, 'once.parquet');
  const input = wideRows(0, total);
  const back = await readParquet(file, wide);
  t.is(back.rows, total);
  const expect: Columns = {
    ...input,
    big: BigInt64Array.from(input.big as bigint[]),
    ids: (input.ids as (number[] | null)[]).map((r) => (r === null ? null : Int32Array.from(r))),
  };
  for (const c of wide.columns) t.true(isDeepStrictEqual(back.columns[c.name], expect[c.name]), c.name);
  t.true(isDeepStrictEqual((await readArrow(join(dir, 'once.arrow'), wide)).columns, back.columns));

  // DuckDB sees the same values (aggregates) and uses the statistics correctly for filters.
  const [agg] = await duckRows(
    `select count(*) as n, sum(id) as id, sum(strlen(text)) as "text", count(score) as score, count(distinct lang) as lang,
       sum(one) as one, sum(len(tags)) as tags, count(ids) as ids, sum(len(ids)) as idn, max(big) as big from read_parquet('${file}')`,
  );
  const bytes = (input.text as string[]).reduce((s, x) => s + Buffer.byteLength(x), 0);
  const idn = (input.ids as (number[] | null)[]).reduce((s, x) => s + (x?.length ?? 0), 0);
  t.deepEqual(agg, {
    n: BigInt(total),
    id: BigInt((total * (total - 1)) / 2),
    text: BigInt(bytes),
    score: BigInt((input.score as unknown[]).filter((x) => x !== null).length),
    lang: BigInt(LANGS.length),
    one: BigInt(7 * total),
    tags: BigInt((input.tags as string[][]).reduce((s, x) => s + x.length, 0)),
    ids: BigInt((input.ids as unknown[]).filter((x) => x !== null).length),
    idn: BigInt(idn),
    big: BigInt(total - 1) * 4_000_000_000n - 5n,
  });
  const [filtered] = await duckRows(
    `select count(*) as n from read_parquet('${file}') where id between 49990 and 50009 and lang = 'th'`,
  );
  t.is(filtered!.n, 3n);

  const meta = await duckRows(
    `select row_group_id as g, path_in_schema as p, encodings as e, stats_min_value as mn, stats_max_value as mx,
       stats_null_count as nc from parquet_metadata('${file}') order by g, column_id`,
  );
  t.is(new Set(meta.map((m) => m.g)).size, 3);
  const at = (g: number, p: string) => meta.find((m) => m.g === BigInt(g) && m.p === p)!;
  t.is(at(1, 'id').mn, '50000');
  t.is(at(1, 'id').mx, '99999');
  t.is(at(2, 'big').mn, String(100_000n * 4_000_000_000n - 5n));
  t.is(at(0, 'lang').mn, 'ar');
  t.is(at(0, 'lang').mx, '🙂');
  t.is(at(0, 'one').mn, '7');
  t.is(at(0, 'score').nc, BigInt(Math.ceil(50_000 / 7)));
  t.is(at(0, 'tags, list, element').mn, 'en');
  // Long strings: min/max are truncated to 16 bytes on a code point boundary, and still bound the values.
  const texts = (input.text as string[]).slice(0, 50_000).map((s) => Buffer.from(s));
  const minText = texts.reduce((a, b) => (Buffer.compare(a, b) <= 0 ? a : b));
  const maxText = texts.reduce((a, b) => (Buffer.compare(a, b) >= 0 ? a : b));
  t.true(
    minText.subarray(0, Buffer.byteLength(at(0, 'text').mn as string)).equals(Buffer.from(at(0, 'text').mn as string)),
  );
  t.true(Buffer.compare(Buffer.from(at(0, 'text').mx as string), maxText) >= 0);
  t.regex(String(at(0, 'lang').e), /RLE_DICTIONARY/);
  t.regex(String(at(0, 'one').e), /RLE_DICTIONARY/);
  t.is(at(0, 'text').e, 'PLAIN');
  t.is(at(0, 'id').e, 'PLAIN');
  // The text chunks span several pages, so they carry an offset index.
  const { parquetMetadataAsync } = await import('hyparquet');
  const buf = await readFile(file);
  const footer = await parquetMetadataAsync(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
  );
  const textChunk = footer.row_groups[0]!.columns[1]!;
  t.truthy(textChunk.offset_index_offset);
});
