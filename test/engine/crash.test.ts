// Crash safety with real processes: SIGKILL in the middle of a stage never leaves an artifact that counts.
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, TOY, toyProject } from '../helpers/toy-project.ts';

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a run killed with SIGKILL mid-stage leaves no artifact; the rerun completes', async (t) => {
  const dir = await toyProject();
  const marker = join(await mkdtemp(join(tmpdir(), 'hxlr-marker-')), 'started');
  const args = ['run', ...TOY, '--stage', 'scale', '--set', 'scale.sleepMs=2500'];
  const killed = await cli(dir, args, {
    env: { HXLR_TEST_MARKER: marker },
    onSpawn: (child) => {
      waitFor(() => existsSync(marker), 30_000).then(
        () => child.kill('SIGKILL'),
        () => child.kill('SIGKILL'),
      );
    },
  });
  t.is(killed.signal, 'SIGKILL');
  // The half-written output exists only in the staging area, never under artifacts/scale/.
  t.false(existsSync(join(dir, 'artifacts/scale')) && (await readdir(join(dir, 'artifacts/scale'))).length > 0);
  t.true((await readdir(join(dir, 'artifacts/.tmp'))).length > 0, 'the partial staging folder is left for cleanup');
  const status = await cli(dir, ['status', ...TOY, '--set', 'scale.sleepMs=2500']);
  t.regex(status.stdout, /source\s+fresh/);
  t.regex(status.stdout, /scale\s+never run/);

  const rerun = await cli(dir, args);
  t.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  t.regex(rerun.stdout, /recovered the store lock left by a run that died/);
  t.regex(rerun.stdout, /• source cached/);
  t.regex(rerun.stdout, /✔ scale done/);
  const [fp] = await readdir(join(dir, 'artifacts/scale'));
  const scaled = await readFile(join(dir, 'artifacts/scale', fp, 'scaled.txt'), 'utf8');
  t.is(scaled.split('\n').length, 6, 'the committed artifact is the complete one');
  t.deepEqual(await readdir(join(dir, 'artifacts/.tmp')), [], 'staging leftovers are cleaned');
  const verify = await cli(dir, ['verify']);
  t.is(verify.code, 0, verify.stdout);
});

test('a folder without a valid manifest is not an artifact', async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  // Node `scale`'s artifact, not `side`'s (both are scale-stage artifacts): the lock file says which is which.
  const lock = JSON.parse(await readFile(join(dir, 'hybrid-xlr.lock.json'), 'utf8'));
  const fp = lock.pipelines.toy.nodes.scale.fingerprint as string;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'artifacts/scale', fp, 'manifest.json'), '{"format": 1, "trunc');
  const rerun = await cli(dir, ['run', ...TOY]);
  t.is(rerun.code, 0);
  t.regex(rerun.stdout, /✔ scale done/);
  t.regex(rerun.stdout, /• side cached/);
  t.is((await cli(dir, ['verify'])).code, 0);
});
