// status, explain, dag, gc and verify on a small graph, through the real CLI.
import test from 'ava';
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expand } from '../../pipelines/engine/expand.ts';
import { definePipeline, type StageDef } from '../../pipelines/engine/index.ts';
import { cli, TOY, toyProject } from '../helpers/toy-project.ts';

/** The toy project's stages, loaded from a fresh copy (their engine import points at this repo's engine). */
async function toyStages(): Promise<{ annotate: StageDef; source: StageDef }> {
  const dir = await toyProject();
  const load = async (name: string) => import(pathToFileURL(join(dir, 'stages', name, 'index.ts')).href);
  return { annotate: (await load('annotate')).annotateStage, source: (await load('source')).sourceStage };
}

test('status before and after a run', async (t) => {
  const dir = await toyProject();
  const before = await cli(dir, ['status', ...TOY]);
  t.is(before.code, 0);
  t.is(before.stdout, 'source   never run\nscale    never run\nside     never run\ncollect  never run\n');
  await cli(dir, ['run', ...TOY]);
  const after = await cli(dir, ['status', ...TOY]);
  t.is(after.stdout, 'source   fresh\nscale    fresh\nside     fresh\ncollect  fresh\n');
});

test('explain prints the whole record and its diff against the last run', async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY]);
  const same = await cli(dir, ['explain', 'scale', ...TOY]);
  t.regex(same.stdout, /^scale\n  fingerprint [0-9a-f]{20} \(cached at .*artifacts\/scale\/[0-9a-f]{20}\)/);
  for (const field of ['format', 'stage', 'version', 'code', 'params', 'seed', 'inputs', 'files', 'env'])
    t.regex(same.stdout, new RegExp(`\\n  ${field} +\\S`), field);
  t.regex(same.stdout, /params   \{"factor":2,"fail":false\}/);
  t.regex(same.stdout, /identical record/);
  await appendFile(join(dir, 'stages/scale/index.ts'), '\n// edit\n');
  const changed = await cli(dir, ['explain', 'scale', ...TOY, '--set', 'scale.factor=3', '--set', 'scale.seed=9']);
  t.regex(changed.stdout, /not in the store/);
  t.regex(changed.stdout, /- params changed: scale\.factor 2 → 3/);
  t.regex(changed.stdout, /- seed changed: 0 → 9/);
  t.regex(changed.stdout, /- code changed: stages\/scale\//);
  const json = JSON.parse((await cli(dir, ['explain', 'scale', ...TOY, '--json'])).stdout);
  t.is(json[0].record.stage, 'scale');
});

test('dag prints text and a Mermaid block, with sweep fan-out', async (t) => {
  const dir = await toyProject();
  const dag = await cli(dir, ['dag', ...TOY, '--sweep', 'scale.factor=1,2,3']);
  t.is(dag.code, 0);
  t.is(
    dag.stdout,
    [
      'source [source]',
      'scale [scale] ×3 branches  lines ← source',
      'side [scale]  lines ← source',
      'collect [collect]  parts ← scale (all branches)',
      '',
      '```mermaid',
      'flowchart LR',
      '  source["source"]',
      '  scale["scale<br/>×3"]',
      '  side["side"]',
      '  collect["collect"]',
      '  source -->|lines| scale',
      '  source -->|lines| side',
      '  scale ==>|parts| collect',
      '```',
      '',
    ].join('\n'),
  );
});

test('gc removes what the lock file no longer references; verify catches edited files', async (t) => {
  const dir = await toyProject();
  await cli(dir, ['run', ...TOY, '--sweep', 'scale.factor=1,4']);
  await cli(dir, ['run', ...TOY]);
  const dry = await cli(dir, ['gc', '--dry-run']);
  t.regex(dry.stdout, /would remove scale\/[0-9a-f]{20} .*not in the lock file/);
  t.regex(dry.stdout, /Would free .* in 3 artifacts; kept 4\./);
  t.is((await readdir(join(dir, 'artifacts/scale'))).length, 4, 'dry run deletes nothing');
  const gc = await cli(dir, ['gc']);
  t.regex(gc.stdout, /Freed .* in 3 artifacts; kept 4\./);
  t.is((await readdir(join(dir, 'artifacts/scale'))).length, 2);
  t.regex((await cli(dir, ['run', ...TOY])).stdout, /Everything up to date/);

  const ok = await cli(dir, ['verify']);
  t.is(ok.code, 0);
  t.regex(ok.stdout, /All 4 artifacts match their manifests/);
  const [fp] = await readdir(join(dir, 'artifacts/source'));
  await writeFile(join(dir, 'artifacts/source', fp, 'lines.txt'), 'tampered');
  const bad = await cli(dir, ['verify']);
  t.is(bad.code, 1);
  t.regex(bad.stdout, new RegExp(`source/${fp}: lines\\.txt: size \\d+ ≠ manifest \\d+`));
});

