// Seeded randomized round trip of tables.ts's writers, a guard for the hand-written Parquet encoder.
//
// Each case draws a table from createRng(seed, …): a schema over every ColumnType (random order, extra
// columns, random `nullable`), a row count (0, 1, small, medium, several thousand, and one case of flat
// columns over DEFAULT_ROW_GROUP_SIZE), values with edge cases (empty, long and non-BMP strings, UTF-8 length
// boundaries, low- and high-cardinality text, int32/int64 extremes, NaN, ±0, ±Infinity, float32
// rounding, empty and null lists), a compression codec and sometimes a small rowGroupSize. Then:
//   - writeTable (one shot) and openTableWriter (random append sizes, empty appends included) must give
//     byte-identical Parquet and Arrow files;
//   - DuckDB must read the Parquet with the right types and every value equal to the input;
//   - readParquet and readArrow must return every value, with the documented shapes (typed arrays for
//     numeric columns without nulls);
//   - the footer statistics of every column chunk (min/max with the signed-zero rule, strings cut to 16
//     bytes on a code point boundary, null counts), read with hyparquet and with DuckDB's
//     parquet_metadata(), must match the data; DuckDB's filters (which prune row groups on them) must
//     count the right rows;
//   - every chunk's page headers must tile the chunk and add up to its rows, level entries and nulls,
//     and agree with the footer's encodings and the offset index.
// A final hook checks that the cases reached the paths they are meant for: dictionary and PLAIN chunks,
// several pages per chunk, several row groups, truncated statistics.
//
// The seeds are fixed, so the test is deterministic: case i uses seed BASE_SEED + i, and its size class
// comes from i (sizeOf). Every failure message starts with the seed and the case number; rerun one case
// with `npx ava test/common/tables-fuzz.test.ts --match '*case 7 *'`. To explore other tables:
//   HXLR_TABLES_FUZZ_SEED=123 HXLR_TABLES_FUZZ_CASES=200 npx ava test/common/tables-fuzz.test.ts
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadataAsync, readOffsetIndex, type ColumnChunk, type FileMetaData } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { createRng, shuffleInPlace, type Rng } from '../../stages/common/random.ts';
import {
  COLUMN_TYPES,
  DEFAULT_ROW_GROUP_SIZE,
  type ColumnSpec,
  type ColumnType,
  type Columns,
  type ParquetOptions,
  type TableSchema,
  openTableWriter,
  readArrow,
  readParquet,
  writeTable,
} from '../../stages/common/tables.ts';

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

const BASE_SEED = envInt('HXLR_TABLES_FUZZ_SEED', 20_250_917);
const CASES = envInt('HXLR_TABLES_FUZZ_CASES', 25);

// ---------------------------------------------------------------------------------------------
// Values

/** One expected value: float32 values are already rounded with Math.fround; lists are plain arrays. */
type Cell = null | string | number | bigint | boolean | Cell[];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FLOAT32_MAX = 3.4028234663852886e38;
const FLOAT32_MIN_SUBNORMAL = 1.401298464324817e-45;

/** Code points by script. `[...s]` splits by code point, so surrogate pairs stay whole. */
const SCRIPTS: Record<string, string[]> = {
  ascii: [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_/\\\'"()[]{}|\t\n'],
  latin: [...'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿßœŒ€ł'],
  cyrillic: [...'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГД'],
  thai: [...'กขคงจฉชซญดตถทนบปผพฟภมยรลวศษสหอฮะัาำิีึืุูเแโใไ็่้๊๋์'],
  arabic: [...'ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئ ًٌٍَُِّْ'],
  cjk: [...'中文检索日本語漢字한국어の言語模型数据集'],
  emoji: [...'🙂👍🏽🇹🇭👨‍👩‍👧🀄𝔘𠀀🧪🫠'],
  // UTF-8 length boundaries (1/2/3/4 bytes), the code points around the surrogates, the largest
  // code point (whose successor does not exist: a truncated max must skip it), BOM, ZWJ, NBSP.
  edge: [
    '\u007f',
    '\u0080',
    '\u07ff',
    '\u0800',
    '\ud7ff',
    '\ue000',
    '\uffff',
    '\u{10000}',
    '\u{10ffff}',
    '\ufeff',
    '\u200d',
    '\u00a0',
  ],
};
const SCRIPT_NAMES = Object.keys(SCRIPTS);

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)];
}

function randomString(rng: Rng, minLen: number, maxLen: number): string {
  const len = rng.int(minLen, maxLen);
  // Mostly one script per string; sometimes a mix of all of them.
  const mixed = rng.int(0, 4) === 0;
  let alphabet = SCRIPTS[pick(rng, SCRIPT_NAMES)];
  let s = '';
  for (let i = 0; i < len; i++) {
    if (mixed) alphabet = SCRIPTS[SCRIPT_NAMES[rng.int(0, SCRIPT_NAMES.length - 1)]];
    s += alphabet[rng.int(0, alphabet.length - 1)];
  }
  return s;
}

type TextProfile = 'low' | 'mid' | 'high' | 'long' | 'prefix' | 'empty';

/** A string generator for one column: low/high cardinality, long (> 16 bytes), shared long prefixes, mostly empty. */
function textGenerator(rng: Rng, profile: TextProfile, longMax: number): () => string {
  switch (profile) {
    case 'low':
    case 'mid': {
      // 'mid' pools reach dictionary index widths of up to 11 bits in the larger tables.
      const size = profile === 'low' ? rng.int(1, 8) : rng.int(9, 2000);
      const pool = Array.from({ length: size }, () => randomString(rng, 0, 12));
      if (rng.int(0, 1) === 0) pool[0] = '';
      return () => pick(rng, pool);
    }
    case 'high':
      return () => randomString(rng, 0, 30);
    case 'long':
      return () => randomString(rng, 17, longMax);
    case 'prefix': {
      // Values that agree on their first 16+ bytes: min/max must still compare the whole value.
      const prefix = randomString(rng, 6, 20);
      return () => prefix + randomString(rng, 0, 6);
    }
    case 'empty':
      return () => (rng.int(0, 9) === 0 ? randomString(rng, 1, 5) : '');
  }
}

type NumberGen = () => number;

