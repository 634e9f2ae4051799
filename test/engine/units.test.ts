// In-process checks of expansion, fingerprints and params: the pieces the CLI tests rely on.
import test from 'ava';
import { z } from 'zod';
import { defineStage } from '../../pipelines/engine/stage.ts';
import { definePipeline } from '../../pipelines/engine/pipeline.ts';
import { expand } from '../../pipelines/engine/expand.ts';
import {
  canonicalJson,
  diffRecords,
  fingerprintOf,
  type FingerprintRecord,
} from '../../pipelines/engine/fingerprint.ts';
import { UserError } from '../../pipelines/engine/errors.ts';

const stage = (name: string, inputs: string[] = []) =>
  defineStage({
    name,
    version: 1,
    description: name,
    params: z.object({
      size: z.number().int().default(8),
      kind: z.enum(['a', 'b']).default('a'),
      seed: z.number().int().default(0),
    }),
    inputs,
    sourceDir: new URL('.', import.meta.url),
    run: async () => ({}),
  });

const def = definePipeline({
  name: 't',
  description: '',
  nodes: {
    data: { stage: stage('data') },
    batches: { stage: stage('batches', ['pairs']), inputs: { pairs: 'data' } },
    train: { stage: stage('train', ['batches']), inputs: { batches: 'batches' } },
    report: { stage: stage('report', ['runs']), inputs: { runs: { from: 'train', all: true } } },
  },
});

test('sweeps fan out the swept node and its downstream, cartesian, and fan in', (t) => {
  const e = expand(def, { sweeps: { 'batches.kind': ['a', 'b'], 'train.size': [16, 64] } });
  t.deepEqual(
    e.byNode.get('data')!.map((i) => i.id),
    ['data'],
  );
  t.deepEqual(
    e.byNode.get('batches')!.map((i) => i.id),
    ['batches[kind=a]', 'batches[kind=b]'],
  );
  t.deepEqual(
    e.byNode.get('train')!.map((i) => i.id),
    ['train[kind=a,size=16]', 'train[kind=a,size=64]', 'train[kind=b,size=16]', 'train[kind=b,size=64]'],
  );
  t.is(e.byNode.get('train')![2].inputs.batches, 'batches[kind=b]');
  t.is(e.byNode.get('train')![1].params.size, 64);
  t.deepEqual(
    e.byNode.get('report')!.map((i) => i.id),
    ['report'],
  );
  t.is((e.byNode.get('report')![0].inputs.runs as string[]).length, 4);
});

test('a sweep key shared by two stages keeps the stage in its label', (t) => {
  const e = expand(def, { sweeps: { 'batches.size': [1], 'train.size': [2, 3] } });
  t.deepEqual(
    e.byNode.get('train')!.map((i) => i.id),
    ['train[batches.size=1,train.size=2]', 'train[batches.size=1,train.size=3]'],
  );
});

test('a zipped sweep key sets its params together: seeds i, not seeds i × j', (t) => {
  const e = expand(def, { sweeps: { 'batches.seed+train.seed': [0, 1, 2] } });
  t.deepEqual(
    e.byNode.get('batches')!.map((i) => i.id),
    ['batches[seed=0]', 'batches[seed=1]', 'batches[seed=2]'],
  );
  const train = e.byNode.get('train')!;
  t.deepEqual(
    train.map((i) => i.id),
    ['train[seed=0]', 'train[seed=1]', 'train[seed=2]'],
  );
  t.deepEqual(
    train.map((i) => [i.params.seed, i.inputs.batches]),
    [
      [0, 'batches[seed=0]'],
      [1, 'batches[seed=1]'],
      [2, 'batches[seed=2]'],
    ],
  );
  const error = t.throws(() => expand(def, { sweeps: { 'batches.seed+nope.seed': [1] } }), { instanceOf: UserError });
  t.regex(error!.message, /unknown stage "nope"/);
});

