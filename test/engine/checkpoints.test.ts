// The checkpoint folder a stage gets: the same for every run with one fingerprint, kept when a run fails so the
// next run resumes from it, removed once the artifact is committed.
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { gc, openProject, runPipeline } from '../../pipelines/engine/operations.ts';
import { definePipeline } from '../../pipelines/engine/pipeline.ts';
import { PlainReporter } from '../../pipelines/engine/reporter.ts';
import { defineStage } from '../../pipelines/engine/stage.ts';

/** A stage that counts its attempts in the checkpoint folder and fails until `attempts` is reached. */
const stage = defineStage({
  name: 'resumable',
  version: 1,
  description: 'fails until its checkpoint says it has tried enough',
  params: z.object({ attempts: z.number().int().default(2) }),
  sourceDir: new URL('.', import.meta.url),
  async run(ctx) {
    await mkdir(ctx.checkpointDir, { recursive: true });
    const file = join(ctx.checkpointDir, 'tries');
    const tries = existsSync(file) ? Number(await readFile(file, 'utf8')) + 1 : 1;
    await writeFile(file, String(tries));
    if (tries < ctx.params.attempts) throw new Error(`attempt ${tries} fails on purpose`);
    await writeFile(join(ctx.outDir, 'out.txt'), `done after ${tries}`);
    return { tries, checkpointDir: ctx.checkpointDir };
  },
});

const def = definePipeline({ name: 'resume', description: '', nodes: { r: { stage } } });
const quiet = new PlainReporter({ write: () => true });

test('a failed run leaves its checkpoints; the next run resumes from them; a commit removes them', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'hxlr-ckpt-'));
  const project = openProject(root);
  const first = await runPipeline(project, def, { reporter: quiet });
  t.not(first.exitCode, 0);
  const [left] = await project.store.listCheckpoints();
  t.regex(left, /^resumable-/);
  t.is(await readFile(join(project.store.root, '.checkpoints', left, 'tries'), 'utf8'), '1');

  const second = await runPipeline(project, def, { reporter: quiet });
  t.is(second.exitCode, 0);
  const [fingerprint] = left.split('-').slice(1);
  t.is(await readFile(join(project.store.root, 'resumable', fingerprint, 'out.txt'), 'utf8'), 'done after 2');
  t.deepEqual(await project.store.listCheckpoints(), [], 'committed: the checkpoints are gone');
});

test('gc keeps checkpoints unless asked, since they are what a killed run resumes from', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'hxlr-ckpt-'));
  const project = openProject(root);
  const failed = await runPipeline(project, def, { reporter: quiet, overrides: { r: { attempts: 5 } } });
  t.not(failed.exitCode, 0);
  t.is((await gc(project)).checkpoints, 0);
  t.is((await project.store.listCheckpoints()).length, 1);
  t.is((await gc(project, { checkpoints: true, dryRun: true })).checkpoints, 1);
  t.is((await project.store.listCheckpoints()).length, 1);
  t.is((await gc(project, { checkpoints: true })).checkpoints, 1);
  t.deepEqual(await project.store.listCheckpoints(), []);
});
