// Row tables: the Parquet file encoder. Column chunks are cut into dictionary and DATA_PAGE_V2
// pages, compressed, and framed with hyparquet-writer's Thrift code; `finish` writes the offset
// indexes and the footer.
//
// Our own column-chunk encoder. hyparquet-writer's ParquetWriter spent most of its time in per-value
// work: a TextEncoder and a Uint8Array per string, a DataView call and a capacity check per output byte
// (bit-packing, snappy), copies of every page's values and levels, and a fresh buffer per page. The
// encoder below keeps hyparquet-writer's Thrift code (page headers, footer, offset indexes) and does
// the per-value work on typed arrays and reused buffers. TABLES.md has the measurements.
//
// Layout, per column chunk (as hyparquet-writer wrote it): an optional PLAIN dictionary page, then
// DATA_PAGE_V2 pages of about PAGE_SIZE value bytes, each starting on a row. utf8 and int32 values
// (list elements too) are RLE_DICTIONARY-encoded when the dictionary page plus the bit-packed indexes
// are at most half the PLAIN bytes (hyparquet-writer's rule); a sample or more distinct values than
// half the rows skips the attempt. Everything else is PLAIN (booleans bit-packed). Levels use the
// RLE/bit-packed hybrid. Every decision depends only on the row group's values, so the same rows
// give the same bytes. Statistics (min/max, null and NaN counts) are written for every column chunk.

import type {
  ColumnChunk,
  ColumnMetaData,
  FileMetaData,
  OffsetIndex,
  PageHeader,
  RowGroup,
  Statistics,
} from 'hyparquet';
import { ByteWriter, type SchemaElement } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { type Codec, zstdCompress } from './codecs.ts';
import { dictionaryOf, leafOf, type Leaf } from './parquet-leaf.ts';
import { byteArrayMinMax, numericStatistics, plainEncode, type ChunkStatistics } from './parquet-plain.ts';
import { parquetSchemaOf } from './parquet-schema.ts';
import { bitWidthOf, rleHybrid } from './rle.ts';
import { Sink } from './sink.ts';
import { snappyCompressTo } from './snappy.ts';
import type { TableSchema } from './types.ts';
import type { Canon } from './validate.ts';

const PAGE_SIZE = 1 << 20;

type PageEncodingStats = NonNullable<ColumnMetaData['encoding_stats']>[number];
type PageLocation = OffsetIndex['page_locations'][number];

interface EncodedChunk {
  chunk: ColumnChunk;
  offsetIndex?: OffsetIndex;
}

/**
 * Writes Parquet files row group by row group. The caller writes `take()`'s bytes to the file in
 * order; offsets in the footer count from the first byte of `start()`.
 */
export class ParquetEncoder {
  private out = new Sink(1 << 16);
  private spare = new Sink(1 << 16);
  private readonly plain = new Sink(1 << 20);
  private readonly page = new Sink(1 << 16);
  private readonly levels = new Sink(1 << 12);
  private readonly packed = new Sink(1 << 16);
  private readonly header = new ByteWriter(256);
  private offset = 0;
  private rows = 0n;
  private readonly rowGroups: RowGroup[] = [];
  private readonly indexes: EncodedChunk[] = [];
  private readonly elements: SchemaElement[];
  /** path_in_schema of each column's leaf. */
  private readonly paths: string[][];

  constructor(
    private readonly schema: TableSchema,
    private readonly codec: Codec,
  ) {
    this.elements = parquetSchemaOf(schema);
    this.paths = schema.columns.map((c) => (c.type.startsWith('list<') ? [c.name, 'list', 'element'] : [c.name]));
    this.out.u32(0x31524150); // PAR1
  }

  /**
   * Bytes produced since the last call. They stay valid until the call after next: two output buffers
   * alternate, so one row group can be on its way to disk while the next is encoded.
   */
  take(): Uint8Array {
    const bytes = this.out.bytes();
    this.offset += bytes.length;
    [this.out, this.spare] = [this.spare, this.out];
    this.out.reset();
    return bytes;
  }

