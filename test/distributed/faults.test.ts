// Faults the distributed executor must survive, with a real redis-server and real processes: a bad or unreachable
// Redis (a clear error within seconds, from the coordinator and from a worker), two coordinators on one store
// and one Redis, and Redis restarted (its data lost) while jobs run.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, toyProject, TOY } from '../helpers/toy-project.ts';
import { freePort, startRedis, startWorkerProcess } from '../helpers/redis.ts';

async function until(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every artifact folder of the store has a manifest that `verify` accepts: nothing half-written counts. */
async function storeIsSound(t: import('ava').ExecutionContext, dir: string): Promise<void> {
  const verify = await cli(dir, ['verify']);
  t.is(verify.code, 0, verify.stdout);
  for (const stage of ['source', 'scale', 'collect']) {
    for (const fp of await readdir(join(dir, 'artifacts', stage)).catch(() => [] as string[])) {
      t.true(existsSync(join(dir, 'artifacts', stage, fp, 'manifest.json')), `${stage}/${fp} has its manifest`);
    }
  }
}

test('a bad or unreachable Redis is a clear error within seconds, for the coordinator and for a worker', async (t) => {
  const dir = await toyProject();
  const bullmq = ['run', ...TOY, '--executor', 'bullmq'];
  const scheme = await cli(dir, [...bullmq, '--redis', 'http://127.0.0.1:6379']);
  t.is(scheme.code, 2);
  t.regex(scheme.stderr, /--redis http:\/\/127\.0\.0\.1:6379: expected a redis:\/\/ or rediss:\/\/ URL/);
  const none = await cli(dir, bullmq, { env: { HXLR_REDIS: '' } });
  t.is(none.code, 2);
  t.regex(none.stderr, /no Redis given; pass --redis redis:\/\/HOST:PORT or set HXLR_REDIS/);

  // Nothing listens on this port: refused at once, and no retrying forever. The child's own limit is the bound.
  const closed = `redis://127.0.0.1:${await freePort()}`;
  const down = await cli(dir, [...bullmq, '--redis', closed], { timeoutMs: 20_000 });
  t.is(down.code, 69, down.stdout + down.stderr);
  t.regex(
    down.stderr,
    /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/?: .*ECONNREFUSED.*Start one \(redis-server --port 6379\) or check --redis/,
  );
  t.false(existsSync(join(dir, 'artifacts/source')), 'nothing ran');

  const worker = startWorkerProcess(dir, closed);
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 20_000);
  const exit = await worker.exited;
  clearTimeout(timer);
  t.is(exit.code, 69, worker.output());
  t.regex(worker.output(), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
});

test('two coordinators on one store and one Redis share the jobs: each artifact built once, both succeed', async (t) => {
  const redis = await startRedis();
  const dir = await toyProject();
  const marker = join(await mkdtemp(join(tmpdir(), 'hxlr-marker-')), 'runs');
  const worker = startWorkerProcess(dir, redis.url, ['--concurrency', '4'], { HXLR_TEST_MARKER: marker });
  try {
    await worker.waitFor(/4 at a time/);
    const args = ['run', ...TOY, '--set', 'scale.sleepMs=1500', '--executor', 'bullmq', '--redis', redis.url];
    const [a, b] = await Promise.all([cli(dir, args), cli(dir, args)]);
    t.is(a.code, 0, a.stdout + a.stderr);
    t.is(b.code, 0, b.stdout + b.stderr);
    const runs = (await readFile(marker, 'utf8')).trim().split('\n').sort();
    t.deepEqual(runs, ['scale', 'side'], 'each scale-stage artifact was built once for both coordinators');
    const lock = JSON.parse(await readFile(join(dir, 'hybrid-xlr.lock.json'), 'utf8'));
    t.deepEqual(Object.keys(lock.pipelines.toy.nodes).sort(), ['collect', 'scale', 'side', 'source']);
    await storeIsSound(t, dir);
  } finally {
    await worker.stop();
    await redis.kill();
  }
});

test('Redis restarted without its data mid-run: coordinator and worker reconnect, the lost jobs are queued again, the run completes', async (t) => {
  const redis = await startRedis();
  const dir = await toyProject();
  const tmp = await mkdtemp(join(tmpdir(), 'hxlr-hold-'));
  const marker = join(tmp, 'started');
  const hold = join(tmp, 'release');
  const env = { HXLR_TEST_MARKER: marker, HXLR_TEST_HOLD: hold };
  const worker = startWorkerProcess(dir, redis.url, ['--concurrency', '2'], env);
  try {
    await worker.waitFor(/2 at a time/);
    const args = ['run', ...TOY, '--executor', 'bullmq', '--redis', redis.url];
    let live = '';
    const run = cli(dir, args, {
      env: { HXLR_POLL_MS: '300' },
      timeoutMs: 120_000,
      onSpawn: (child) => child.stdout?.on('data', (d: Buffer) => (live += d)),
    });
    // Both scale-stage jobs are inside their stage on the worker when Redis goes away with every job it held.
    await until(
      () => existsSync(marker) && readFileSync(marker, 'utf8').trim().split('\n').length === 2,
      'both scale jobs to start',
    );
    // The coordinator does not hold the store lock for its run; its lease keeps gc from collecting what its workers
    // commit before the lock file names it.
    const gc = await cli(dir, ['gc']);
    t.is(gc.code, 75, gc.stdout + gc.stderr);
    t.regex(
      gc.stderr,
      /gc: distributed runs are using the store \(pid \d+ on .*--executor bullmq.*\); run gc after they finish/,
    );
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    // The coordinator notices its jobs are gone and queues them again while the first builds still run: the new
    // jobs wait on the artifacts' build locks, then find them committed.
    await until(
      () => (live.match(/is no longer in Redis .* submitting it again/g) ?? []).length === 2,
      'the coordinator to queue both jobs again',
    );
    await writeFile(hold, '');
    const result = await run;
    t.log(result.stdout);
    t.log(worker.output());
    t.is(result.code, 0, result.stdout + result.stderr);
    // The jobs queued again found the artifacts their first jobs committed: reported as cached, built once.
    t.regex(result.stdout, /2 ran, 2 cached, 0 failed, 0 skipped/);
    t.is(readFileSync(marker, 'utf8').trim().split('\n').length, 2, 'scale and side were each built once');
    await worker.waitFor(/redis: connected again/, 10_000);
    await storeIsSound(t, dir);
    const rerun = await cli(dir, args);
    t.regex(rerun.stdout, /Everything up to date: 4 stages cached/);
    t.is((await cli(dir, ['gc'])).code, 0, 'the run is over: gc may run');
  } finally {
    await worker.stop();
    await redis.kill();
  }
});
