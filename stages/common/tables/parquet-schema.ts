// Row tables: the Parquet schema (SchemaElement list) of a TableSchema, with real 3-level LISTs.

import type { SchemaElement } from 'hyparquet-writer';
import type { TableSchema } from './types.ts';

export function parquetSchemaOf(schema: TableSchema): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: schema.columns.length }];
  const leaf = (t: string): Partial<SchemaElement> => {
    switch (t) {
      case 'utf8':
        return { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
      case 'int32':
        return { type: 'INT32' };
      case 'int64':
        return { type: 'INT64' };
      case 'float32':
        return { type: 'FLOAT' };
      case 'float64':
        return { type: 'DOUBLE' };
      case 'bool':
        return { type: 'BOOLEAN' };
    }
    throw new Error(`no Parquet leaf for ${t}`);
  };
  for (const c of schema.columns) {
    const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
    const m = /^list<(.+)>$/.exec(c.type);
    if (m) {
      // The standard 3-level LIST layout (group LIST / repeated group list / element), which
      // DuckDB, Spark and pyarrow all map to a native list type.
      out.push({
        name: c.name,
        repetition_type,
        converted_type: 'LIST',
        logical_type: { type: 'LIST' },
        num_children: 1,
      });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      out.push({ name: 'element', repetition_type: 'REQUIRED', ...leaf(m[1]!) } as SchemaElement);
    } else {
      out.push({ name: c.name, repetition_type, ...leaf(c.type) } as SchemaElement);
    }
  }
  return out;
}
