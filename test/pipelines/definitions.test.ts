// The shipped pipeline definitions expand (params valid, graph acyclic) and wire the study as documented.
import test from 'ava';
import { expand } from '../../pipelines/engine/expand.ts';
import exportPipeline from '../../pipelines/export.ts';
import study from '../../pipelines/study.ts';
import swap from '../../pipelines/swap.ts';

test('study: download → pairs (MLQA dev → XQuAD-R) → batches → train → attack → score, and train → classify, then report, the quick profile by default', (t) => {
  const e = expand(study);
  t.deepEqual(e.order, ['download', 'pairs', 'batches', 'train', 'attack', 'score', 'classify', 'report']);
  const pairs = e.byNode.get('pairs')![0];
  t.like(pairs.params, { train: 'mlqa-dev', eval: 'xquad-r' });
  // quick: 3 strategies × 2 batch sizes × 3 zipped seeds of batches, one InfoNCE model each, one score over all.
  t.is(e.byNode.get('batches')!.length, 18);
  const trains = e.byNode.get('train')!;
  t.is(trains.length, 18);
  t.is(trains[0].inputs.batches, 'batches[strategy=mono,batchSize=32,seed=0]');
  t.true(trains.every((i) => i.params.loss === 'infonce' && i.inputs.dev === 'pairs'));
  const score = e.byNode.get('score')!;
  t.is(score.length, 1);
  t.deepEqual(
    score[0].inputs.models,
    trains.map((i) => i.id),
  );
  t.is(score[0].inputs.eval, 'pairs');
  // One attack over every model (MUSE dictionaries from the download), its query sets scored by score.
  const attack = e.byNode.get('attack')!;
  t.is(attack.length, 1);
  t.deepEqual(attack[0].inputs, { models: trains.map((i) => i.id), eval: 'pairs', raw: 'download' });
  t.is(score[0].inputs.attacks, 'attack');
  // One classify over every model: XNLI (and MUSE for codemix) from the download, training languages from pairs.
  const classify = e.byNode.get('classify')!;
  t.is(classify.length, 1);
  t.deepEqual(classify[0].inputs, { models: trains.map((i) => i.id), raw: 'download', eval: 'pairs' });
  // The report is the last node and what the run prints: its summary (the answer) and the paths of the full report.
  const report = e.byNode.get('report')!;
  t.is(report.length, 1);
  t.deepEqual(report[0].inputs, {
    score: 'score',
    models: trains.map((i) => i.id),
    attack: 'attack',
    classify: 'classify',
  });
  t.deepEqual(study.summary, { node: 'report', file: 'summary.md', links: ['report.html', 'report.md'] });
});

test('study --profile full: batch sizes 16…1024, three seeds zipped over batch order and init', (t) => {
  const e = expand(study, { profile: 'full' });
  const trains = e.byNode.get('train')!;
  t.is(trains.length, 3 * 7 * 2 * 3);
  t.is(e.byNode.get('batches')!.length, 3 * 7 * 3);
  const seeded = trains.filter((i) => i.id.endsWith('seed=2]'));
  t.is(seeded.length, 42);
  t.true(seeded.every((i) => i.params.seed === 2 && (i.inputs.batches as string).endsWith('seed=2]')));
  t.deepEqual([...new Set(trains.map((i) => i.params.loss))], ['infonce', 'albef']);
});

test('swap: XQuAD in all 11 languages → MLQA-R', (t) => {
  const e = expand(swap);
  const pairs = e.byNode.get('pairs')![0];
  t.like(pairs.params, { train: 'xquad', eval: 'mlqa-r' });
  t.is((pairs.params.trainLanguages as string[]).length, 11);
  t.is(e.byNode.get('train')!.length, 18);
  t.is((e.byNode.get('score')![0].inputs.models as string[]).length, 18);
  t.is(e.byNode.get('score')![0].inputs.attacks, 'attack');
  t.is((e.byNode.get('attack')![0].inputs.models as string[]).length, 18);
  t.is((e.byNode.get('classify')![0].inputs.models as string[]).length, 18);
  t.is(e.byNode.get('report')![0].inputs.score, 'score');
});

test('export: shares the study nodes and fans in every batches branch', (t) => {
  const e = expand(exportPipeline, { sweeps: { 'batches.batchSize': [32, 64] } });
  t.is(exportPipeline.output, 'export');
  t.is(e.byNode.get('batches')!.length, 2);
  const node = e.byNode.get('export')![0];
  t.deepEqual(
    node.inputs.batches,
    e.byNode.get('batches')!.map((i) => i.id),
  );
  t.is(exportPipeline.nodes.pairs, study.nodes.pairs);
});
