// The per-artifact build lock: one holder per key, independent keys in one process, a dead holder taken over, and
// the staging folder of a live build left alone by the store's cleanup.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireBuildLock, isBuildLocked } from '../../pipelines/engine/build-lock.ts';
import { LocalStore } from '../../pipelines/engine/store.ts';

test('one holder per key; other keys in the same process are independent; release hands it on', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'hxlr-build-lock-'));
  const a = await acquireBuildLock(root, 'scale-aaaaaaaaaaaaaaaaaaaa');
  const b = await acquireBuildLock(root, 'scale-bbbbbbbbbbbbbbbbbbbb');
  let waited = '';
  let second = false;
  const next = acquireBuildLock(root, 'scale-aaaaaaaaaaaaaaaaaaaa', { onWait: (holder) => (waited = holder) }).then(
    (lock) => ((second = true), lock),
  );
  await new Promise((r) => setTimeout(r, 500));
  t.false(second, 'the second holder of one key waits');
  t.regex(waited, new RegExp(`pid ${process.pid} on `));
  await b.release(); // releasing another key must not release this one
  await new Promise((r) => setTimeout(r, 500));
  t.false(second);
  t.true(await isBuildLocked(root, 'scale-aaaaaaaaaaaaaaaaaaaa'));
  t.false(await isBuildLocked(root, 'scale-bbbbbbbbbbbbbbbbbbbb'));
  await a.release();
  const c = await next;
  t.true(second);
  await c.release();
  t.false(await isBuildLocked(root, 'scale-aaaaaaaaaaaaaaaaaaaa'));
});

test("a dead holder's lock is taken over, and cleanup removes only staging folders no live build owns", async (t) => {
  const store = new LocalStore(await mkdtemp(join(tmpdir(), 'hxlr-build-lock-')));
  const key = 'train-cccccccccccccccccccc';
  // A child takes the lock and is SIGKILLed while holding it.
  const moduleUrl = new URL('../../pipelines/engine/build-lock.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { acquireBuildLock } = await import(${JSON.stringify(moduleUrl)}); await acquireBuildLock(${JSON.stringify(store.root)}, '${key}'); console.log('held'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()),
  );
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));

  const dead = join(store.root, '.tmp', `${key}-999999-0badf00d`);
  const live = join(store.root, '.tmp', 'scale-dddddddddddddddddddd-1-0badf00d');
  await mkdir(dead, { recursive: true });
  await mkdir(live, { recursive: true });
  await writeFile(join(live, 'partial.txt'), 'being written');
  const holder = await store.lockBuild('scale', 'dddddddddddddddddddd');
  t.is(await store.cleanup(), 1);
  t.deepEqual(
    await readdir(join(store.root, '.tmp')),
    ['scale-dddddddddddddddddddd-1-0badf00d'],
    "the live build's staging folder stays",
  );
  await holder.release();

  const taken = await store.lockBuild('train', 'cccccccccccccccccccc');
  t.is(taken.recoveredFrom?.pid, child.pid, 'taken over from the killed holder at once, by its dead pid');
  await taken.release();
});
