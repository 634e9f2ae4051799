// The shipped pipeline definitions expand (params valid, graph acyclic) and wire the study as documented.
import test from 'ava';
import { expand } from '../../pipelines/engine/expand.ts';
import exportPipeline from '../../pipelines/export.ts';
import study from '../../pipelines/study.ts';
import swap from '../../pipelines/swap.ts';

test('study: download → pairs (MLQA dev → XQuAD-R) → batches → train', (t) => {
  const e = expand(study);
  t.deepEqual(e.order, ['download', 'pairs', 'batches', 'train']);
  t.is(e.byNode.get('train')![0].inputs.batches, 'batches');
  const pairs = e.byNode.get('pairs')![0];
  t.like(pairs.params, { train: 'mlqa-dev', eval: 'xquad-r' });
});

test('swap: XQuAD in all 11 languages → MLQA-R', (t) => {
  const e = expand(swap);
  const pairs = e.byNode.get('pairs')![0];
  t.like(pairs.params, { train: 'xquad', eval: 'mlqa-r' });
  t.is((pairs.params.trainLanguages as string[]).length, 11);
});

test('export: shares the study nodes and fans in every batches branch', (t) => {
  const e = expand(exportPipeline, { sweeps: { 'batches.batchSize': [32, 64] } });
  t.is(exportPipeline.output, 'export');
  t.is(e.byNode.get('batches')!.length, 2);
  const node = e.byNode.get('export')![0];
  t.deepEqual(node.inputs.batches, e.byNode.get('batches')!.map((i) => i.id));
  t.is(exportPipeline.nodes.pairs, study.nodes.pairs);
});
