// Bad input gets a clear error naming the flag, stage, key or value, a non-zero exit, and deletes nothing.
import test from 'ava';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, TOY, toyProject } from '../helpers/toy-project.ts';

async function artifactCount(dir: string): Promise<number> {
  let n = 0;
  for (const stage of await readdir(join(dir, 'artifacts')))
    if (!stage.startsWith('.')) n += (await readdir(join(dir, 'artifacts', stage))).length;
  return n;
}

const cases: [string, string[], RegExp][] = [
  [
    'unknown stage',
    ['run', ...TOY, '--stage', 'nope'],
    /--stage: unknown stage "nope" \(this pipeline has: source, scale, side, collect\)/,
  ],
  ['unknown --set stage', ['run', ...TOY, '--set', 'nope.x=1'], /--set: unknown stage "nope"/],
  [
    'unknown param',
    ['run', ...TOY, '--set', 'scale.nope=1'],
    /unknown param scale\.nope \(stage "scale" has: factor, sleepMs, fail, seed\)/,
  ],
  ['wrong type', ['run', ...TOY, '--set', 'scale.factor=abc'], /invalid param scale\.factor \(got "abc"\): .*number/],
  ['out of range', ['run', ...TOY, '--set', 'scale.factor=1000'], /invalid param scale\.factor \(got 1000\): .*100/],
  ['malformed --set', ['run', ...TOY, '--set', 'factor'], /--set factor: expected <stage>\.<param>=<value>/],
  ['malformed --sweep', ['run', ...TOY, '--sweep', 'scale.factor'], /--sweep scale\.factor: expected/],
  ['bad --jobs', ['run', ...TOY, '--jobs', '0'], /--jobs 0: expected a positive integer/],
  [
    'unknown pipeline',
    ['run', '--pipeline', 'nothere'],
    /--pipeline nothere: no pipeline module at .*pipelines\/nothere\.ts/,
  ],
  ['explain unknown', ['explain', 'nope', ...TOY], /explain: unknown stage "nope"/],
];

test('bad input: clear errors, exit 2, nothing deleted', async (t) => {
  const dir = await toyProject();
  t.is((await cli(dir, ['run', ...TOY])).code, 0);
  const before = await artifactCount(dir);
  for (const [name, args, message] of cases) {
    const result = await cli(dir, args);
    t.is(result.code, 2, `${name}: ${result.stdout}${result.stderr}`);
    t.regex(result.stderr, message, name);
    t.notRegex(result.stderr, /internal error|at .*\.ts:\d+/, `${name} prints no stack trace`);
  }
  t.is(await artifactCount(dir), before);
});

test('--only fails clearly when its inputs are not cached', async (t) => {
  const dir = await toyProject();
  const result = await cli(dir, ['run', ...TOY, '--only', 'collect']);
  t.is(result.code, 2);
  t.regex(
    result.stderr,
    /--only collect: input "parts" needs scale \(fingerprint [0-9a-f]+\), which is not in the store/,
  );
  t.regex(result.stderr, /--stage scale/);
  t.is((await cli(dir, ['run', ...TOY, '--stage', 'scale'])).code, 0);
  const only = await cli(dir, ['run', ...TOY, '--only', 'collect']);
  t.is(only.code, 0, only.stderr);
  t.regex(only.stdout, /✔ collect done/);
  t.notRegex(only.stdout, /source|scale/);
});

test('a cyclic graph is refused with the cycle named', async (t) => {
  const dir = await toyProject();
  const engine = JSON.stringify(join(process.cwd(), 'pipelines/engine/index.ts'));
  await writeFile(
    join(dir, 'pipelines/cyclic.ts'),
    `import { definePipeline } from ${engine};
import { scaleStage } from '../stages/scale/index.ts';
export default definePipeline({ name: 'cyclic', description: '', nodes: {
  a: { stage: scaleStage, inputs: { lines: 'c' } },
  b: { stage: scaleStage, inputs: { lines: 'a' } },
  c: { stage: scaleStage, inputs: { lines: 'b' } },
} });\n`,
  );
  for (const verb of ['run', 'status', 'dag']) {
    const result = await cli(dir, [verb, '--pipeline', 'pipelines/cyclic.ts']);
    t.is(result.code, 2, verb);
    t.regex(result.stderr, /pipeline "cyclic" has a cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/, verb);
  }
});

