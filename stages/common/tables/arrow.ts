// Row tables: Arrow IPC encoding. Record batches are built straight from typed buffers with
// makeData: the generic builders are several times slower on 1M-row text columns.

import {
  AsyncByteQueue,
  Bool,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  makeData,
  type Data,
  type DataType,
} from 'apache-arrow';
import { schemaJson } from './schema.ts';
import { Sink, charCount } from './sink.ts';
import { SCHEMA_METADATA_KEY, type ColumnType, type TableSchema } from './types.ts';
import { INT32_MAX, type Canon } from './validate.ts';

export function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'utf8':
      return new Utf8();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'list<utf8>':
      return new List(new Field('item', new Utf8(), false));
    case 'list<int32>':
      return new List(new Field('item', new Int32(), false));
    case 'list<float32>':
      return new List(new Field('item', new Float32(), false));
  }
}

export function arrowSchemaOf(schema: TableSchema): Schema {
  const fields = schema.columns.map(
    (c) => new Field(c.name, arrowType(c.type), c.nullable === true, new Map([['description', c.description]])),
  );
  return new Schema(
    fields,
    new Map([
      ['hybrid-xlr.table', schema.name],
      ['hybrid-xlr.description', schema.description],
      [SCHEMA_METADATA_KEY, JSON.stringify(schemaJson(schema))],
    ]),
  );
}

function validity(values: ArrayLike<unknown>): { bitmap?: Uint8Array; nulls: number } {
  let nulls = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === null) nulls++;
  if (nulls === 0) return { nulls };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nulls };
}

/** UTF-8 bytes and offsets; the bytes are a view into `sink`, valid until the sink is reused. */
function utf8Buffers(values: ArrayLike<unknown>, sink: Sink): { offsets: Int32Array; data: Uint8Array } {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  sink.reset();
  sink.ensure(3 * charCount(values));
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s !== null) {
      sink.utf8(s as string);
      if (sink.pos > INT32_MAX) throw new Error('Arrow utf8 batch over 2 GiB; lower rowGroupSize');
    }
    offsets[i + 1] = sink.pos;
  }
  return { offsets, data: sink.bytes() };
}

function arrowData(type: ColumnType, dtype: DataType, c: Canon, sink: () => Sink): Data {
  const length = c.length;
  if (ArrayBuffer.isView(c)) {
    return makeData({ type: dtype as Int32, length, nullCount: 0, data: c as Int32Array });
  }
  const { bitmap, nulls } = validity(c);
  switch (type) {
    case 'utf8': {
      const { offsets, data } = utf8Buffers(c, sink());
      return makeData({
        type: dtype as Utf8,
        length,
        nullCount: nulls,
        nullBitmap: bitmap,
        valueOffsets: offsets,
        data,
      });
    }
    case 'bool': {
      const bits = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (c[i] === true) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: dtype as Bool, length, nullCount: nulls, nullBitmap: bitmap, data: bits });
    }
    case 'int32':
    case 'float32':
    case 'float64':
    case 'int64': {
      const Ctor =
        type === 'int32'
          ? Int32Array
          : type === 'float32'
            ? Float32Array
            : type === 'float64'
              ? Float64Array
              : BigInt64Array;
      const data = new Ctor(length);
      for (let i = 0; i < length; i++) if (c[i] !== null) (data as Int32Array)[i] = c[i] as number;
      return makeData({ type: dtype as Int32, length, nullCount: nulls, nullBitmap: bitmap, data: data as Int32Array });
    }
    case 'list<utf8>':
    case 'list<int32>':
    case 'list<float32>': {
      const offsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) {
        const row = c[i] as ArrayLike<unknown> | null;
        if (row !== null) total += row.length;
        offsets[i + 1] = total;
      }
      const childType = (dtype as List).children[0]!.type;
      let child: Data;
      if (type === 'list<utf8>') {
        const flat = new Array<unknown>(total);
        let o = 0;
        for (let i = 0; i < length; i++) {
          const row = c[i] as string[] | null;
          if (row !== null) for (const s of row) flat[o++] = s;
        }
        const { offsets: co, data } = utf8Buffers(flat, sink());
        child = makeData({ type: childType as Utf8, length: total, nullCount: 0, valueOffsets: co, data });
      } else {
        const flat = type === 'list<int32>' ? new Int32Array(total) : new Float32Array(total);
        for (let i = 0; i < length; i++) {
          const row = c[i] as Int32Array | null;
          if (row !== null) flat.set(row, offsets[i]!);
        }
        child = makeData({ type: childType as Int32, length: total, nullCount: 0, data: flat as Int32Array });
      }
      return makeData({
        type: dtype as List,
        length,
        nullCount: nulls,
        nullBitmap: bitmap,
        valueOffsets: offsets,
        child,
      });
    }
  }
}

/**
 * One record batch. Text bytes go into `scratch[column]`, reused for every other batch: a batch's
 * buffers are referenced until its write completes, which is before the batch after next is built.
 */
export function arrowBatch(
  schema: TableSchema,
  arrowSchema: Schema,
  canon: Canon[],
  rows: number,
  scratch: Sink[],
): RecordBatch {
  const children = schema.columns.map((spec, i) =>
    arrowData(spec.type, arrowSchema.fields[i]!.type, canon[i]!, () => (scratch[i] ??= new Sink())),
  );
  const struct = makeData({ type: new Struct(arrowSchema.fields), length: rows, nullCount: 0, children });
  return new RecordBatch(arrowSchema, struct);
}

// The Arrow writer normally queues bytes for an async reader; collecting them synchronously lets
// us write each record batch to disk before building the next, which bounds memory.
export class CollectingSink extends AsyncByteQueue<Uint8Array> {
  chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }
  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}
