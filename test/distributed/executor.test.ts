// The BullMQ executor against a real redis-server and real worker processes: the same fingerprints and bytes as
// the local executor, progress and warnings from a worker on the coordinator's display and in log.ndjson, and a
// worker whose checkout differs refusing the job with the reason.
import test from 'ava';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, toyProject, TOY } from '../helpers/toy-project.ts';
import { startRedis, startWorkerProcess } from '../helpers/redis.ts';
import { builtArtifacts } from '../helpers/artifacts.ts';

test('two workers build the toy grid with the fingerprints and file digests of a local run', async (t) => {
  const redis = await startRedis();
  const [local, distributed] = await Promise.all([toyProject(), toyProject()]);
  const grid = ['--sweep', 'scale.factor=2,3,4,5', '--set', 'scale.sleepMs=400'];
  const reference = await cli(local, ['run', ...TOY, ...grid, '--jobs', '2']);
  t.is(reference.code, 0, reference.stdout + reference.stderr);

  const workers = [startWorkerProcess(distributed, redis.url), startWorkerProcess(distributed, redis.url)];
  try {
    await Promise.all(workers.map((w) => w.waitFor(/1 at a time/)));
    const run = await cli(distributed, ['run', ...TOY, ...grid, '--executor', 'bullmq', '--redis', redis.url]);
    t.is(run.code, 0, run.stdout + run.stderr);
    t.regex(run.stdout, /6 ran, 1 cached, 0 failed, 0 skipped/);
    const [ours, theirs] = [await builtArtifacts(distributed, 'toy'), await builtArtifacts(local, 'toy')];
    t.deepEqual(ours.fingerprints, theirs.fingerprints);
    t.deepEqual(ours.files, theirs.files);
    for (const w of workers) t.regex(w.output(), /✔ scale\[factor=\d\] done/, 'both workers built some of the grid');
    t.is((await cli(distributed, ['verify'])).code, 0);

    const again = await cli(distributed, ['run', ...TOY, ...grid, '--executor', 'bullmq', '--redis', redis.url]);
    t.regex(again.stdout, /Everything up to date: 7 stages cached/);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.kill();
  }
});

test("a worker's progress and warnings reach the coordinator's display and the artifact's log.ndjson", async (t) => {
  const redis = await startRedis();
  const dir = await toyProject();
  const worker = startWorkerProcess(dir, redis.url);
  try {
    await worker.waitFor(/at a time/);
    const run = await cli(dir, [
      'run',
      '--pipeline',
      'pipelines/chatty.ts',
      '--executor',
      'bullmq',
      '--redis',
      redis.url,
    ]);
    t.is(run.code, 0, run.stdout + run.stderr);
    t.regex(run.stdout, /chatty 100% \(4\/4\) step 4/);
    t.regex(run.stdout, /chatty warn: chatty warning from chatty/);
    const [fp] = await readdir(join(dir, 'artifacts/chatty'));
    const lines = (await readFile(join(dir, 'artifacts/chatty', fp, 'log.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.true(lines.some((l) => l.level === 40 && l.msg === 'chatty warning from chatty'));
    const start = lines.find((l) => l.msg === 'start chatty');
    t.is(start.pid, worker.child.pid, 'the worker process built it');
  } finally {
    await worker.stop();
    await redis.kill();
  }
});

test('a worker whose checkout plans another fingerprint refuses the job and says which field differs', async (t) => {
  const redis = await startRedis();
  const [coordinatorRoot, workerRoot] = await Promise.all([toyProject(), toyProject()]);
  await writeFile(join(workerRoot, 'data/input.txt'), 'not\nthe\nsame\ndata\n');
  const store = await mkdtemp(join(tmpdir(), 'hxlr-shared-store-'));
  const worker = startWorkerProcess(workerRoot, redis.url, [], { HXLR_STORE: store });
  try {
    await worker.waitFor(/at a time/);
    const run = await cli(coordinatorRoot, ['run', ...TOY, '--executor', 'bullmq', '--redis', redis.url], {
      env: { HXLR_STORE: store },
    });
    t.is(run.code, 1, run.stdout + run.stderr);
    t.regex(
      run.stdout,
      /✖ source FAILED.*fingerprint mismatch for source: the coordinator asked for [0-9a-f]{20}, this worker .* plans [0-9a-f]{20} \(files changed: data\/input\.txt\)/,
    );
    t.regex(run.stdout, /0 ran, 0 cached, 1 failed, 3 skipped/);
    t.regex(run.stdout, /source failed:\n.*fingerprint mismatch[^]*\(on a worker; job source-[0-9a-f]{20}\)/);
    t.deepEqual(await readdir(store).then((names) => names.filter((n) => !n.startsWith('.'))), [], 'nothing was built');
  } finally {
    await worker.stop();
    await redis.kill();
  }
});
