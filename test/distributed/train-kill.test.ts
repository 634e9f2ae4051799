// A worker SIGKILLed in the middle of a real training job: BullMQ's stalled-job recovery hands the job to another
// worker, which takes over the dead worker's build lock, resumes from the training checkpoint, and commits the
// same bytes a local run produces.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtArtifacts } from '../helpers/artifacts.ts';
import { startRedis, startWorkerProcess } from '../helpers/redis.ts';
import { cli, repoRoot } from '../helpers/toy-project.ts';

const PIPELINE = ['--pipeline', fileURLToPath(new URL('./fixtures/train.ts', import.meta.url))];
// Small BullMQ lock and stall check, so the dead worker's job is handed on within seconds.
const FAST = ['--lock-duration', '2000', '--stalled-interval', '1000'];

async function projectRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-dist-train-'));
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function checkpointed(store: string): boolean {
  const root = join(store, '.checkpoints');
  const runs = (() => {
    try {
      return readdirSync(root).filter((n) => n.startsWith('train-'));
    } catch {
      return [];
    }
  })();
  return runs.some((run) => readdirSync(join(root, run)).some((n) => /^ckpt-\d+$/.test(n)));
}

test('a worker killed mid-training: another worker resumes the job from its checkpoint; bytes equal a local run', async (t) => {
  const redis = await startRedis();
  const [local, shared] = await Promise.all([projectRoot(), projectRoot()]);
  const first = startWorkerProcess(shared, redis.url, FAST);
  let second: ReturnType<typeof startWorkerProcess> | undefined;
  try {
    await first.waitFor(/at a time/);
    const run = cli(shared, ['run', ...PIPELINE, '--executor', 'bullmq', '--redis', redis.url], {
      timeoutMs: 170_000,
      env: { HXLR_POLL_MS: '500' },
    });
    const deadline = Date.now() + 120_000;
    while (!checkpointed(join(shared, 'artifacts'))) {
      if (Date.now() > deadline) throw new Error(`no training checkpoint appeared; worker said:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    t.is((await first.exited).signal, 'SIGKILL');
    t.notRegex(first.output(), /✔ train/, 'killed before it finished');
    second = startWorkerProcess(shared, redis.url, FAST);

    const result = await run;
    t.is(result.code, 0, `${result.stdout}${result.stderr}\nsecond worker:\n${second.output()}`);
    t.regex(second.output(), /▶ train \(job train-[0-9a-f]{20}/);
    t.regex(second.output(), /✔ train done/);
    t.regex(
      result.stdout,
      new RegExp(`train warn: took over the build lock of a dead builder \\(pid ${first.child.pid} on `),
    );

    const reference = await cli(local, ['run', ...PIPELINE], { timeoutMs: 120_000 });
    t.is(reference.code, 0, reference.stdout + reference.stderr);
    const [ours, theirs] = [
      await builtArtifacts(shared, 'distributed-train'),
      await builtArtifacts(local, 'distributed-train'),
    ];
    t.deepEqual(ours.fingerprints, theirs.fingerprints);
    // curve.* carries wall-clock throughput, the one column that differs between runs; everything else is equal.
    const data = (b: typeof ours) =>
      Object.fromEntries(
        Object.entries(b.files).map(([id, files]) => [id, files.filter((f) => !f.path.startsWith('curve.'))]),
      );
    t.deepEqual(data(ours), data(theirs));
    t.true(
      ours.files.train.some((f) => f.path.startsWith('model/')),
      'the model files are among those compared',
    );
    const resumed = (ours.summaries.train as { resumedFromStep: number }).resumedFromStep;
    t.true(resumed >= 10 && resumed % 10 === 0, `resumed from step ${resumed}`);
    t.is((theirs.summaries.train as { resumedFromStep: number }).resumedFromStep, 0);
  } finally {
    await second?.stop();
    await first.stop();
    await redis.kill();
  }
});