function int32Generator(rng: Rng): { profile: string; gen: (row: number) => number } {
  const profile = pick(rng, ['small', 'wide', 'edge', 'const', 'seq', 'pool'] as const);
  const c = rng.int(INT32_MIN, INT32_MAX);
  const edges = [INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX - 1, INT32_MAX];
  switch (profile) {
    case 'small':
      return { profile, gen: () => rng.int(-3, 3) };
    case 'wide':
      return { profile, gen: () => rng.int(INT32_MIN, INT32_MAX) };
    case 'edge':
      return { profile, gen: () => (rng.int(0, 1) === 0 ? pick(rng, edges) : rng.int(INT32_MIN, INT32_MAX)) };
    case 'const':
      return { profile, gen: () => c };
    case 'pool': {
      // Up to 1,500 distinct values: dictionaries with wider indexes (in the larger tables).
      const pool = Array.from({ length: rng.int(20, 1500) }, () => rng.int(INT32_MIN, INT32_MAX));
      return { profile, gen: () => pick(rng, pool) };
    }
    case 'seq': {
      // Unique values (no dictionary); wraps around at the int32 limits.
      const start = rng.int(INT32_MIN, INT32_MAX);
      return { profile, gen: (row) => (start + row) | 0 };
    }
  }
}

function int64Generator(rng: Rng): { profile: string; gen: () => bigint } {
  const profile = pick(rng, ['small', 'wide', 'edge', 'const'] as const);
  const wide = (): bigint =>
    BigInt.asIntN(64, (BigInt(rng.int(0, 2 ** 32 - 1)) << 32n) | BigInt(rng.int(0, 2 ** 32 - 1)));
  const edges = [INT64_MIN, INT64_MIN + 1n, -1n, 0n, 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, INT64_MAX - 1n, INT64_MAX];
  const c = wide();
  switch (profile) {
    case 'small':
      return { profile, gen: () => BigInt(rng.int(-3, 3)) };
    case 'wide':
      return { profile, gen: wide };
    case 'edge':
      return { profile, gen: () => (rng.int(0, 1) === 0 ? pick(rng, edges) : wide()) };
    case 'const':
      return { profile, gen: () => c };
  }
}

/** Raw numbers for float32/float64 columns (float32 ones are rounded by the writer, and by the test's expectation). */
function floatGenerator(rng: Rng, float32: boolean): { profile: string; gen: NumberGen } {
  const profile = pick(rng, ['random', 'edge', 'edge', 'nan', 'zeros', 'small'] as const);
  const specials = float32
    ? [
        NaN,
        -0,
        0,
        Infinity,
        -Infinity,
        FLOAT32_MAX,
        -FLOAT32_MAX,
        FLOAT32_MIN_SUBNORMAL,
        -FLOAT32_MIN_SUBNORMAL,
        1e39,
        -1e39,
        1e-46,
        0.1,
        1 / 3,
      ]
    : [
        NaN,
        -0,
        0,
        Infinity,
        -Infinity,
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
        Number.MIN_VALUE,
        -Number.MIN_VALUE,
        Number.EPSILON,
        0.1,
        1 / 3,
      ];
  const random = (): number => (rng.float() * 2 - 1) * 10 ** rng.int(-40, 40);
  switch (profile) {
    case 'random':
      return { profile, gen: random };
    case 'edge':
      return { profile, gen: () => (rng.int(0, 9) < 4 ? pick(rng, specials) : random()) };
    case 'nan':
      return { profile, gen: () => NaN };
    case 'zeros':
      return { profile, gen: () => (rng.int(0, 1) === 0 ? -0 : 0) };
    case 'small':
      return { profile, gen: () => rng.int(-3, 3) / 2 };
  }
}

interface GeneratedColumn {
  spec: ColumnSpec;
  /** What the writers get: plain arrays (null or undefined for nulls) or typed arrays. */
  input: ArrayLike<unknown>;
  expected: Cell[];
  profile: string;
}

interface Force {
  /** A long-text utf8 column and a long-text list<utf8> column: several pages per chunk. */
  longText?: boolean;
  /** A list<float32> column with long lists: several pages of FLOAT values with rep/def levels. */
  longLists?: boolean;
  /**
   * For the case with the most rows: short strings and short lists only, so it stays fast, and few nulls,
   * so its int64/float64 chunks pass 1 MiB (several pages of PLAIN fixed-width values).
   */
  compact?: boolean;
}

