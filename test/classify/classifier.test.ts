// The probe on real data and on a problem with a known answer: trained on the untrained encoder's features of
// English XNLI part A it must beat chance on part B (a check that fails if features, split, labels or training are
// wired wrong), it learns a separable problem, is deterministic for a seed, and early stopping keeps the best epoch.
import test from 'ava';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { predict, trainClassifier, evaluateSet, type ClassifierOptions } from '../../stages/classify/classifier.ts';
import { BagCache, encoderFeaturizer, lexicalFeaturizer, pairFeatures } from '../../stages/classify/features.ts';
import { runTask, xnliTask } from '../../stages/classify/protocol.ts';
import { splitByPremise } from '../../stages/classify/split.ts';
import { readXnli } from '../../stages/classify/xnli.ts';
import { initBackend, untrainedEncoder } from '../../stages/train/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPTS: ClassifierOptions = {
  classes: 3,
  lr: 3e-4,
  maxEpochs: 100,
  batchSize: 64,
  patience: 5,
  l2: 0.01,
  seed: 0,
  stream: 'test',
};

test.before(async () => {
  await initBackend('cpu');
});

test('untrained encoder features: the probe trained on English part A beats chance on English part B', async (t) => {
  const files = await readXnli(['en', 'de'], (f) => join(ROOT, 'data', 'xnli-dev', f));
  const split = splitByPremise(files[0].premise, { seed: 0, testShare: 0.5, heldOutShare: 0.2 });
  const task = xnliTask(files, split);
  const model = untrainedEncoder({ buckets: 1 << 16, dim: 64, outDim: 64, pooling: 'mean' }, { buckets: 1 << 16 }, 0);
  const { seed: _s, stream: _t, classes: _c, ...probe } = OPTS;
  const out = await runTask(
    task,
    encoderFeaturizer(model, new BagCache(), [task.index.texts]),
    { ...probe, seed: 0 },
    null,
    'test',
  );
  const en = out.result.byLanguage.find((l) => l.language === 'en')!;
  t.is(en.examples, 1245);
  // Three standard errors above 1/3 for 1,245 rows: chance would pass this about once in 700 runs.
  const bar = 1 / 3 + 3 * Math.sqrt(((1 / 3) * (2 / 3)) / en.examples);
  t.true(en.accuracy > bar, `English accuracy ${en.accuracy.toFixed(3)} is not above ${bar.toFixed(3)}`);
  t.true(out.probe.bestEpoch <= out.probe.epochs);
});

test('learns a separable problem, deterministically, and keeps the best epoch', async (t) => {
  // Class = which of three coordinates is largest; noise elsewhere. 300 train rows, 90 held out.
  const make = (n: number, offset: number) => {
    const dim = 8;
    const x = new Float32Array(n * dim);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = (i * 7 + offset) % 3;
      for (let d = 0; d < dim; d++) x[i * dim + d] = Math.sin(i * 13 + d * 5 + offset) * 0.3;
      x[i * dim + y[i]] += 1;
    }
    return { x, y };
  };
  const train = make(300, 0);
  const held = make(90, 1);
  const opts = { ...OPTS, lr: 0.05 };
  const a = await trainClassifier(train, held, 8, opts);
  const b = await trainClassifier(train, held, 8, opts);
  t.is(evaluateSet(a, held).accuracy, 1);
  t.deepEqual([...a.weights], [...b.weights], 'same seed, same weights');
  t.deepEqual([...predict(a, held.x)], [...held.y]);
  t.true(a.bestEpoch <= a.epochs && a.epochs <= opts.maxEpochs);
  const c = await trainClassifier(train, held, 8, { ...opts, seed: 1 });
  t.notDeepEqual([...a.weights], [...c.weights], 'the seed orders the minibatches');
  await t.throwsAsync(trainClassifier({ x: new Float32Array(8), y: Int32Array.of(3) }, held, 8, opts), {
    message: /label 3 is outside 0…2/,
  });
  await t.throwsAsync(trainClassifier({ x: new Float32Array(7), y: Int32Array.of(0) }, held, 8, opts), {
    message: /7 feature values do not make 1 rows of width 8/,
  });
});

test('pair features are (u, v, |u − v|, u ⊙ v); lexical vectors mark hashed words', async (t) => {
  const vectors = Float32Array.of(1, -2, 3, 4);
  t.deepEqual([...pairFeatures(vectors, 2, Int32Array.of(0), Int32Array.of(1))], [1, -2, 3, 4, 2, 6, 3, -8]);
  const lex = lexicalFeaturizer(64);
  const v = await lex.vectors(['The cat sat.', 'the CAT', 'สวัสดีครับ']);
  const on = (i: number) => [...v.subarray(i * 64, (i + 1) * 64)].flatMap((x, k) => (x ? [k] : []));
  t.is(on(0).length, 3);
  t.deepEqual(
    on(1),
    on(0).filter((k) => on(1).includes(k)),
    'case and NFKC folded: "the cat" ⊂ "The cat sat."',
  );
  t.true(on(2).length >= 1, 'Thai is segmented into words');
});
