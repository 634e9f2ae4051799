// Benchmark for stages/classify: what one retriever costs on XNLI (15 languages, part B + English part A: 26.5k
// distinct texts), step by step, on an encoder of the train stage's default shape (2^18 × 128 table; weights do
// not change the cost). The peer is the plain path the stage avoids: `embed` per model, which tokenizes every
// text again for each model, against tokenizing once (BagCache) and `embedBags` per model. CPU seconds are this
// process's (the machine is shared with other work, so wall time is shown too); the last row projects a quick
// profile of 18 models plus the two baselines.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './harness.ts';
import { attackedResults, attackSample, transformHypotheses, type AttackConfig } from '../stages/classify/attacked.ts';
import { BagCache, encoderFeaturizer } from '../stages/classify/features.ts';
import { runTask, xnliTask } from '../stages/classify/protocol.ts';
import { splitByPremise } from '../stages/classify/split.ts';
import { readXnli, XNLI_LANGUAGES } from '../stages/classify/xnli.ts';
import { classifyStage } from '../stages/classify/index.ts';
import { AttackParams, loadDictionaries } from '../stages/attack/index.ts';
import { embed, embedBags, initBackend, untrainedEncoder } from '../stages/train/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MODELS = 18;

async function measure<T>(fn: () => Promise<T> | T): Promise<{ value: T; cpu: number; wall: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, cpu: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - t0) / 1000 };
}

export default async function bench(): Promise<BenchResult> {
  const backend = await initBackend('auto');
  const p = classifyStage.params.parse({});
  const files = await readXnli(XNLI_LANGUAGES, (file) => join(ROOT, 'data', 'xnli-dev', file));
  const en = files.find((f) => f.lang === 'en')!;
  const task = xnliTask(
    files,
    splitByPremise(en.premise, { seed: 0, testShare: p.testShare, heldOutShare: p.heldOutShare }),
  );
  const texts = task.index.texts;
  const model = untrainedEncoder({ buckets: 2 ** 18, dim: 128, outDim: 128, pooling: 'mean' }, {}, 0);

  const peer = await measure(() => embed(model, texts));
  const cache = new BagCache();
  const tokenize = await measure(() => cache.bags(model, texts));
  const pooled = await measure(() => embedBags(model, cache.bags(model, texts)));
  const same = peer.value.vectors.every((v, i) => v === pooled.value.vectors[i]);
  const featurizer = encoderFeaturizer(model, cache, [texts]);
  const probe = { lr: p.lr, maxEpochs: p.maxEpochs, batchSize: p.batchSize, patience: p.patience, l2: p.l2, seed: 0 };
  const clean = await measure(() => runTask(task, featurizer, probe, null, 'bench'));
  const a = AttackParams.parse({});
  const config: AttackConfig = {
    recipes: p.attackRecipes,
    perLanguage: p.attackPerLanguage,
    wordShare: a.wordShare,
    maxEdits: a.maxEdits,
    maxModelCalls: a.maxModelCalls,
    charCandidates: a.charCandidates,
    homoglyphCandidates: a.homoglyphCandidates,
    codemixLanguages: a.codemixLanguages,
    seed: 0,
  };
  const { dictionaries } = await loadDictionaries(XNLI_LANGUAGES, (file) =>
    existsSync(join(ROOT, 'data', 'muse', file)) ? join(ROOT, 'data', 'muse', file) : null,
  );
  const sample = attackSample(task, config.perLanguage, 0);
  const transforms = await measure(() => transformHypotheses(task, sample, config, dictionaries));
  const attacked = await measure(() =>
    attackedResults(task, clean.value, featurizer, sample, transforms.value, config, dictionaries, null),
  );

  const probeCpu = clean.cpu - pooled.cpu;
  const perModel = pooled.cpu + probeCpu + attacked.cpu;
  const row = (step: string, m: { cpu: number; wall: number }, note = '') => ({
    step,
    'CPU s': m.cpu,
    'wall s': m.wall,
    note,
  });
  return {
    id: 'classify',
    title: `classify: one retriever on XNLI (${texts.length.toLocaleString('en-US')} distinct texts, ${backend.name})`,
    columns: ['step', 'CPU s', 'wall s', 'note'],
    rows: [
      row(
        'peer: embed (tokenize + pool), per model',
        peer,
        'what every model would pay without the shared tokenization',
      ),
      row('tokenize once (BagCache)', tokenize, 'shared by every model with the same tokenizer'),
      row(
        'embedBags, per model',
        pooled,
        same ? 'same vectors as the peer, bit for bit' : 'VECTORS DIFFER FROM THE PEER',
      ),
      row('probe: train + predict 15 languages, per model', { cpu: probeCpu, wall: clean.wall - pooled.wall }),
      row('attack texts (char, homoglyph, codemix), once', transforms, `${config.perLanguage} pairs per language`),
      row('attack: 4 recipes, per model', attacked, `greedy ≤ ${config.maxModelCalls} calls per pair`),
      {
        step: `projected: ${MODELS} models + 2 baselines`,
        'CPU s': tokenize.cpu + transforms.cpu + (MODELS + 2) * perModel,
        'wall s': 0,
        note: 'tokenize + attack texts once, the rest per retriever (lexical is cheaper)',
      },
      {
        step: `projected peer: ${MODELS} + 2 with embed per model`,
        'CPU s': transforms.cpu + (MODELS + 2) * (peer.cpu + probeCpu + attacked.cpu),
        'wall s': 0,
        note: '',
      },
    ],
    notes: [`backend ${backend.name}@${backend.version}; attack recipes ${config.recipes.join(', ')}`],
  };
}