function generateColumn(rng: Rng, spec: ColumnSpec, rows: number, force: Force): GeneratedColumn {
  // Few nulls where a case must pass 1 MiB per chunk.
  const nullRate = !spec.nullable
    ? 0
    : force.compact
      ? pick(rng, [0, 0.02])
      : force.longText || force.longLists
        ? pick(rng, [0, 0.02, 0.3])
        : pick(rng, [0, 0, 0.02, 0.3, 0.8, 1]);
  const undefinedForNull = rng.int(0, 3) === 0; // writers accept undefined as null in plain arrays
  const isNull = (): boolean => nullRate > 0 && rng.float() < nullRate;
  const nullInput = (): null | undefined => (undefinedForNull ? undefined : null);
  const input: unknown[] = new Array(rows);
  const expected: Cell[] = new Array(rows);
  let profile: string;
  const textProfile = (): TextProfile =>
    force.compact
      ? pick(rng, ['low', 'mid', 'prefix', 'empty'] as const)
      : pick(rng, ['low', 'low', 'mid', 'high', 'long', 'prefix', 'empty'] as const);

  if (spec.type === 'utf8') {
    const p: TextProfile = force.longText ? 'long' : textProfile();
    const gen = textGenerator(rng, p, force.longText ? 500 : 120);
    profile = p;
    // With long text, one value of over 1 MiB: a page of a single value, long snappy literals.
    const giant = force.longText && rows > 0 ? rng.int(0, rows - 1) : -1;
    const giantString = (): string => {
      // 3- and 4-byte UTF-8 only: 360k code points are over 1 MiB.
      const alphabet = [...SCRIPTS.thai, ...SCRIPTS.cjk, ...SCRIPTS.emoji];
      let s = '';
      for (let i = rng.int(360_000, 420_000); i > 0; i--) s += alphabet[rng.int(0, alphabet.length - 1)];
      return s;
    };
    for (let r = 0; r < rows; r++) {
      if (isNull()) {
        input[r] = nullInput();
        expected[r] = null;
      } else {
        input[r] = expected[r] = r === giant ? giantString() : gen();
      }
    }
    return { spec, input, expected, profile };
  }
  if (spec.type === 'bool') {
    const p = pick(rng, [0, 1, 0.5, 0.05]);
    profile = `p=${p}`;
    for (let r = 0; r < rows; r++) {
      if (isNull()) {
        input[r] = nullInput();
        expected[r] = null;
      } else {
        input[r] = expected[r] = rng.float() < p;
      }
    }
    return { spec, input, expected, profile };
  }
  if (spec.type === 'int64') {
    const g = int64Generator(rng);
    profile = g.profile;
    for (let r = 0; r < rows; r++) {
      if (isNull()) {
        input[r] = nullInput();
        expected[r] = null;
      } else {
        input[r] = expected[r] = g.gen();
      }
    }
    const typed = nullRate === 0 && rng.int(0, 1) === 0;
    return { spec, input: typed ? BigInt64Array.from(input as bigint[]) : input, expected, profile };
  }
  if (spec.type === 'int32' || spec.type === 'float32' || spec.type === 'float64') {
    let gen: (row: number) => number;
    if (spec.type === 'int32') ({ profile, gen } = int32Generator(rng));
    else ({ profile, gen } = floatGenerator(rng, spec.type === 'float32'));
    for (let r = 0; r < rows; r++) {
      if (isNull()) {
        input[r] = nullInput();
        expected[r] = null;
      } else {
        const v = gen(r);
        input[r] = v;
        expected[r] = spec.type === 'float32' ? Math.fround(v) : v;
      }
    }
    const typed = nullRate === 0 && rng.int(0, 1) === 0;
    if (!typed) return { spec, input, expected, profile };
    const Ctor = spec.type === 'int32' ? Int32Array : spec.type === 'float32' ? Float32Array : Float64Array;
    return { spec, input: Ctor.from(input as number[]), expected, profile };
  }
  // Lists.
  const longLists = force.longLists === true && spec.type === 'list<float32>';
  const lengths = longLists
    ? 'long'
    : force.longText
      ? 'short'
      : force.compact
        ? pick(rng, ['short', 'empty'] as const)
        : pick(rng, ['short', 'short', 'long', 'empty'] as const);
  const maxLen = lengths === 'long' ? (longLists ? 200 : 30) : 3;
  const emptyRate = lengths === 'empty' ? 0.9 : 0.2;
  let element: (row: number) => Cell;
  let elementProfile: string;
  if (spec.type === 'list<utf8>') {
    const p: TextProfile = force.longText ? 'long' : textProfile();
    const gen = textGenerator(rng, p, force.longText ? 300 : 120);
    element = gen;
    elementProfile = p;
  } else if (spec.type === 'list<int32>') {
    const g = int32Generator(rng);
    element = g.gen;
    elementProfile = g.profile;
  } else {
    const g = floatGenerator(rng, true);
    element = () => g.gen();
    elementProfile = g.profile;
  }
  profile = `${lengths} lists of ${elementProfile}`;
  for (let r = 0; r < rows; r++) {
    if (isNull()) {
      input[r] = nullInput();
      expected[r] = null;
      continue;
    }
    const n = rng.float() < emptyRate ? 0 : rng.int(1, maxLen);
    const raw: Cell[] = [];
    for (let k = 0; k < n; k++) raw.push(element(r * 31 + k));
    if (spec.type === 'list<float32>') {
      expected[r] = raw.map((x) => Math.fround(x as number));
      input[r] = rng.int(0, 1) === 0 ? Float32Array.from(raw as number[]) : raw;
    } else if (spec.type === 'list<int32>') {
      expected[r] = raw;
      input[r] = rng.int(0, 1) === 0 ? Int32Array.from(raw as number[]) : raw;
    } else {
      expected[r] = raw;
      input[r] = raw.slice();
    }
  }
  return { spec, input, expected, profile };
}

// ---------------------------------------------------------------------------------------------
// Cases

type Size = 'zero' | 'one' | 'small' | 'medium' | 'large' | 'huge';

interface Case {
  index: number;
  seed: number;
  size: Size;
  rows: number;
  schema: TableSchema;
  columns: GeneratedColumn[];
  options: ParquetOptions;
  rowGroupSize: number;
  /** [start, end) row ranges appended, in order, to the streaming writer. */
  appends: [number, number][];
}

/** Row-count plan by case number: fixed, so the interesting sizes are always among the cases. */
function sizeOf(index: number): Size {
  if (index === 0 || index === 13) return 'zero';
  if (index === 1 || index === 7) return 'one';
  if (index === 4) return 'huge';
  if (index % 6 === 2) return 'large';
  if (index % 6 === 5) return 'medium';
  return 'small';
}

function generateCase(index: number): Case {
  const seed = BASE_SEED + index;
  const size = sizeOf(index);
  const rng = createRng(seed, 'tables-fuzz/shape');
  // The large cases take turns: long text (pages), small row groups, long float lists (pages), random.
  const largeTurn = size === 'large' ? Math.floor(index / 6) % 4 : -1;
  const force: Force = { longText: largeTurn === 0, longLists: largeTurn === 2, compact: size === 'huge' };
  const rows =
    size === 'zero'
      ? 0
      : size === 'one'
        ? 1
        : size === 'small'
          ? rng.int(2, 40)
          : size === 'medium'
            ? rng.int(41, 1500)
            : size === 'large'
              ? rng.int(force.longLists ? 6000 : 3000, 9000)
              : rng.int(140_000, 170_000);

  // Schema: every type at least once, plus a few more, in random order. The first column of a type is
  // randomly nullable, the next one of the same type is not if it is, and so on: a type drawn twice
  // comes both ways. The cases meant for several pages per chunk get a second column of their types.
  // The huge case, there for 8-byte PLAIN pages and row counts over the default row group, keeps to flat
  // columns: lists of 150k rows would double the file's run time.
  const types: ColumnType[] =
    size === 'huge'
      ? ['float64', 'float64', 'int64', 'int64', 'int32', 'bool', 'utf8']
      : force.longText
        ? [...COLUMN_TYPES, 'utf8', 'list<utf8>']
        : force.longLists
          ? [...COLUMN_TYPES, 'list<float32>']
          : [...COLUMN_TYPES, ...Array.from({ length: rng.int(0, 5) }, () => pick(rng, COLUMN_TYPES))];
  shuffleInPlace(types, rng);
  const lastNullable = new Map<ColumnType, boolean>();
  const specs: ColumnSpec[] = types.map((type, k) => {
    const last = lastNullable.get(type);
    const nullable = last === undefined ? rng.int(0, 1) === 1 : !last;
    lastNullable.set(type, nullable);
    return {
      name: `c${k}_${type.replace('<', '_').replace('>', '')}`,
      type,
      nullable,
      description: `fuzzed ${type} column ${k}`,
    };
  });
  const schema: TableSchema = {
    name: `fuzz_${index}`,
    description: `fuzz case ${index}, seed ${seed}`,
    columns: specs,
  };

  // Options: codec, and sometimes small row groups (at most ~200 of them).
  const codecs: (ParquetOptions['compression'] | undefined)[] = [undefined, 'snappy', 'uncompressed', 'zstd'];
  const options: ParquetOptions = {};
  // (Its own stream, so the codec list can change without changing the other draws.)
  const compression = pick(createRng(seed, 'tables-fuzz/codec'), codecs);
  if (compression !== undefined) options.compression = compression;
  const smallGroups = largeTurn === 1 || (largeTurn === -1 && size !== 'huge' && rows > 1 && rng.int(0, 2) === 0);
  if (size === 'huge') {
    // Over DEFAULT_ROW_GROUP_SIZE, in one or two row groups of up to 150k rows: 8-byte columns need
    // 131,072 values for a second page.
    options.rowGroupSize = 150_000;
  } else if (smallGroups && !force.longText && !force.longLists) {
    options.rowGroupSize = Math.max(rng.int(1, rows - 1), Math.ceil(rows / 200));
  } else if (rows <= 1 && rng.int(0, 1) === 0) {
    options.rowGroupSize = 1;
  }
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;

  const values = createRng(seed, 'tables-fuzz/values');
  const columns = specs.map((spec) => generateColumn(values, spec, rows, force));

  // Streaming append sizes: empty appends, single rows, small and large chunks.
  const arng = createRng(seed, 'tables-fuzz/appends');
  const appends: [number, number][] = [];
  if (arng.int(0, 2) === 0) appends.push([0, 0]);
  for (let a = 0; a < rows;) {
    const kind = arng.int(0, 4);
    const n =
      kind === 0
        ? 0
        : kind === 1
          ? 1
          : kind === 2
            ? arng.int(1, 64)
            : kind === 3
              ? Math.min(rowGroupSize, rows - a)
              : arng.int(1, rows - a);
    const b = Math.min(rows, a + n);
    appends.push([a, b]);
    a = b;
  }
  return { index, seed, size, rows, schema, columns, options, rowGroupSize, appends };
}