test('profiles: the default one runs, --profile picks another, an unknown one is a usage error; the summary is printed', async (t) => {
  const dir = await toyProject();
  const PROFILED = ['--pipeline', 'pipelines/profiled.ts'];
  const quick = await cli(dir, ['run', ...PROFILED]);
  t.is(quick.code, 0, quick.stderr);
  t.regex(quick.stdout, /4 ran, 0 cached/);
  t.regex(quick.stdout, /\nscale\[factor=2\]:\d+\nscale\[factor=4\]:\d+\n\n\(all\.txt of collect\/[0-9a-f]+\)\n$/);
  const full = await cli(dir, ['run', ...PROFILED, '--profile', 'full']);
  t.is(full.code, 0, full.stderr);
  // Factors 2 and 4 with seed 0 are the quick profile's artifacts: cached.
  t.regex(full.stdout, /5 ran, 3 cached/);
  t.is(full.stdout.match(/^scale\[/gm)?.length, 6);
  const dag = await cli(dir, ['dag', ...PROFILED, '--profile', 'full']);
  t.regex(dag.stdout, /scale \[scale\] ×6 branches/);
  const bad = await cli(dir, ['run', ...PROFILED, '--profile', 'huge']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--profile huge: pipeline "profiled" has profiles quick, full/);
});

test("a summary node fanned out by a sweep prints each instance's summary, headed by its id", async (t) => {
  const dir = await toyProject();
  const one = await cli(dir, ['run', '--pipeline', 'pipelines/summarized.ts']);
  t.is(one.code, 0, one.stderr);
  t.notRegex(one.stdout, /^scale\[/m);
  t.regex(one.stdout, /\(scaled\.txt of scale\/[0-9a-f]+\)\n$/);
  const swept = await cli(dir, ['run', '--pipeline', 'pipelines/summarized.ts', '--sweep', 'scale.factor=2,3']);
  t.is(swept.code, 0, swept.stderr);
  t.regex(
    swept.stdout,
    /\nscale\[factor=2\]:\n\n[^]*\(scaled\.txt of scale\/[0-9a-f]+\)\n\nscale\[factor=3\]:\n\n[^]*\(scaled\.txt of scale\/[0-9a-f]+\)\n$/,
  );
});

test("an optional input may stay unwired (the stage sees no artifact), and the summary's links print as paths", async (t) => {
  const dir = await toyProject();
  const run = await cli(dir, ['run', '--pipeline', 'pipelines/optional.ts']);
  t.is(run.code, 0, run.stderr);
  t.regex(
    run.stdout,
    /\nextra: not in this pipeline\n\n\(note\.txt of annotate\/([0-9a-f]+)\)\npage\.html: artifacts\/annotate\/\1\/page\.html\n$/,
  );
  t.notRegex(run.stdout, /missing\.html/, 'a link the artifact does not have is not printed');
});

test('optional inputs: wired when the pipeline has the node, unknown names still rejected, required ones still required', async (t) => {
  const { annotate, source } = await toyStages();
  const wired = expand(
    definePipeline({
      name: 'w',
      description: '',
      nodes: { source: { stage: source }, annotate: { stage: annotate, inputs: { base: 'source', extra: 'source' } } },
    }),
  );
  t.deepEqual(wired.byNode.get('annotate')![0].inputs, { base: 'source', extra: 'source' });
  t.throws(
    () =>
      expand(
        definePipeline({
          name: 'b',
          description: '',
          nodes: {
            source: { stage: source },
            annotate: { stage: annotate, inputs: { base: 'source', bogus: 'source' } },
          },
        }),
      ),
    {
      message: /wires input "bogus", which stage "annotate" does not declare \(it has: base, extra\)/,
    },
  );
  t.throws(
    () =>
      expand(
        definePipeline({
          name: 'r',
          description: '',
          nodes: { source: { stage: source }, annotate: { stage: annotate, inputs: { extra: 'source' } } },
        }),
      ),
    {
      message: /leaves input "base" of stage "annotate" unwired/,
    },
  );
});
