// The train stage as users run it: a real TF.js run on a batches artifact, its model folder, its curve read back by
// DuckDB, byte-identical reruns, and a run killed with SIGKILL that resumes and ends with the same weights.
import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStage } from '../../pipelines/engine/testing.ts';
import { trainStage } from '../../stages/train/index.ts';
import { loadEncoder } from '../../stages/train/model-io.ts';
import { SMALL, syntheticBatches, syntheticDev } from './fixture.ts';

const runner = fileURLToPath(new URL('./run-train.ts', import.meta.url));
let devDir: Promise<string> | undefined;
/** One synthetic dev pairs artifact shared by the tests (read only). */
const dev = () => (devDir ??= syntheticDev());

async function modelBytes(dir: string): Promise<Buffer> {
  const model = join(dir, 'model');
  const shards = (await readdir(model)).filter((f) => f.endsWith('.bin')).sort();
  return Buffer.concat(await Promise.all(shards.map((f) => readFile(join(model, f)))));
}

test('trains on the batches in order: model folder, curve in DuckDB, a summary that shows learning', async (t) => {
  const batches = await syntheticBatches(40, 16);
  const { outDir, summary } = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...SMALL, checkpointEvery: 0 },
  });
  t.is(summary.steps, 40);
  t.is(summary.pairs, 640);
  t.is(summary.batchSize, 16);
  t.deepEqual(summary.negatives, { inBatch: 15, queue: 0 });
  t.is(summary.backend.name, 'cpu');
  t.true(summary.lossLast < summary.lossFirst * 0.7, `loss ${summary.lossFirst} → ${summary.lossLast}`);
  t.true(summary.finalInBatchAccuracy > 0.5, `in-batch accuracy ${summary.finalInBatchAccuracy}`);

  const model = await loadEncoder(join(outDir, 'model'));
  t.deepEqual(model.config, { buckets: 4096, dim: 16, outDim: 16, pooling: 'sqrtn' });
  t.is(model.tokenizer.config.buckets, 4096);
  t.is(model.weights.table.length, 4096 * 16);
  t.is(model.metadata.loss, 'infonce');

  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const rows = (
      await con.runAndReadAll(
        `select count(*)::int n, min(step)::int first_step, max(step)::int last_step, count(distinct kind)::int kinds, bool_and(negatives = 15) neg, bool_and(lr = 0.01) lr from read_parquet('${join(outDir, 'curve.parquet')}')`,
      )
    ).getRowObjectsJS();
    t.deepEqual(rows, [{ n: 40, first_step: 1, last_step: 40, kinds: 2, neg: true, lr: true }]);
  } finally {
    con.closeSync();
    db.closeSync();
  }
  const curve = JSON.parse(await readFile(join(outDir, 'curve.json'), 'utf8'));
  t.is(curve.rows.length, 40);
  t.is(curve.rows[0].batch_id, 0);

  const again = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...SMALL, checkpointEvery: 7 },
  });
  t.true(
    (await modelBytes(outDir)).equals(await modelBytes(again.outDir)),
    'same inputs and params (checkpoints or not): byte-identical weights',
  );
  t.is(summary.rowKernel, 'wasm-simd');
  const js = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...SMALL, checkpointEvery: 0, rowKernel: 'js' },
  });
  t.is(js.summary.rowKernel, 'js');
  t.true(
    (await modelBytes(outDir)).equals(await modelBytes(js.outDir)),
    'the row kernel and the JS loops: byte-identical weights',
  );
});

test('albef: queue negatives recorded, GradCache on a batch larger than the chunk, training still learns', async (t) => {
  const batches = await syntheticBatches(30, 24);
  const { summary } = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...SMALL, loss: 'albef', queueSize: 64, momentum: 0.9, gradCacheChunk: 10, checkpointEvery: 0 },
  });
  t.deepEqual(summary.negatives, { inBatch: 23, queue: 64 });
  t.true(summary.lossLast < summary.lossFirst, `loss ${summary.lossFirst} → ${summary.lossLast}`);
});

test('dev evaluation: before training and at each epoch end, in the summary and curve.json; training lifts dev mAP@20', async (t) => {
  // 40 batches over 2 epochs (the fixture's epoch column): evaluations at steps 0, 20 and 40.
  const batches = await syntheticBatches(40, 16);
  const { outDir, summary } = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...SMALL, checkpointEvery: 0 },
  });
  t.deepEqual(
    summary.dev.history.map((d) => [d.step, d.epoch]),
    [
      [0, -1],
      [20, 0],
      [40, 1],
    ],
  );
  // 12 dev question ids × 2 languages; the train rows and the dictionary row of the fixture are not read.
  t.is(summary.dev.queries, 24);
  t.is(summary.dev.pool, 24);
  t.false(summary.dev.stoppedEarly);
  const [before, , after] = summary.dev.history;
  t.true(after.map20 > before.map20, `dev mAP@20 ${before.map20} → ${after.map20}`);
  const curve = JSON.parse(await readFile(join(outDir, 'curve.json'), 'utf8'));
  t.deepEqual(curve.dev, summary.dev.history);
});

