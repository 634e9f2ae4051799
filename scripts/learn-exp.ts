// Experiment driver for the training study (issue 13), outside the engine so that editing the train stage's source
// does not invalidate every cached run: each verb runs one stage through `runStage` on plain folders.
//   pairs   --raw DIR --out DIR [--set k=v ...]                   the pairs stage on a download artifact
//   batches --pairs DIR --out DIR [--set k=v ...]                 the batches stage on a pairs artifact
//   train   --batches DIR --dev DIR --out DIR [--set k=v ...]     the train stage (dev = the pairs artifact)
//   score   --eval DIR --out DIR [--baselines] MODEL_DIR...       the score stage; prints one line per retriever
//   dev     --dev DIR MODEL_DIR...                                dev-split metrics of trained models (no output
//   folder)
//   moved   MODEL_DIR...                                          how far training moved the table rows and the dense
//   kernel from init
// Not a stage and not shipped: the numbers it prints are for choosing defaults on dev (train summary) and for the
// README's ablation table (score, read after the choice).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runStage } from '../pipelines/engine/testing.ts';
import { batchesStage } from '../stages/batches/index.ts';
import { pairsStage } from '../stages/pairs/index.ts';
import { scoreStage } from '../stages/score/index.ts';
import { trainStage } from '../stages/train/index.ts';

const [verb, ...rest] = process.argv.slice(2);
const { values, positionals } = parseArgs({
  args: rest,
  allowPositionals: true,
  options: {
    raw: { type: 'string' },
    pairs: { type: 'string' },
    batches: { type: 'string' },
    dev: { type: 'string' },
    eval: { type: 'string' },
    out: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    baselines: { type: 'boolean', default: false },
  },
});

function sets(): Record<string, unknown> {
  return Object.fromEntries(
    (values.set ?? []).map((kv) => {
      const i = kv.indexOf('=');
      const raw = kv.slice(i + 1);
      let v: unknown = raw;
      try {
        v = JSON.parse(raw);
      } catch {
        /* a plain string */
      }
      return [kv.slice(0, i), v];
    }),
  );
}

if (verb === 'dev') {
  const { initBackend } = await import('../stages/train/backend.ts');
  const { loadEncoder } = await import('../stages/train/model-io.ts');
  const { embedTexts } = await import('../stages/train/embed.ts');
  const { buildDevSet, evaluateDev } = await import('../stages/train/dev-eval.ts');
  const { readArrow } = await import('../stages/common/tables.ts');
  await initBackend('auto');
  const set = buildDevSet((await readArrow(`${values.dev}/pairs.arrow`)).columns);
  for (const dir of positionals) {
    const model = await loadEncoder(`${dir}/model`);
    const m = evaluateDev(
      set,
      await embedTexts(model, set.queries),
      await embedTexts(model, set.passages),
      model.config.outDim,
    );
    process.stdout.write(`${dir}\t${JSON.stringify(m)}\n`);
  }
  process.exit(0);
}
if (verb === 'moved') {
  const { loadEncoder } = await import('../stages/train/model-io.ts');
  const { initWeights } = await import('../stages/train/encoder.ts');
  for (const dir of positionals) {
    const m = await loadEncoder(`${dir}/model`);
    const w0 = initWeights(m.config, Number(m.metadata.seed ?? 0));
    const dim = m.config.dim;
    let rows = 0;
    let rel = 0;
    for (let r = 0; r < m.config.buckets; r++) {
      let d2 = 0;
      let n2 = 0;
      for (let d = r * dim; d < (r + 1) * dim; d++) {
        d2 += (m.weights.table[d] - w0.table[d]) ** 2;
        n2 += w0.table[d] ** 2;
      }
      if (d2 > 0) {
        rows++;
        rel += Math.sqrt(d2 / n2);
      }
    }
    let k2 = 0;
    let kn = 0;
    w0.kernel.forEach((k, i) => {
      k2 += (m.weights.kernel[i] - k) ** 2;
      kn += k * k;
    });
    process.stdout.write(
      `${dir}\trows moved ${rows}\tmean |Δrow|/|row0| ${(rel / rows).toFixed(4)}\tdense |ΔW|/|W0| ${Math.sqrt(k2 / kn).toFixed(4)}\n`,
    );
  }
  process.exit(0);
}
const out = values.out!;
if (existsSync(`${out}/summary.json`)) {
  process.stdout.write(`cached ${out}\n`);
  process.exit(0);
}
const { mkdir } = await import('node:fs/promises');
await mkdir(out, { recursive: true });
const began = performance.now();
let summary: unknown;
if (verb === 'pairs') {
  ({ summary } = await runStage(pairsStage, { inputs: { raw: values.raw! }, outDir: out, params: sets() }));
} else if (verb === 'batches') {
  ({ summary } = await runStage(batchesStage, { inputs: { pairs: values.pairs! }, outDir: out, params: sets() }));
} else if (verb === 'train') {
  ({ summary } = await runStage(trainStage, {
    inputs: { batches: values.batches!, dev: values.dev! },
    outDir: out,
    params: { checkpointEvery: 0, checkpointSeconds: 0, ...sets() },
  }));
  const s = summary as { dev: { history: unknown[] }; seconds: number; lossFirst: number; lossLast: number };
  process.stdout.write(
    `${JSON.stringify({ seconds: s.seconds, lossFirst: s.lossFirst, lossLast: s.lossLast, dev: s.dev.history })}\n`,
  );
} else if (verb === 'score') {
  ({ summary } = await runStage(scoreStage, {
    inputs: { models: positionals, eval: values.eval! },
    outDir: out,
    params: { baselines: values.baselines ? ['bm25', 'random'] : [], ranks: false, ...sets() },
  }));
  const metrics = JSON.parse(await readFile(`${out}/metrics.json`, 'utf8')) as {
    retrievers: { id: string; headline: Record<string, number> }[];
  };
  positionals.forEach((m, i) => process.stdout.write(`model ${i}: ${m}\n`));
  for (const r of metrics.retrievers) {
    const h = r.headline;
    process.stdout.write(
      `${r.id}\tmAP@20 ${h.multilingualMap20.toFixed(4)}\tmono ${h.monoR1.toFixed(4)}\tcross ${h.crossR1.toFixed(4)}\tcrossSeen ${h.crossR1Seen?.toFixed(4)}\tcrossZS ${h.crossR1ZeroShot?.toFixed(4)}\n`,
    );
  }
} else {
  throw new Error(`unknown verb ${verb}`);
}
const { writeFile } = await import('node:fs/promises');
await writeFile(
  `${out}/summary.json`,
  `${JSON.stringify({ summary, wallSeconds: (performance.now() - began) / 1000 })}\n`,
);
