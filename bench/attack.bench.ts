// Greedy attack throughput on a model trained on real MLQA pairs, attacking XQuAD-R queries (1,000 by default,
// HXLR_BENCH_ATTACK_QUERIES) against the full 11-language pool, and the peer in the same run: the same search
// scoring each candidate in its own model call (TextAttack's default for a model without batching), on the first
// HXLR_BENCH_ATTACK_PEER queries (default 100). Both searches draw the same candidates, so they reach the same
// texts; the table shows the calls and time batching saves.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStage } from '../pipelines/engine/testing.ts';
import { AttackParams, greedyAttack, positiveOf, sampleQueries, Target } from '../stages/attack/index.ts';
import { batchesStage } from '../stages/batches/index.ts';
import { createRng } from '../stages/common/random.ts';
import { pairsStage } from '../stages/pairs/index.ts';
import { densePool, loadEvalSet } from '../stages/score/index.ts';
import { initBackend, loadEncoder, trainStage } from '../stages/train/index.ts';
import { peakRssMiB, type BenchResult } from './harness.ts';

const DATA = fileURLToPath(new URL('../data/', import.meta.url));

export default async function bench(): Promise<BenchResult> {
  const total = Number(process.env.HXLR_BENCH_ATTACK_QUERIES ?? 1000);
  const peerQueries = Number(process.env.HXLR_BENCH_ATTACK_PEER ?? 100);
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-attack-bench-'));
  const notes: string[] = [];
  try {
    const raw = join(dir, 'raw');
    await cp(join(DATA, 'mlqa-dev'), join(raw, 'mlqa-dev'), { recursive: true });
    await cp(join(DATA, 'xquad-r'), join(raw, 'xquad-r'), { recursive: true });
    // QA pairs only: the bench measures the attack, and its raw folder holds no dictionaries.
    const pairs = await runStage(pairsStage, {
      params: { workers: 2, alignment: 'none' },
      inputs: { raw },
      outDir: await sub(dir, 'pairs'),
    });
    const batches = await runStage(batchesStage, {
      params: { batchSize: 128, strategy: 'hybrid' },
      inputs: { pairs: pairs.outDir },
      outDir: await sub(dir, 'batches'),
    });
    const train = await runStage(trainStage, {
      params: { maxSteps: 300, checkpointSeconds: 0 },
      inputs: { batches: batches.outDir, dev: pairs.outDir },
      outDir: await sub(dir, 'train'),
    });
    const backend = await initBackend('auto');
    const data = await loadEvalSet(join(pairs.outDir, 'candidates.arrow'), join(pairs.outDir, 'queries.arrow'));
    const model = await loadEncoder(join(train.outDir, 'model'));
    const p = AttackParams.parse({});
    const picked = sampleQueries(data, Math.ceil(total / data.languages.length), 0).slice(0, total);

    let began = performance.now();
    const pool = await densePool(model, data.candidates.texts);
    const target = new Target(model, data, pool.vectors);
    const poolSeconds = (performance.now() - began) / 1000;

    const attack = async (queries: number[], batch: boolean) => {
      let calls = 0;
      let successful = 0;
      let attacked = 0;
      let texts = 0;
      const out: string[] = [];
      const start = performance.now();
      for (const q of queries) {
        const lang = data.languages[data.queries.lang[q]];
        const scorer = target.scorer(data.queries.lang[q], positiveOf(data, q), p.k);
        const counted = async (list: readonly string[]) => {
          texts += list.length;
          return scorer(list);
        };
        const r = await greedyAttack(
          data.queries.texts[q],
          lang,
          createRng(0, `greedy:${data.queries.ids[q]}`),
          counted,
          { ...p, maxModelCalls: 100_000, batch },
        );
        calls += r.modelCalls;
        if (r.status === 'successful') successful++;
        if (r.status === 'successful' || r.status === 'failed') attacked++;
        out.push(r.text);
      }
      return { seconds: (performance.now() - start) / 1000, calls, successful, attacked, texts, out };
    };
    began = performance.now();
    const batched = await attack(picked, true);
    const peerSet = picked.slice(0, peerQueries);
    const batchedSubset = await attack(peerSet, true);
    const single = await attack(peerSet, false);
    target.dispose();
    pool.dispose();
    const same = single.out.every((t, i) => t === batchedSubset.out[i]);
    notes.push(
      `Model: train stage defaults (2^18 buckets, dim 128), 300 steps of hybrid batches of 128 MLQA pairs; backend ${backend.name}. Pool: ${data.candidates.ids.length.toLocaleString('en-US')} XQuAD-R sentences, embedded once in ${poolSeconds.toFixed(1)} s (not in the rates).`,
      'attacked: queries whose positive was in the top 1 (the rest are skipped after one call, as TextAttack skips a wrong prediction); success rate = successful / attacked.',
      `Greedy with the stage's default budget (25% of the words, ≤ 3 edits, k = 1) but no call cap, so both searches run to the same end: same adversarial texts: ${same ? 'yes' : 'NO'}.`,
      `Calls saved by batching on the peer's ${peerSet.length} queries: ${(100 * (1 - batchedSubset.calls / single.calls)).toFixed(1)}% (${batchedSubset.calls} vs ${single.calls}); texts embedded: ${batchedSubset.texts} vs ${single.texts}.`,
    );
    const row = (name: string, r: typeof batched, n: number) => ({
      search: name,
      queries: n,
      'queries/s': n / r.seconds,
      'model calls': r.calls,
      'calls/query': r.calls / n,
      'texts embedded': r.texts,
      attacked: r.attacked,
      'success rate': r.attacked === 0 ? 0 : r.successful / r.attacked,
      seconds: r.seconds,
    });
    return {
      id: 'attack',
      title: `Greedy word-swap attack: batched candidate scoring vs one model call per candidate (peer), ${total.toLocaleString('en-US')} XQuAD-R queries`,
      columns: [
        'search',
        'queries',
        'attacked',
        'queries/s',
        'model calls',
        'calls/query',
        'texts embedded',
        'success rate',
        'seconds',
      ],
      rows: [
        row('batched (ours)', batched, picked.length),
        row('batched, peer subset', batchedSubset, peerSet.length),
        row('one call per candidate (peer)', single, peerSet.length),
      ],
      notes: [...notes, `Peak RSS ${peakRssMiB()} MiB.`],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sub(dir: string, name: string): Promise<string> {
  const out = join(dir, name);
  await mkdir(out);
  return out;
}