function sliceColumns(c: Case, start: number, end: number): Columns {
  const out: Columns = {};
  for (const col of c.columns) {
    const v = col.input;
    out[col.spec.name] = ArrayBuffer.isView(v)
      ? (v as Int32Array).subarray(start, end)
      : Array.prototype.slice.call(v, start, end);
  }
  return out;
}

function inputColumns(c: Case): Columns {
  return Object.fromEntries(c.columns.map((col) => [col.spec.name, col.input]));
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Text from DuckDB's hex(): Buffer keeps a leading U+FEFF, unlike TextDecoder's default. */
function fromHex(h: unknown): string | null {
  return h === null || h === undefined ? null : Buffer.from(String(h), 'hex').toString('utf8');
}

function show(v: unknown): string {
  const s = inspect(v, { depth: 3, maxArrayLength: 8, maxStringLength: 60, breakLength: Infinity });
  return s.length > 240 ? `${s.slice(0, 240)}…` : s;
}

function elementType(type: ColumnType): ColumnType {
  return type === 'list<utf8>' ? 'utf8' : type === 'list<int32>' ? 'int32' : 'float32';
}

/**
 * Whether a reader's value equals the expected cell: Object.is for floats (NaN equals NaN, -0 is not 0).
 * `text` adjusts expected strings.
 */
function sameCell(type: ColumnType, want: Cell, got: unknown, text?: (s: string) => string): boolean {
  if (want === null) return got === null;
  if (got === null || got === undefined) return false;
  switch (type) {
    case 'utf8':
      return got === (text ? text(want as string) : want);
    case 'float32':
    case 'float64':
      return typeof got === 'number' && Object.is(want, got);
    case 'list<utf8>':
    case 'list<int32>':
    case 'list<float32>': {
      const w = want as Cell[];
      const g = got as ArrayLike<unknown>;
      if (typeof g !== 'object' || typeof g.length !== 'number' || g.length !== w.length) return false;
      const el = elementType(type);
      for (let k = 0; k < w.length; k++) if (!sameCell(el, w[k], g[k], text)) return false;
      return true;
    }
    default:
      return got === want;
  }
}

/** Mismatches between `got` (column name → values) and the case's expected cells; at most a few, described. */
function mismatches(
  c: Case,
  got: Record<string, ArrayLike<unknown> | undefined>,
  reader: string,
  text?: (s: string) => string,
): string[] {
  const out: string[] = [];
  for (const col of c.columns) {
    const name = col.spec.name;
    const values = got[name];
    if (!values) {
      out.push(`${reader}: column ${name} missing`);
      continue;
    }
    if (values.length !== c.rows) {
      out.push(`${reader}: column ${name} has ${values.length} rows, expected ${c.rows}`);
      continue;
    }
    for (let r = 0; r < c.rows; r++) {
      if (!sameCell(col.spec.type, col.expected[r], values[r], text)) {
        out.push(
          `${reader}: column ${name} (${col.spec.type}${col.spec.nullable ? ', nullable' : ''}, ${col.profile}) row ${r}: ` +
            `expected ${show(col.expected[r])}, got ${show(values[r])}`,
        );
        break;
      }
    }
    if (out.length >= 5) break;
  }
  return out;
}

/** The documented shapes of readParquet/readArrow columns: typed arrays for numeric columns without nulls. */
function shapeProblems(c: Case, got: Columns, reader: string): string[] {
  if (c.rows === 0) return [];
  const out: string[] = [];
  const typedFor: Partial<Record<ColumnType, Function>> = {
    int32: Int32Array,
    int64: BigInt64Array,
    float32: Float32Array,
    float64: Float64Array,
  };
  for (const col of c.columns) {
    const v = got[col.spec.name]!;
    const hasNull = col.expected.includes(null);
    const Typed = typedFor[col.spec.type];
    if (Typed) {
      const ok = hasNull ? Array.isArray(v) : v instanceof Typed;
      if (!ok)
        out.push(
          `${reader}: column ${col.spec.name} is ${v.constructor.name}, expected ${hasNull ? 'Array' : Typed.name}`,
        );
    } else if (!Array.isArray(v)) {
      out.push(`${reader}: column ${col.spec.name} is ${v.constructor.name}, expected Array`);
    } else if (col.spec.type === 'list<int32>' || col.spec.type === 'list<float32>') {
      const Row = col.spec.type === 'list<int32>' ? Int32Array : Float32Array;
      const bad = v.findIndex((row) => row !== null && !(row instanceof Row));
      if (bad >= 0)
        out.push(`${reader}: column ${col.spec.name} row ${bad} is ${show(v[bad])}, expected ${Row.name} or null`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Expected statistics

interface ExpectedStats {
  nulls: number;
  /** undefined when the chunk has no (non-NaN) value. */
  min?: string | number | bigint | boolean;
  max?: string | number | bigint | boolean;
  /** For strings: the whole min/max, before truncation to 16 bytes. */
  minBytes?: Buffer;
  maxBytes?: Buffer;
  /** For floats: NaN values (Statistics.nan_count); undefined for other types. */
  nans?: number;
}

const STATS_BYTES = 16;

/** A string min cut to 16 bytes on a code point boundary (a prefix is still a lower bound). */
function truncatedMin(b: Buffer): Buffer {
  if (b.length <= STATS_BYTES) return b;
  let end = STATS_BYTES;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

function expectedStats(type: ColumnType, cells: Cell[]): ExpectedStats {
  let nulls = 0;
  const leaf: Cell[] = [];
  const isList = type.startsWith('list<');
  for (const cell of cells) {
    if (cell === null) nulls++;
    else if (isList) {
      // List leaves: null and empty lists are both level entries without a value (as parquet-mr counts).
      if ((cell as Cell[]).length === 0) nulls++;
      else leaf.push(...(cell as Cell[]));
    } else leaf.push(cell);
  }
  const el = isList ? elementType(type) : type;
  const stats: ExpectedStats = { nulls };
  if (el === 'utf8') {
    let min: Buffer | undefined;
    let max: Buffer | undefined;
    for (const s of leaf) {
      const b = Buffer.from(s as string, 'utf8');
      if (!min || Buffer.compare(b, min) < 0) min = b;
      if (!max || Buffer.compare(b, max) > 0) max = b;
    }
    if (min && max) {
      stats.minBytes = min;
      stats.maxBytes = max;
      stats.min = truncatedMin(min).toString('utf8');
      stats.max = max.toString('utf8'); // checked as a bound when longer than 16 bytes
    }
    return stats;
  }
  if (el === 'bool') {
    if (leaf.length > 0) {
      stats.min = leaf.every((x) => x === true);
      stats.max = leaf.some((x) => x === true);
    }
    return stats;
  }
  if (el === 'int64') {
    for (const x of leaf as bigint[]) {
      if (stats.min === undefined || x < (stats.min as bigint)) stats.min = x;
      if (stats.max === undefined || x > (stats.max as bigint)) stats.max = x;
    }
    return stats;
  }
  let min = Infinity;
  let max = -Infinity;
  let seen = 0;
  let nans = 0;
  for (const x of leaf as number[]) {
    if (Number.isNaN(x)) {
      nans++;
      continue;
    }
    seen++;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (el !== 'int32') stats.nans = nans;
  if (seen > 0 && el === 'int32') {
    stats.min = min;
    stats.max = max;
  } else if (seen > 0) {
    // Parquet's signed-zero rule for floats: a zero min is written as -0, a zero max as +0.
    stats.min = min === 0 ? -0 : min;
    stats.max = max === 0 ? 0 : max;
  }
  return stats;
}

/** Problems with one chunk's footer statistics, as decoded by hyparquet. */
function statsProblems(
  type: ColumnType,
  want: ExpectedStats,
  got:
    | {
        min_value?: unknown;
        max_value?: unknown;
        null_count?: bigint;
        is_min_value_exact?: boolean;
        is_max_value_exact?: boolean;
      }
    | undefined,
): string[] {
  if (!got) return ['no statistics'];
  const out: string[] = [];
  if (got.null_count !== BigInt(want.nulls)) out.push(`null_count ${show(got.null_count)}, expected ${want.nulls}`);
  if (want.min === undefined) {
    if (got.min_value !== undefined || got.max_value !== undefined)
      out.push(`min/max ${show(got.min_value)}/${show(got.max_value)}, expected none`);
    return out;
  }
  const el = type.startsWith('list<') ? elementType(type) : type;
  if (el === 'utf8') {
    // hyparquet decodes string statistics with a TextDecoder that drops a leading U+FEFF, so their
    // bytes are checked through DuckDB (duckStatsProblems, with hex()); here only the exactness flags.
    const minTruncated = want.minBytes!.length > STATS_BYTES;
    if (minTruncated !== (got.is_min_value_exact === false)) {
      out.push(`is_min_value_exact ${show(got.is_min_value_exact)} for a ${want.minBytes!.length}-byte min`);
    }
    if (typeof got.max_value !== 'string') out.push(`max ${show(got.max_value)}, expected a string`);
    else if (want.maxBytes!.length <= STATS_BYTES && got.is_max_value_exact === false)
      out.push('is_max_value_exact false for an exact max');
    else if (
      want.maxBytes!.length > STATS_BYTES &&
      Buffer.byteLength(got.max_value) <= STATS_BYTES &&
      got.is_max_value_exact !== false
    ) {
      out.push(`is_max_value_exact ${show(got.is_max_value_exact)} for a truncated max`);
    }
    return out;
  }
  if (!Object.is(got.min_value, want.min)) out.push(`min ${show(got.min_value)}, expected ${show(want.min)}`);
  if (!Object.is(got.max_value, want.max)) out.push(`max ${show(got.max_value)}, expected ${show(want.max)}`);
  return out;
}

/**
 * DuckDB's parquet_metadata() renders min/max as text (read here through hex(), so the bytes are exact);
 * non-finite floats are shown as null. Strings: the min is the true min cut to 16 bytes on a code point
 * boundary; the max is exact when it has at most 16 bytes, otherwise a larger value of at most 16 bytes
 * (or the whole value, when no such bound exists).
 */
function duckStatsProblems(type: ColumnType, want: ExpectedStats, mn: unknown, mx: unknown, nc: unknown): string[] {
  const out: string[] = [];
  if (nc !== BigInt(want.nulls)) out.push(`stats_null_count ${show(nc)}, expected ${want.nulls}`);
  const el = type.startsWith('list<') ? elementType(type) : type;
  const check = (label: string, got: unknown, w: ExpectedStats['min']): void => {
    if (w === undefined) {
      if (got !== null) out.push(`${label} ${show(got)}, expected null`);
      return;
    }
    if (el === 'float32' || el === 'float64') {
      const x = w as number;
      if (!Number.isFinite(x)) {
        if (got !== null) out.push(`${label} ${show(got)}, expected null (DuckDB hides ${x})`);
        return;
      }
      const parsed = typeof got === 'string' ? Number(got) : NaN;
      const v = el === 'float32' ? Math.fround(parsed) : parsed;
      if (!Object.is(v, x)) out.push(`${label} ${show(got)}, expected ${show(x)}`);
      return;
    }
    if (el === 'utf8' && label === 'stats_max_value' && want.maxBytes!.length > STATS_BYTES) {
      const b = typeof got === 'string' ? Buffer.from(got) : undefined;
      if (!b || (!b.equals(want.maxBytes!) && (b.length > STATS_BYTES || Buffer.compare(b, want.maxBytes!) <= 0))) {
        out.push(`${label} ${show(got)} is not an upper bound of ${show(w)}`);
      }
      return;
    }
    if (got !== String(w)) out.push(`${label} ${show(got)}, expected ${show(String(w))}`);
  };
  check('stats_min_value', mn, want.min);
  check('stats_max_value', mx, want.max);
  return out;
}

/**
 * Statistics.nan_count (field 9) of every column chunk, by row group, from the raw Thrift footer:
 * hyparquet's metadata decoder leaves it out, and DuckDB's parquet_metadata() does not show it.
 */
function nanCounts(file: Buffer): unknown[][] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const length = view.getUint32(file.length - 8, true);
  const footer = deserializeTCompactProtocol({ view, offset: file.length - 8 - length });
  const groups = (footer.field_4 ?? []) as { field_1: { field_3?: { field_12?: { field_9?: unknown } } }[] }[];
  return groups.map((g) => g.field_1.map((chunk) => chunk.field_3?.field_12?.field_9));
}

// ---------------------------------------------------------------------------------------------
// Pages

/**
 * Walks one column chunk's pages (headers parsed by hyparquet) and checks them against the footer, the
 * offset index and the data: the dictionary page comes first, pages tile the chunk exactly, and the
 * DATA_PAGE_V2 headers add up to the row group's rows, level entries and nulls. Readers may ignore some
 * of these fields (DuckDB does not need num_rows), so they are checked here.
 */
function pageProblems(
  file: Buffer,
  chunk: ColumnChunk,
  want: { rows: number; entries: number; values: number },
): { problems: string[]; dataPages: number } {
  const md = chunk.meta_data!;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const start = Number(md.dictionary_page_offset ?? md.data_page_offset);
  const end = start + Number(md.total_compressed_size);
  const problems: string[] = [];
  const pages: { offset: number; size: number; firstRow: number }[] = [];
  let pos = start;
  let rows = 0;
  let entries = 0;
  let nulls = 0;
  let dictionary = false;
  while (pos < end && problems.length === 0) {
    const reader = { view, offset: pos };
    const h = parquetHeader(reader);
    const next = reader.offset + h.compressed_page_size;
    if (h.type === 'DICTIONARY_PAGE') {
      if (pos !== start || md.dictionary_page_offset === undefined)
        problems.push(`dictionary page at ${pos}, chunk starts at ${start}`);
      dictionary = true;
    } else if (h.type === 'DATA_PAGE_V2' && h.data_page_header_v2) {
      const v2 = h.data_page_header_v2;
      if (pages.length === 0 && pos !== Number(md.data_page_offset))
        problems.push(`first data page at ${pos}, data_page_offset ${md.data_page_offset}`);
      if (v2.encoding !== (dictionary ? 'RLE_DICTIONARY' : 'PLAIN'))
        problems.push(`page ${pages.length} encoding ${v2.encoding}`);
      if (!md.encodings.includes(v2.encoding))
        problems.push(`page encoding ${v2.encoding} not in ${md.encodings.join(', ')}`);
      if (v2.num_rows < 1 && want.rows > 0) problems.push(`page ${pages.length} has ${v2.num_rows} rows`);
      pages.push({ offset: pos, size: next - pos, firstRow: rows });
      rows += v2.num_rows;
      entries += v2.num_values;
      nulls += v2.num_nulls;
    } else {
      problems.push(`unexpected ${h.type} page at ${pos}`);
    }
    pos = next;
  }
  if (problems.length > 0) return { problems, dataPages: pages.length };
  if (pos !== end) problems.push(`pages end at ${pos}, chunk at ${end}`);
  if (rows !== want.rows) problems.push(`data pages hold ${rows} rows, expected ${want.rows}`);
  if (entries !== want.entries || Number(md.num_values) !== want.entries) {
    problems.push(`pages hold ${entries} level entries, footer num_values ${md.num_values}, expected ${want.entries}`);
  }
  if (nulls !== want.entries - want.values)
    problems.push(`pages hold ${nulls} nulls, expected ${want.entries - want.values}`);
  const statsPages = md.encoding_stats?.filter((e) => e.page_type === 'DATA_PAGE_V2').reduce((n, e) => n + e.count, 0);
  if (statsPages !== pages.length)
    problems.push(`encoding_stats count ${statsPages} data pages, found ${pages.length}`);
  if (chunk.offset_index_offset !== undefined) {
    const index = readOffsetIndex({ view, offset: Number(chunk.offset_index_offset) });
    const got = index.page_locations.map((l) => ({
      offset: Number(l.offset),
      size: l.compressed_page_size,
      firstRow: Number(l.first_row_index),
    }));
    if (JSON.stringify(got) !== JSON.stringify(pages)) problems.push(`offset index ${show(got)}, pages ${show(pages)}`);
  } else if (pages.length > 1) {
    problems.push(`${pages.length} data pages but no offset index`);
  }
  return { problems, dataPages: pages.length };
}

/** Level entries and values of a column's cells: one entry per row, or per element (or empty/null list). */
function levelCounts(type: ColumnType, cells: Cell[]): { entries: number; values: number } {
  let entries = 0;
  let values = 0;
  for (const cell of cells) {
    if (!type.startsWith('list<')) {
      entries++;
      if (cell !== null) values++;
    } else {
      const n = cell === null ? 0 : (cell as Cell[]).length;
      entries += Math.max(1, n);
      values += n;
    }
  }
  return { entries, values };
}

// ---------------------------------------------------------------------------------------------
// The test

const DUCK_TYPES: Record<ColumnType, string> = {
  utf8: 'VARCHAR',
  int32: 'INTEGER',
  int64: 'BIGINT',
  float32: 'FLOAT',
  float64: 'DOUBLE',
  bool: 'BOOLEAN',
  'list<utf8>': 'VARCHAR[]',
  'list<int32>': 'INTEGER[]',
  'list<float32>': 'FLOAT[]',
};

let duckInstance: Promise<DuckDBInstance> | undefined;
async function duckConnection(): Promise<DuckDBConnection> {
  duckInstance ??= DuckDBInstance.create(':memory:');
  return (await duckInstance).connect();
}

async function duckRows(
  conn: DuckDBConnection,
  sql: string,
  values?: (string | number | bigint | boolean)[],
): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql, values)).getRowObjectsJS() as Record<string, unknown>[];
}

/** What the cases reached, summed over all of them; checked once every case has run. */
const coverage = {
  cases: 0,
  dictionaryChunks: 0,
  plainTextChunks: 0,
  multiPageChunks: 0,
  /** Column types (with `?` when nullable) that had a chunk of several pages. */
  multiPageTypes: new Set<string>(),
  multiRowGroupFiles: 0,
  truncatedMin: 0,
  truncatedMax: 0,
  nanValues: 0,
  negativeZeros: 0,
  infinities: 0,
  emptyLists: 0,
  nullLists: 0,
  nonBmpStrings: 0,
  allNullColumns: 0,
  emptyTables: 0,
};

function tally(c: Case): void {
  coverage.cases++;
  if (c.rows === 0) coverage.emptyTables++;
  for (const col of c.columns) {
    if (c.rows > 0 && col.expected.every((x) => x === null)) coverage.allNullColumns++;
    const el = col.spec.type.startsWith('list<') ? elementType(col.spec.type) : col.spec.type;
    for (const cell of col.expected) {
      if (cell === null) {
        if (col.spec.type.startsWith('list<')) coverage.nullLists++;
        continue;
      }
      const leaf = Array.isArray(cell) ? cell : [cell];
      if (Array.isArray(cell) && cell.length === 0) coverage.emptyLists++;
      for (const x of leaf) {
        if (el === 'float32' || el === 'float64') {
          if (Number.isNaN(x)) coverage.nanValues++;
          else if (Object.is(x, -0)) coverage.negativeZeros++;
          else if (x === Infinity || x === -Infinity) coverage.infinities++;
        } else if (el === 'utf8' && /[\u{10000}-\u{10ffff}]/u.test(x as string)) coverage.nonBmpStrings++;
      }
    }
  }
}

async function tmp(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-tables-fuzz-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

for (let index = 0; index < CASES; index++) {
  const seed = BASE_SEED + index;
  test(`fuzz case ${index} (seed ${seed}, ${sizeOf(index)})`, async (t) => {
    const c = generateCase(index);
    const what =
      `seed ${seed} (case ${index}: ${c.rows} rows, ${c.schema.columns.length} columns, ` +
      `rowGroupSize ${c.options.rowGroupSize ?? 'default'}, compression ${c.options.compression ?? 'default'})`;
    t.log(what);
    t.log(c.columns.map((col) => `${col.spec.name}${col.spec.nullable ? '?' : ''}: ${col.profile}`).join('; '));
    const dir = await tmp(t);
    const once = join(dir, 'once');
    const stream = join(dir, 'stream');

    // One-shot and streaming writes give the same bytes.
    const res = await writeTable(once, c.schema, inputColumns(c), c.options);
    t.is(res.parquet.rows, c.rows, what);
    const w = await openTableWriter(stream, c.schema, c.options);
    for (const [a, b] of c.appends) await w.append(sliceColumns(c, a, b));
    t.is(w.rows, c.rows, what);
    await w.close();
    const parquetBytes = await readFile(`${once}.parquet`);
    t.true(
      parquetBytes.equals(await readFile(`${stream}.parquet`)),
      `${what}: one-shot and streaming Parquet differ (appends ${show(c.appends)})`,
    );
    t.true(
      (await readFile(`${once}.arrow`)).equals(await readFile(`${stream}.arrow`)),
      `${what}: one-shot and streaming Arrow differ`,
    );
    t.is(parquetBytes.length, res.parquet.bytes, what);
    const file = `${once}.parquet`;

    // DuckDB: types, then every value, in file order.
    const conn = await duckConnection();
    try {
      const described = await duckRows(conn, `describe select * from read_parquet('${file}')`);
      t.deepEqual(
        described.map((r) => [r.column_name, r.column_type]),
        c.schema.columns.map((s) => [s.name, DUCK_TYPES[s.type]]),
        `${what}: DuckDB column types`,
      );
      // Text goes through hex(): the bytes DuckDB read, without the JS conversion of @duckdb/node-api,
      // which drops a leading U+FEFF from VARCHAR values (its TextDecoder's BOM handling; not ours).
      const select = c.columns.map(({ spec: { name, type } }) =>
        type === 'utf8'
          ? `hex("${name}") as "${name}"`
          : type === 'list<utf8>'
            ? `list_transform("${name}", lambda x: hex(x)) as "${name}"`
            : `"${name}"`,
      );
      const duck = (
        await conn.runAndReadAll(
          `select ${select.join(', ')} from read_parquet('${file}', file_row_number = true) order by file_row_number`,
        )
      ).getColumnsObjectJS() as Record<string, unknown[]>;
      for (const col of c.columns) {
        const v = duck[col.spec.name];
        if (!v) continue;
        if (col.spec.type === 'utf8') duck[col.spec.name] = v.map((h) => (h === null ? null : fromHex(h)));
        if (col.spec.type === 'list<utf8>')
          duck[col.spec.name] = v.map((row) => (row === null ? null : (row as unknown[]).map(fromHex)));
      }
      t.deepEqual(mismatches(c, duck, 'DuckDB'), [], what);

      // Footer: row groups, then every chunk's statistics, via hyparquet and via DuckDB.
      const meta: FileMetaData = await parquetMetadataAsync(
        parquetBytes.buffer.slice(
          parquetBytes.byteOffset,
          parquetBytes.byteOffset + parquetBytes.byteLength,
        ) as ArrayBuffer,
      );
      const groups = Math.ceil(c.rows / c.rowGroupSize);
      t.is(meta.row_groups.length, groups, `${what}: row groups`);
      t.is(Number(meta.num_rows), c.rows, what);
      if (groups > 1) coverage.multiRowGroupFiles++;
      const duckMeta = await duckRows(
        conn,
        `select row_group_id as g, column_id as k, hex(stats_min_value) as mn, hex(stats_max_value) as mx,
           stats_null_count as nc from parquet_metadata('${file}') order by g, k`,
      );
      t.is(duckMeta.length, groups * c.columns.length, `${what}: parquet_metadata rows`);
      const nans = nanCounts(parquetBytes);
      const chunkErrors: string[] = [];
      meta.row_groups.forEach((rg, g) => {
        const start = g * c.rowGroupSize;
        const end = Math.min(c.rows, start + c.rowGroupSize);
        if (Number(rg.num_rows) !== end - start)
          chunkErrors.push(`row group ${g}: ${rg.num_rows} rows, expected ${end - start}`);
        c.columns.forEach((col, k) => {
          const chunk = rg.columns[k]!;
          const md = chunk.meta_data!;
          const want = expectedStats(col.spec.type, col.expected.slice(start, end)); // statistics, pages
          const where = `row group ${g}, column ${col.spec.name} (${col.spec.type}, ${col.profile})`;
          for (const p of statsProblems(col.spec.type, want, md.statistics)) chunkErrors.push(`${where}: ${p}`);
          const nanCount = nans[g]?.[k];
          if (nanCount !== (want.nans === undefined ? undefined : BigInt(want.nans))) {
            chunkErrors.push(`${where}: nan_count ${show(nanCount)}, expected ${want.nans ?? 'none'}`);
          }
          const d = duckMeta[g * c.columns.length + k];
          if (d)
            for (const p of duckStatsProblems(col.spec.type, want, fromHex(d.mn), fromHex(d.mx), d.nc))
              chunkErrors.push(`${where}: DuckDB ${p}`);
          if (md.encodings.includes('RLE_DICTIONARY')) coverage.dictionaryChunks++;
          else if (md.type === 'BYTE_ARRAY' && end > start) coverage.plainTextChunks++;
          const cells = col.expected.slice(start, end);
          const walk = pageProblems(parquetBytes, chunk, { rows: end - start, ...levelCounts(col.spec.type, cells) });
          for (const p of walk.problems) chunkErrors.push(`${where}: ${p}`);
          if (walk.dataPages > 1) {
            coverage.multiPageChunks++;
            coverage.multiPageTypes.add(`${col.spec.type}${col.spec.nullable ? '?' : ''}`);
          }
          if (want.minBytes && want.minBytes.length > STATS_BYTES) coverage.truncatedMin++;
          if (want.maxBytes && want.maxBytes.length > STATS_BYTES) coverage.truncatedMax++;
        });
      });
      t.deepEqual(chunkErrors.slice(0, 8), [], `${what}: row groups, pages and statistics`);

      // DuckDB prunes row groups with those statistics: filters must still count the right rows.
      if (c.rows > 0) {
        const probe = createRng(seed, 'tables-fuzz/filters');
        const filterErrors: string[] = [];
        for (const col of c.columns) {
          const q = `select count(*) as n from read_parquet('${file}') where "${col.spec.name}"`;
          if (col.spec.nullable) {
            const [r] = await duckRows(conn, `${q} is null`);
            const n = col.expected.filter((x) => x === null).length;
            if (r!.n !== BigInt(n)) filterErrors.push(`${col.spec.name} is null: ${r!.n}, expected ${n}`);
          }
          if (col.spec.type !== 'utf8' && col.spec.type !== 'int32' && col.spec.type !== 'int64') continue;
          const present = col.expected.filter((x): x is string | number | bigint => x !== null);
          if (present.length === 0) continue;
          // The extremes of a random row group (where truncated or wrong statistics would prune) and a random value.
          const g = probe.int(0, groups - 1);
          const slice = col.expected
            .slice(g * c.rowGroupSize, (g + 1) * c.rowGroupSize)
            .filter((x): x is string | number | bigint => x !== null);
          const st = expectedStats(col.spec.type, slice);
          const probes = new Set<string | number | bigint>([pick(probe, present)]);
          if (col.spec.type === 'utf8' && st.minBytes) {
            probes.add(st.minBytes.toString('utf8'));
            probes.add(st.maxBytes!.toString('utf8'));
          } else if (st.min !== undefined) {
            probes.add(st.min as number | bigint);
            probes.add(st.max as number | bigint);
          }
          for (const v of probes) {
            const [r] = await duckRows(conn, `${q} = $1`, [v]);
            const n = col.expected.filter((x) => x === v).length;
            if (r!.n !== BigInt(n)) filterErrors.push(`${col.spec.name} = ${show(v)}: ${r!.n}, expected ${n}`);
          }
        }
        t.deepEqual(filterErrors, [], `${what}: DuckDB filters`);
      }
    } finally {
      conn.closeSync();
    }

    // Our readers: every value (a leading U+FEFF included), and the documented shapes.
    const pq = await readParquet(file, c.schema);
    t.is(pq.rows, c.rows, what);
    t.deepEqual(
      [...mismatches(c, pq.columns, 'readParquet'), ...shapeProblems(c, pq.columns, 'readParquet')],
      [],
      what,
    );
    const ar = await readArrow(`${once}.arrow`, c.schema);
    t.is(ar.rows, c.rows, what);
    t.deepEqual([...mismatches(c, ar.columns, 'readArrow'), ...shapeProblems(c, ar.columns, 'readArrow')], [], what);

    tally(c);
  });
}

// A leading U+FEFF: the default TextDecoder drops it, and XQuAD-R's text holds some.
const BOM_SCHEMA: TableSchema = {
  name: 'bom',
  description: 'A leading U+FEFF',
  columns: [
    { name: 's', type: 'utf8', description: 'text' },
    { name: 'l', type: 'list<utf8>', description: 'list of text' },
  ],
};
const BOM_COLUMNS = { s: ['\ufeffab', 'a\ufeff'], l: [['\ufeff'], []] };

test('a leading U+FEFF is written: DuckDB reads the bytes EF BB BF', async (t) => {
  const dir = await tmp(t);
  await writeTable(join(dir, 'b'), BOM_SCHEMA, BOM_COLUMNS);
  const conn = await duckConnection();
  try {
    const rows = await duckRows(
      conn,
      `select hex(s) as s, list_transform(l, lambda x: hex(x)) as l from read_parquet('${join(dir, 'b.parquet')}')`,
    );
    t.deepEqual(rows, [
      { s: 'EFBBBF6162', l: ['EFBBBF'] },
      { s: '61EFBBBF', l: [] },
    ]);
  } finally {
    conn.closeSync();
  }
});

test('readParquet and readArrow keep a leading U+FEFF in strings', async (t) => {
  const dir = await tmp(t);
  await writeTable(join(dir, 'b'), BOM_SCHEMA, BOM_COLUMNS);
  t.deepEqual((await readParquet(join(dir, 'b.parquet'), BOM_SCHEMA)).columns, BOM_COLUMNS, 'readParquet');
  t.deepEqual((await readArrow(join(dir, 'b.arrow'), BOM_SCHEMA)).columns, BOM_COLUMNS, 'readArrow');
});

test.after('the cases reached every path they are meant to', (t) => {
  t.log(coverage);
  if (coverage.cases < CASES || CASES < 25) return; // a --match run or a shorter run: nothing to check
  for (const [k, v] of Object.entries(coverage)) {
    if (typeof v === 'number') t.true(v > 0, `no case reached ${k} (base seed ${BASE_SEED})`);
  }
  // Several pages, required and nullable: text (flat and in lists), float lists (rep/def levels), 8-byte PLAIN values.
  for (const type of ['utf8', 'list<utf8>', 'list<float32>', 'float64', 'int64']) {
    for (const t2 of [type, `${type}?`]) {
      t.true(
        coverage.multiPageTypes.has(t2),
        `no ${t2} chunk with several pages: ${[...coverage.multiPageTypes].join(', ')}`,
      );
    }
  }
});
