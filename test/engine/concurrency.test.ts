// Two `pipeline` processes on one store: no corruption, and each ends with a clear outcome.
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, TOY, toyProject } from '../helpers/toy-project.ts';

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The first run is held inside its `scale` stage (so it certainly holds the store lock) until release(). */
async function heldRun(dir: string, args: string[]) {
  const tmp = await mkdtemp(join(tmpdir(), 'hxlr-hold-'));
  const marker = join(tmp, 'started');
  const hold = join(tmp, 'release');
  const done = cli(dir, args, { env: { HXLR_TEST_MARKER: marker, HXLR_TEST_HOLD: hold } });
  await until(() => existsSync(marker), 'the first run to enter its stage');
  return { done, release: () => writeFile(hold, '') };
}

test('a second concurrent run exits with a clear message (exit 75) while the first completes', async (t) => {
  const dir = await toyProject();
  const args = ['run', ...TOY];
  const first = await heldRun(dir, args);
  const second = await cli(dir, args);
  await first.release();
  t.is(second.code, 75, second.stdout + second.stderr);
  t.regex(
    second.stderr,
    /artifact store .* is in use by another pipeline run \(pid \d+ on .*: run --pipeline pipelines\/toy\.ts\)/,
  );
  t.regex(second.stderr, /--wait/);
  const done = await first.done;
  t.is(done.code, 0, done.stdout + done.stderr);
  t.is((await cli(dir, ['verify'])).code, 0);
});

test('with --wait both runs succeed, the second from cache', async (t) => {
  const dir = await toyProject();
  const args = ['run', ...TOY, '--wait'];
  const first = await heldRun(dir, args);
  let waiting = false;
  const second = cli(dir, args, {
    onSpawn: (child) =>
      child.stdout?.on(
        'data',
        (d: Buffer) => (waiting ||= d.toString().includes('waiting for another pipeline run to finish')),
      ),
  });
  await until(() => waiting, 'the second run to report that it waits');
  await first.release();
  const [a, b] = [await first.done, await second];
  t.is(a.code, 0, a.stdout + a.stderr);
  t.is(b.code, 0, b.stdout + b.stderr);
  t.regex(b.stdout, /Everything up to date/);
  const verify = await cli(dir, ['verify']);
  t.regex(verify.stdout, /All 4 artifacts match/);
});