test('declared outputs: a wiring to a node that lacks them fails at plan time; an output a stage did not write fails its commit', async (t) => {
  const dir = await toyProject();
  const engine = JSON.stringify(join(process.cwd(), 'pipelines/engine/index.ts'));
  // collect reads scale's "scaled" output; source declares only "lines".
  await writeFile(
    join(dir, 'pipelines/miswired.ts'),
    `import { definePipeline } from ${engine};
import { sourceStage } from '../stages/source/index.ts';
import { collectStage } from '../stages/collect/index.ts';
export default definePipeline({ name: 'miswired', description: '', nodes: {
  source: { stage: sourceStage },
  collect: { stage: collectStage, inputs: { parts: { from: 'source', all: true } } },
} });\n`,
  );
  for (const verb of ['run', 'status']) {
    const result = await cli(dir, [verb, '--pipeline', 'pipelines/miswired.ts']);
    t.is(result.code, 2, verb);
    t.regex(
      result.stderr,
      /node collect input "parts" is wired to node source; it needs output "scaled" \(scaled\.txt\) of stage "scale", but stage "source" declares outputs lines/,
      verb,
    );
  }
  t.false((await readdir(dir)).includes('artifacts'), 'nothing ran');

  // A stage that declares a file it never writes.
  await writeFile(
    join(dir, 'pipelines/forgetful.ts'),
    `import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { declareOutputs, definePipeline, defineStage } from ${engine};
const OUT = declareOutputs('forgetful', { kept: { path: 'kept.txt', kind: 'text', description: '' }, lost: { path: 'lost.json', kind: 'json', description: '' } });
const forgetful = defineStage({ name: 'forgetful', version: 1, description: '', params: z.object({}), outputs: OUT, sourceDir: new URL('.', import.meta.url),
  async run(ctx) { await writeFile(join(ctx.outDir, OUT.kept.path), 'x'); return {}; } });
export default definePipeline({ name: 'forgetful', description: '', nodes: { forgetful: { stage: forgetful } } });\n`,
  );
  const result = await cli(dir, ['run', '--pipeline', 'pipelines/forgetful.ts']);
  t.is(result.code, 1);
  t.regex(
    result.stdout + result.stderr,
    /stage forgetful did not write its declared outputs: "lost" \(lost\.json\) was not written/,
  );
  t.deepEqual(
    await readdir(join(dir, 'artifacts')).then((names) => names.filter((n) => !n.startsWith('.'))),
    [],
    'no artifact committed',
  );
});

test('a failing stage stops new work, keeps finished artifacts, and --keep-going runs the rest', async (t) => {
  const dir = await toyProject();
  const failed = await cli(dir, ['run', ...TOY, '--set', 'scale.fail=true']);
  t.is(failed.code, 1);
  t.regex(failed.stdout, /✖ scale FAILED in [\d.]+s: scale was asked to fail/);
  t.regex(failed.stdout, /1 ran, 0 cached, 1 failed, 2 skipped/);
  const keepGoing = await cli(dir, ['run', ...TOY, '--set', 'scale.fail=true', '--keep-going']);
  t.is(keepGoing.code, 1);
  t.regex(keepGoing.stdout, /• source cached/);
  t.regex(keepGoing.stdout, /✔ side done/);
  t.regex(keepGoing.stdout, /- collect skipped: upstream scale did not complete/);
  const fixed = await cli(dir, ['run', ...TOY]);
  t.is(fixed.code, 0);
  t.regex(fixed.stdout, /1 cached|2 cached/);
});
