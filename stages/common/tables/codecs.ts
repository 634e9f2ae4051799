// Row tables: Parquet page compression. Which codecs exist, which one is the default, and the
// environment values that decide a table's bytes (stages put them in their fingerprint).
//
// zstd goes through the WebAssembly build of libzstd in @bokuweb/zstd-wasm on every Node version,
// never through node:zlib: node:zlib has zstd only from Node 22.15, and its libzstd (a different
// version, driven through the streaming API) would write other bytes than the wasm build. One codec
// for all runtimes means the same rows give the same file on Node 20 and Node 22+. Snappy is our own
// encoder (./snappy.ts); TABLES.md says why no package replaces it.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { compress, decompress, init } from '@bokuweb/zstd-wasm';
import type { ParquetCompression } from './types.ts';

/** The codec names Parquet files carry in their column metadata. */
export type Codec = 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED';

/** The compression level of every zstd page: libzstd's default. */
export const ZSTD_LEVEL = 3;

/**
 * The compression used when none is given: the same on every Node version. Snappy, not zstd: in the
 * same bench run zstd-wasm wrote Parquet at 0.63x the speed, and the 33 % it saves on the Parquet file
 * is ~7 % of a `writeTable` (the uncompressed Arrow file is most of the bytes). TABLES.md has the figures.
 */
export const DEFAULT_PARQUET_COMPRESSION: ParquetCompression = 'snappy';

/**
 * Bumped when a change outside this folder (a dependency upgrade: hyparquet-writer's Thrift code,
 * the zstd build) changes the bytes of the tables we write. It is part of `tablesEnv()`, so every
 * stage that writes tables gets a new fingerprint instead of serving files the code would no longer
 * write. test/common/tables-golden.test.ts fails when that happens and says to bump it.
 */
export const TABLE_BYTES_REVISION = '1';

/** The compression `writeParquet`/`writeTable`/`openTableWriter` use when none is given. */
export function defaultParquetCompression(): ParquetCompression {
  return DEFAULT_PARQUET_COMPRESSION;
}

let zstdVersionCache: string | undefined;
/** The installed @bokuweb/zstd-wasm version: its libzstd build decides the bytes of zstd pages. */
export function zstdCodecVersion(): string {
  if (zstdVersionCache === undefined) {
    // The package's exports map hides package.json; its main file sits at dist/common/index.node.js.
    const main = createRequire(import.meta.url).resolve('@bokuweb/zstd-wasm');
    const pkg = JSON.parse(readFileSync(join(dirname(main), '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    zstdVersionCache = pkg.version;
  }
  return zstdVersionCache;
}

/**
 * The environment values that decide the bytes of the tables a stage writes with `compression` (the
 * default unless the stage passes one). Stages return it from `env()`. It does not depend on the Node
 * version; with zstd it records the wasm codec's version, so that an upgrade gives new fingerprints.
 */
export function tablesEnv(compression: ParquetCompression = DEFAULT_PARQUET_COMPRESSION): Record<string, string> {
  parquetCodec(compression);
  const env: Record<string, string> = { parquetCompression: compression, tableBytesRevision: TABLE_BYTES_REVISION };
  if (compression === 'zstd') env.zstdCodec = `@bokuweb/zstd-wasm ${zstdCodecVersion()}`;
  return env;
}

let zstdReady: Promise<void> | undefined;
let zstdLoaded = false;

/** Compiles the zstd wasm module once per process; writers and readers await it before using zstd. */
export function loadZstd(): Promise<void> {
  zstdReady ??= init().then(() => {
    zstdLoaded = true;
  });
  return zstdReady;
}

/** One zstd frame (content size in the header) at ZSTD_LEVEL. `loadZstd()` must have resolved. */
export function zstdCompress(input: Uint8Array): Uint8Array {
  if (!zstdLoaded) throw new Error('zstd codec used before loadZstd() resolved');
  return compress(input, ZSTD_LEVEL);
}

/**
 * Decompresses one zstd page. `outputLength` (the page header's uncompressed size) bounds the output
 * for frames written without a content size, as streaming writers do.
 */
export function zstdDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  if (!zstdLoaded) throw new Error('zstd codec used before loadZstd() resolved');
  return decompress(input, { defaultHeapSize: Math.max(outputLength, 1) });
}

export function parquetCodec(compression: ParquetCompression): Codec {
  if (compression === 'zstd') return 'ZSTD';
  if (compression === 'snappy') return 'SNAPPY';
  if (compression === 'uncompressed') return 'UNCOMPRESSED';
  throw new Error(`unknown Parquet compression ${JSON.stringify(compression)}; use 'zstd', 'snappy' or 'uncompressed'`);
}
