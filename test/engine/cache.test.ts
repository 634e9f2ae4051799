// Hit / miss behaviour of the cache through the real CLI: what reruns after each kind of change.
import test from 'ava';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, TOY, toyProject } from '../helpers/toy-project.ts';

const ran = (stdout: string): string[] => [...stdout.matchAll(/✔ (\S+) done/g)].map((m) => m[1]).sort();

test('an unchanged rerun runs nothing and says so', async (t) => {
  const dir = await toyProject();
  const first = await cli(dir, ['run', ...TOY]);
  t.is(first.code, 0, first.stderr);
  t.deepEqual(ran(first.stdout), ['collect', 'scale', 'side', 'source']);
  const second = await cli(dir, ['run', ...TOY]);
  t.is(second.code, 0);
  t.deepEqual(ran(second.stdout), []);
  t.regex(second.stdout, /Everything up to date: 4 stages cached, nothing to do \(engine \d+ ms\)/);
});

test('a param change reruns that stage and its downstream only', async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  const status = await cli(dir, ['status', ...TOY, '--set', 'scale.factor=5']);
  t.regex(status.stdout, /scale\s+stale \(params changed: scale\.factor 2 → 5\)/);
  t.regex(status.stdout, /collect\s+stale \(input changed: parts\)/);
  t.regex(status.stdout, /side\s+fresh/);
  const rerun = await cli(dir, ['run', ...TOY, '--set', 'scale.factor=5']);
  t.deepEqual(ran(rerun.stdout), ['collect', 'scale']);
  const lock = JSON.parse(await readFile(join(dir, 'hybrid-xlr.lock.json'), 'utf8'));
  t.is(lock.pipelines.toy.nodes.scale.record.params.factor, 5);
});

test('a runtime param (how a run goes, not what it outputs) stays out of the fingerprint', async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  const status = await cli(dir, ['status', ...TOY, '--set', 'scale.sleepMs=5']);
  t.regex(status.stdout, /scale\s+fresh/);
  const rerun = await cli(dir, ['run', ...TOY, '--set', 'scale.sleepMs=5']);
  t.deepEqual(ran(rerun.stdout), []);
  const lock = JSON.parse(await readFile(join(dir, 'hybrid-xlr.lock.json'), 'utf8'));
  t.false('sleepMs' in lock.pipelines.toy.nodes.scale.record.params);
});

test("a change in a stage's source folder reruns it and its downstream", async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  await appendFile(join(dir, 'stages/scale/index.ts'), '\n// an edit\n');
  const status = await cli(dir, ['status', ...TOY]);
  t.regex(status.stdout, /scale\s+stale \(code changed: stages\/scale\/\)/);
  const rerun = await cli(dir, ['run', ...TOY]);
  t.deepEqual(ran(rerun.stdout), ['collect', 'scale', 'side']);
});

test("a stage's README is documentation, not code: editing it reruns nothing", async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  await writeFile(join(dir, 'stages/scale/README.md'), '# scale\n\nRepeats lines.\n');
  const rerun = await cli(dir, ['run', ...TOY]);
  t.deepEqual(ran(rerun.stdout), []);
});

test('a data file change propagates downstream', async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  await writeFile(join(dir, 'data/input.txt'), 'delta\n');
  const status = await cli(dir, ['status', ...TOY]);
  t.regex(status.stdout, /source\s+stale \(files changed: data\/input\.txt\)/);
  t.regex(status.stdout, /scale\s+stale \(input changed: lines\)/);
  const rerun = await cli(dir, ['run', ...TOY]);
  t.deepEqual(ran(rerun.stdout), ['collect', 'scale', 'side', 'source']);
  const source = (await readdir(join(dir, 'artifacts/source'))).length;
  t.is(source, 2, 'the old artifact stays cached beside the new one');
});

test('sweep branches are cached independently and fan in', async (t) => {
  const dir = await toyProject();
  const first = await cli(dir, ['run', ...TOY, '--sweep', 'scale.factor=1,2,5', '--jobs', '2']);
  t.is(first.code, 0, first.stdout + first.stderr);
  t.deepEqual(ran(first.stdout), [
    'collect',
    'scale[factor=1]',
    'scale[factor=2]',
    'scale[factor=5]',
    'side',
    'source',
  ]);
  const collected = await readdir(join(dir, 'artifacts/collect'));
  const all = await readFile(join(dir, 'artifacts/collect', collected[0], 'all.txt'), 'utf8');
  t.deepEqual(all.split('\n'), ['scale[factor=1]:3', 'scale[factor=2]:6', 'scale[factor=5]:15']);
  // factor=2 is the default: the unswept run shares its artifact.
  const plain = await cli(dir, ['run', ...TOY]);
  t.deepEqual(ran(plain.stdout), ['collect']);
  const second = await cli(dir, ['run', ...TOY, '--sweep', 'scale.factor=2,5,4']);
  t.deepEqual(ran(second.stdout), ['collect', 'scale[factor=4]']);
});

test('--sweep over two params is cartesian', async (t) => {
  const dir = await toyProject();
  const dry = await cli(dir, ['run', ...TOY, '--sweep', 'scale.factor=1,2', '--sweep', 'scale.seed=7,8', '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  for (const id of [
    'scale[factor=1,seed=7]',
    'scale[factor=1,seed=8]',
    'scale[factor=2,seed=7]',
    'scale[factor=2,seed=8]',
  ]) {
    t.true(dry.stdout.includes(`  ${id}  (never run)`), id);
  }
  t.false(dry.stdout.includes('✔'), 'a dry run runs nothing');
});

test('--force reruns a cached stage in place; downstream stays cached', async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  const forced = await cli(dir, ['run', ...TOY, '--force', 'scale']);
  t.is(forced.code, 0, forced.stderr);
  t.deepEqual(ran(forced.stdout), ['scale']);
  t.is((await readdir(join(dir, 'artifacts/scale'))).length, 2, 'same fingerprint: replaced, not duplicated');
  const dry = await cli(dir, ['run', ...TOY, '--force', 'side', '--dry-run']);
  t.regex(dry.stdout, /Would run 1:\n {2}side {2}\(forced\)/);
  t.is((await cli(dir, ['verify'])).code, 0);
});

test('two instances with one fingerprint build it once, even in parallel', async (t) => {
  const dir = await toyProject();
  // side has factor 3, so scale[factor=3] has the same fingerprint: one of them must wait and reuse.
  const result = await cli(dir, [
    'run',
    ...TOY,
    '--sweep',
    'scale.factor=3',
    '--jobs',
    '4',
    '--set',
    'scale.sleepMs=300',
    '--set',
    'side.sleepMs=300',
  ]);
  t.is(result.code, 0, result.stdout + result.stderr);
  t.is(ran(result.stdout).filter((id) => id === 'side' || id === 'scale[factor=3]').length, 1);
  t.regex(result.stdout, /• (side|scale\[factor=3\]) cached/);
});