  writeRowGroup(canon: Canon[], rows: number): void {
    const start = this.offset + this.out.pos;
    const columns: ColumnChunk[] = [];
    let totalBytes = 0n;
    this.schema.columns.forEach((spec, i) => {
      const encoded = this.writeColumn(leafOf(spec, canon[i]!), this.paths[i]!);
      columns.push(encoded.chunk);
      this.indexes.push(encoded);
      totalBytes += encoded.chunk.meta_data!.total_uncompressed_size;
    });
    this.rows += BigInt(rows);
    this.rowGroups.push({
      columns,
      total_byte_size: totalBytes,
      num_rows: BigInt(rows),
      total_compressed_size: BigInt(this.offset + this.out.pos - start),
    });
  }

  finish(kvMetadata: { key: string; value: string }[], createdBy: string): void {
    const w = new ByteWriter(1 << 16);
    w.offset = this.offset + this.out.pos;
    writeIndexes(w, this.indexes);
    writeMetadata(w, {
      version: 2,
      created_by: createdBy,
      schema: this.elements,
      num_rows: this.rows,
      row_groups: this.rowGroups,
      key_value_metadata: kvMetadata,
    } as FileMetaData);
    w.appendUint32(0x31524150); // PAR1
    this.out.append(w.getBytes());
  }

  private filePos(): number {
    return this.offset + this.out.pos;
  }

  /** Compresses `src` into `this.page` (reset first) unless the codec is UNCOMPRESSED; returns the bytes to write. */
  private compress(src: Uint8Array): Uint8Array {
    if (this.codec === 'UNCOMPRESSED') return src;
    if (this.codec === 'ZSTD') return zstdCompress(src);
    this.page.reset();
    snappyCompressTo(this.page, src);
    return this.page.bytes();
  }

  private writeHeader(h: PageHeader): number {
    const w = this.header;
    w.index = 0;
    w.offset = 0;
    writePageHeader(w, h);
    this.out.append(new Uint8Array(w.buffer, 0, w.index));
    return w.index;
  }

