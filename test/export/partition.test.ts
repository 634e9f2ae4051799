// Hive partitioning of a table: row order, typed columns, sorted partitions and refusal of unsafe folder names.
import test from 'ava';
import type { TableSchema } from '../../stages/common/tables.ts';
import { partitionSegment, partitionTable, withoutColumns } from '../../stages/export/partition.ts';

const schema: TableSchema = {
  name: 't',
  description: 'test',
  columns: [
    { name: 'split', type: 'utf8', description: '' },
    { name: 'direction', type: 'utf8', description: '' },
    { name: 'n', type: 'int32', description: '' },
    { name: 'text', type: 'utf8', description: '' },
  ],
};

test('rows keep their order inside each partition, partitions come sorted, partition columns leave the files', (t) => {
  const parts = partitionTable(
    schema,
    {
      split: ['train', 'dev', 'train', 'train', 'dev'],
      direction: ['mono', 'cross', 'cross', 'mono', 'cross'],
      n: Int32Array.from([0, 1, 2, 3, 4]),
      text: ['a', 'b', 'c', 'd', 'e'],
    },
    ['split', 'direction'],
  );
  t.deepEqual(
    parts.map((p) => p.dir),
    ['split=dev/direction=cross', 'split=train/direction=cross', 'split=train/direction=mono'],
  );
  const mono = parts[2];
  t.deepEqual(mono.values, { split: 'train', direction: 'mono' });
  t.is(mono.rows, 2);
  t.deepEqual(Object.keys(mono.columns), ['n', 'text']);
  t.true(mono.columns.n instanceof Int32Array);
  t.deepEqual([...(mono.columns.n as Int32Array)], [0, 3]);
  t.deepEqual(mono.columns.text, ['a', 'd']);
  t.is(
    parts.reduce((s, p) => s + p.rows, 0),
    5,
  );
});

test('folder-unsafe partition values and unknown partition columns are refused by name', (t) => {
  t.throws(() => partitionSegment('lang', '../x'), { message: /partition value "\.\.\/x" of lang/ });
  t.throws(() => partitionSegment('lang', 'a b'), { message: /of lang is not a plain identifier/ });
  t.is(partitionSegment('batch_size', 128), 'batch_size=128');
  t.throws(() => withoutColumns(schema, ['lang']), { message: /table t has no column lang/ });
});