test('early stopping: with patience 1, an epoch that does not raise dev mAP@20 ends the run there', async (t) => {
  // An lr far below float32 resolution leaves every weight as it was: each evaluation equals the first, none is better.
  const batches = await syntheticBatches(40, 16);
  const frozen = { ...SMALL, lr: 1e-12, tableLr: 1e-12, checkpointEvery: 0 };
  const { outDir, summary } = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...frozen, patience: 1 },
  });
  t.true(summary.dev.stoppedEarly);
  t.is(summary.steps, 20);
  t.is(summary.rows.curve, 20);
  t.is((await loadEncoder(join(outDir, 'model'))).metadata.steps, 20);
  t.deepEqual(summary.dev.best, summary.dev.history[0]);
  const patient = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...frozen, patience: 0 },
  });
  t.false(patient.summary.dev.stoppedEarly);
  t.is(patient.summary.steps, 40);
});

test('params: a bad value names the param', async (t) => {
  const batches = await syntheticBatches(4, 8);
  await t.throwsAsync(
    runStage(trainStage, { inputs: { batches, dev: await dev() }, params: { ...SMALL, ngramMin: 6, ngramMax: 4 } }),
    { message: /ngramMin 6 > ngramMax 4/ },
  );
  await t.throwsAsync(
    runStage(trainStage, { inputs: { batches, dev: await dev() }, params: { ...SMALL, loss: 'triplet' } }),
    { message: /loss/ },
  );
});

function runChild(
  args: string[],
  onCheckpoint?: (kill: () => void) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runner, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onCheckpoint?.(() => child.kill('SIGKILL'));
  });
}

test('a run killed with SIGKILL resumes from its last checkpoint and ends with the same weights', async (t) => {
  const batches = await syntheticBatches(300, 16);
  const params = { ...SMALL, loss: 'albef', queueSize: 32, checkpointEvery: 20, checkpointSeconds: 0 };
  const checkpoints = await mkdtemp(join(tmpdir(), 'hxlr-train-ckpt-'));
  const killedOut = await mkdtemp(join(tmpdir(), 'hxlr-train-killed-'));
  let sawCheckpoint = false;
  const killed = await runChild([batches, await dev(), killedOut, checkpoints, JSON.stringify(params)], (kill) => {
    const poll = setInterval(async () => {
      const names = await readdir(checkpoints).catch(() => [] as string[]);
      if (names.some((n) => /^ckpt-\d+$/.test(n))) {
        sawCheckpoint = true;
        clearInterval(poll);
        kill();
      }
    }, 20);
  });
  t.true(sawCheckpoint, `no checkpoint appeared: ${killed.stderr.slice(-500)}`);
  t.is(killed.signal, 'SIGKILL', `the run ended before it was killed: ${killed.stdout}`);
  t.false(existsSync(join(killedOut, 'model', 'model.json')), 'the killed run wrote no model');

  const resumed = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    checkpointDir: checkpoints,
    params,
  });
  t.true(resumed.summary.resumedFromStep >= 20, `resumed from step ${resumed.summary.resumedFromStep}`);
  t.is(resumed.summary.resumedFromStep % 20, 0);
  t.is(resumed.summary.steps, 300);
  const curve = JSON.parse(await readFile(join(resumed.outDir, 'curve.json'), 'utf8'));
  t.deepEqual(
    curve.rows.map((r: { step: number }) => r.step),
    Array.from({ length: 300 }, (_, i) => i + 1),
  );

  const straight = await runStage(trainStage, {
    inputs: { batches, dev: await dev() },
    params: { ...params, checkpointEvery: 0 },
  });
  t.true(
    (await modelBytes(resumed.outDir)).equals(await modelBytes(straight.outDir)),
    'resumed weights equal the uninterrupted run',
  );
  t.deepEqual(
    curve.rows.map((r: { loss: number }) => r.loss),
    JSON.parse(await readFile(join(straight.outDir, 'curve.json'), 'utf8')).rows.map((r: { loss: number }) => r.loss),
  );
});

test('checkpoints by time as well as by steps, and never when both intervals are 0', async (t) => {
  const batches = await syntheticBatches(12, 16);
  const ckpts = async (params: Record<string, unknown>) => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'hxlr-train-ckpt-'));
    await runStage(trainStage, {
      inputs: { batches, dev: await dev() },
      checkpointDir,
      params: { ...SMALL, ...params },
    });
    return (await readdir(checkpointDir)).filter((n) => /^ckpt-\d+$/.test(n));
  };
  // A due time after every step: the last checkpoint is the step before the end (none is written at the end).
  t.deepEqual(await ckpts({ checkpointEvery: 0, checkpointSeconds: 1e-9 }), ['ckpt-000000011']);
  t.deepEqual(await ckpts({ checkpointEvery: 5, checkpointSeconds: 0 }), ['ckpt-000000010']);
  t.deepEqual(await ckpts({ checkpointEvery: 0, checkpointSeconds: 0 }), []);
});