  private writeColumn(leaf: Leaf, path: string[]): EncodedChunk {
    const { physical, values, entries, def, rep, maxDef } = leaf;
    const chunkStart = this.filePos();
    const count = values.length;
    const nulls = entries - count;
    let uncompressed = 0;
    let dictionaryPageOffset: bigint | undefined;

    const dictionary = dictionaryOf(leaf);
    this.plain.reset();
    let starts: Int32Array | undefined;
    let statistics: ChunkStatistics;
    if (dictionary) {
      // Dictionary page: the distinct values, PLAIN. Statistics come from it: every entry occurs.
      const d = dictionary.dict;
      starts = plainEncode(
        this.plain,
        physical,
        physical === 'INT32' ? Int32Array.from(d as number[]) : (d as string[]),
      );
      if (physical === 'BYTE_ARRAY') {
        const { min, max } = byteArrayMinMax(this.plain.buf, starts!, d.length);
        statistics = { null_count: BigInt(nulls), min_value: min, max_value: max };
      } else {
        statistics = numericStatistics(physical, Int32Array.from(d as number[]), nulls);
      }
      const raw = this.plain.bytes();
      const body = this.compress(raw);
      dictionaryPageOffset = BigInt(this.filePos());
      const hs = this.writeHeader({
        type: 'DICTIONARY_PAGE',
        uncompressed_page_size: raw.length,
        compressed_page_size: body.length,
        dictionary_page_header: { num_values: d.length, encoding: 'PLAIN' },
      });
      this.out.append(body);
      uncompressed += hs + raw.length;
    } else {
      starts = plainEncode(this.plain, physical, values);
      if (physical === 'BYTE_ARRAY') {
        const { min, max } = byteArrayMinMax(this.plain.buf, starts!, count);
        statistics = { null_count: BigInt(nulls), min_value: min, max_value: max };
      } else {
        statistics = numericStatistics(physical, values, nulls);
      }
    }
    const encoding = dictionary ? 'RLE_DICTIONARY' : 'PLAIN';
    const width =
      physical === 'INT32' || physical === 'FLOAT' ? 4 : physical === 'INT64' || physical === 'DOUBLE' ? 8 : 0;
    const valueBytes = (v0: number, v1: number): number =>
      dictionary
        ? ((v1 - v0) * dictionary.bitWidth) / 8
        : starts
          ? starts[v1] - starts[v0]
          : physical === 'BOOLEAN'
            ? (v1 - v0) / 8
            : (v1 - v0) * width;

    // Pages: cut at ~PAGE_SIZE value bytes, only where a row starts.
    const dataPageOffset = BigInt(this.filePos());
    const locations: PageLocation[] = [];
    const defWidth = bitWidthOf(maxDef);
    let pages = 0;
    let e0 = 0;
    let v0 = 0;
    let firstRow = 0;
    const writePage = (e1: number, v1: number): void => {
      const pageOffset = this.filePos();
      this.levels.reset();
      const repBytes = rep ? rleHybrid(this.levels, rep, e0, e1, 1) : 0;
      const defBytes = def ? rleHybrid(this.levels, def, e0, e1, defWidth) : 0;
      let raw: Uint8Array;
      if (dictionary) {
        this.packed.reset();
        this.packed.u8(dictionary.bitWidth);
        rleHybrid(this.packed, dictionary.indexes, v0, v1, dictionary.bitWidth);
        raw = this.packed.bytes();
      } else if (starts) {
        raw = this.plain.buf.subarray(starts[v0], starts[v1]);
      } else if (physical === 'BOOLEAN') {
        this.packed.reset();
        plainEncode(this.packed, physical, (values as Uint8Array).subarray(v0, v1));
        raw = this.packed.bytes();
      } else {
        raw = this.plain.buf.subarray(v0 * width, v1 * width);
      }
      let pageRows = e1 - e0;
      if (rep) {
        pageRows = 0;
        for (let e = e0; e < e1; e++) if (rep[e] === 0) pageRows++;
      }
      const body = this.compress(raw);
      const levelBytes = this.levels.pos;
      const hs = this.writeHeader({
        type: 'DATA_PAGE_V2',
        uncompressed_page_size: levelBytes + raw.length,
        compressed_page_size: levelBytes + body.length,
        data_page_header_v2: {
          num_values: e1 - e0,
          num_nulls: e1 - e0 - (v1 - v0),
          num_rows: pageRows,
          encoding,
          definition_levels_byte_length: defBytes,
          repetition_levels_byte_length: repBytes,
          is_compressed: true,
        },
      });
      this.out.append(this.levels.bytes());
      this.out.append(body);
      uncompressed += hs + levelBytes + raw.length;
      locations.push({
        offset: BigInt(pageOffset),
        compressed_page_size: this.filePos() - pageOffset,
        first_row_index: BigInt(firstRow),
      });
      firstRow += pageRows;
      pages++;
      e0 = e1;
      v0 = v1;
    };
    if (!def && !rep) {
      // Flat required column: entries are values.
      for (let v = 0; v < count; v++) {
        if (v > v0 && valueBytes(v0, v) >= PAGE_SIZE) writePage(v, v);
      }
    } else {
      let v = 0;
      for (let e = 0; e < entries; e++) {
        if (e > e0 && (!rep || rep[e] === 0) && valueBytes(v0, v) >= PAGE_SIZE) writePage(e, v);
        if (def![e] === maxDef) v++;
      }
    }
    writePage(entries, count);

    const encodingStats: PageEncodingStats[] = [];
    if (dictionary) encodingStats.push({ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 });
    encodingStats.push({ page_type: 'DATA_PAGE_V2', encoding, count: pages });
    const chunk: ColumnChunk = {
      file_offset: BigInt(chunkStart),
      meta_data: {
        type: physical,
        encodings: dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : ['PLAIN'],
        path_in_schema: path,
        codec: this.codec,
        num_values: BigInt(entries),
        total_uncompressed_size: BigInt(uncompressed),
        total_compressed_size: BigInt(this.filePos() - chunkStart),
        data_page_offset: dataPageOffset,
        dictionary_page_offset: dictionaryPageOffset,
        statistics: statistics as Statistics,
        encoding_stats: encodingStats,
      },
    };
    return { chunk, offsetIndex: pages > 1 ? { page_locations: locations } : undefined };
  }
}