test('profiles: the default one applies, --profile picks another, --sweep and --set still win', (t) => {
  const profiled = definePipeline({
    ...def,
    profiles: {
      quick: { description: 'q', sweeps: { 'train.size': [16, 32] } },
      full: { description: 'f', sweeps: { 'train.size': [16, 32, 64] }, params: { batches: { kind: 'b' } } },
    },
    defaultProfile: 'quick',
  });
  t.is(expand(profiled).byNode.get('train')!.length, 2);
  const full = expand(profiled, { profile: 'full' });
  t.is(full.byNode.get('train')!.length, 3);
  t.is(full.byNode.get('batches')![0].params.kind, 'b');
  t.is(
    expand(profiled, { profile: 'full', overrides: { batches: { kind: 'a' } } }).byNode.get('batches')![0].params.kind,
    'a',
  );
  t.is(expand(profiled, { sweeps: { 'train.size': [8] } }).byNode.get('train')!.length, 1);
  // A --set of a param the profile sweeps fixes it: one branch with the user's value, not the profile's grid.
  t.deepEqual(
    expand(profiled, { overrides: { train: { size: 64 } } })
      .byNode.get('train')!
      .map((i) => i.params.size),
    [64],
  );
  const error = t.throws(() => expand(profiled, { profile: 'huge' }), { instanceOf: UserError });
  t.regex(error!.message, /--profile huge: pipeline "t" has profiles quick, full/);
});

test('a --set or --sweep of one param of a zipped profile sweep replaces the whole zipped sweep', (t) => {
  const seeded = definePipeline({
    ...def,
    profiles: { seeds: { description: 's', sweeps: { 'batches.seed+train.seed': [0, 1, 2] } } },
    defaultProfile: 'seeds',
  });
  t.deepEqual(
    expand(seeded)
      .byNode.get('train')!
      .map((i) => i.id),
    ['train[seed=0]', 'train[seed=1]', 'train[seed=2]'],
  );
  const fixed = expand(seeded, { overrides: { train: { seed: 7 } } });
  t.deepEqual(
    fixed.byNode.get('train')!.map((i) => [i.id, i.params.seed]),
    [['train', 7]],
  );
  t.is(fixed.byNode.get('batches')![0].params.seed, 0);
  const swept = expand(seeded, { sweeps: { 'train.seed': [5, 6] } });
  t.deepEqual(
    swept.byNode.get('train')!.map((i) => i.id),
    ['train[seed=5]', 'train[seed=6]'],
  );
  t.is(swept.byNode.get('batches')!.length, 1);
});

test('params: defaults applied, overrides validated with the key named', (t) => {
  t.deepEqual(expand(def).byNode.get('train')![0].params, { size: 8, kind: 'a', seed: 0 });
  const error = t.throws(() => expand(def, { overrides: { train: { kind: 'c' } } }), { instanceOf: UserError });
  t.regex(error!.message, /invalid param train\.kind \(got "c"\): .*"a"\|"b"/);
});

const record: FingerprintRecord = {
  format: 1,
  stage: 's',
  version: 1,
  code: { 'stages/s/': 'x' },
  params: { b: 1, a: { y: 2, x: [1, 2] } },
  seed: 3,
  inputs: { up: 'f' },
  files: {},
  env: { backend: 'wasm' },
};

test('fingerprints do not depend on key order and change with any field', (t) => {
  const reordered = { ...record, params: { a: { x: [1, 2], y: 2 }, b: 1 } };
  t.is(fingerprintOf(reordered), fingerprintOf(record));
  t.is(canonicalJson({ b: 1, a: 2 }), '{"a":2,"b":1}');
  for (const change of [
    { version: 2 },
    { seed: 4 },
    { env: { backend: 'cpu' } },
    { inputs: { up: 'g' } },
    { params: { b: 2, a: { y: 2, x: [1, 2] } } },
  ]) {
    t.not(fingerprintOf({ ...record, ...change }), fingerprintOf(record), JSON.stringify(change));
  }
});

test('diffRecords names what changed', (t) => {
  const after = { ...record, params: { b: 1, a: { y: 5, x: [1, 2] } }, env: { backend: 'cpu' }, inputs: { up: 'g' } };
  t.deepEqual(diffRecords(record, after, 'train'), [
    'params changed: train.a.y 2 → 5',
    'input changed: up',
    'environment changed: backend "wasm" → "cpu"',
  ]);
});
