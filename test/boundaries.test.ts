// The import boundaries hold because a check enforces them, not because a comment describes them: the project's
// own tree passes dependency-cruiser's rules (.dependency-cruiser.cjs), and a tree that breaks each rule once fails
// with that rule's name. Also the public surfaces other code builds on: the engine's index and each stage's index.
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers/toy-project.ts';

const run = promisify(execFile);
const depcruise = join(repoRoot, 'node_modules/.bin/depcruise');

/** The folders `npm run lint:deps` cruises in this repository. */
const CHECKED = ['pipelines', 'stages', 'bench', 'test'];

/** The check as CI runs it (text output, exit code): each violation as "rule: from", in the order printed. */
async function cruise(cwd: string, dirs: readonly string[] = CHECKED): Promise<{ code: number; violations: string[] }> {
  const args = [...dirs, '--config', '.dependency-cruiser.cjs'];
  let code = 0;
  let stdout: string;
  try {
    ({ stdout } = await run(depcruise, args, { cwd, maxBuffer: 64 << 20 }));
  } catch (error) {
    ({ code, stdout } = error as { code: number; stdout: string });
  }
  const violations = [...stdout.matchAll(/^\s*error (\S+): (\S+) →/gm)].map((m) => `${m[1]}: ${m[2]}`);
  return { code, violations };
}

/** A throwaway tree of `files` with the project's rules and tsconfig, cruised over pipelines/ and stages/. */
async function cruiseTree(files: Record<string, string>): Promise<{ code: number; violations: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await copyFile(join(repoRoot, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  await copyFile(join(repoRoot, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  return cruise(dir, ['pipelines', 'stages']);
}

test('lint:deps cruises the folders this test checks', async (t) => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.is(pkg.scripts['lint:deps'], `depcruise ${CHECKED.join(' ')} --config .dependency-cruiser.cjs`);
});

test('the project tree keeps every import boundary', async (t) => {
  const { code, violations } = await cruise(repoRoot);
  t.deepEqual(violations, []);
  t.is(code, 0);
});

test('a deliberate violation of each rule fails the check, named', async (t) => {
  const files: Record<string, string> = {
    'pipelines/engine/index.ts': 'export const engine = 1;\n',
    'pipelines/engine/internal.ts': 'export const internal = 1;\n',
    // The engine reaching into a stage and into a pipeline definition.
    'pipelines/engine/knows-a-stage.ts': "import { a } from '../../stages/a/index.ts';\nexport const x = a;\n",
    'pipelines/engine/knows-a-pipeline.ts': "import { study } from '../study.ts';\nexport const y = study;\n",
    'pipelines/study.ts': "import { a } from '../stages/a/index.ts';\nexport const study = a;\n",
    'stages/a/index.ts': "import { engine } from '../../pipelines/engine/index.ts';\nexport const a = engine;\n",
    'stages/a/internal.ts': 'export const secret = 1;\n',
    // A stage importing another stage's internals, and an engine internal.
    'stages/b/index.ts':
      "import { secret } from '../a/internal.ts';\nimport { internal } from '../../pipelines/engine/internal.ts';\nexport const b = secret + internal;\n",
    // Shared code depending on a stage.
    'stages/common/util.ts': "import { a } from '../a/index.ts';\nexport const util = a;\n",
    // A cycle.
    'stages/c/p.ts': "import { q } from './q.ts';\nexport const p = () => q;\n",
    'stages/c/q.ts': "import { p } from './p.ts';\nexport const q = () => p;\n",
  };
  const { code, violations } = await cruiseTree(files);
  t.not(code, 0);
  t.deepEqual([...violations].sort(), [
    'common-imports-no-stage: stages/common/util.ts',
    'engine-imports-no-pipeline: pipelines/engine/knows-a-pipeline.ts',
    'engine-imports-no-stage: pipelines/engine/knows-a-stage.ts',
    'no-cycles: stages/c/p.ts',
    'stage-uses-engine-index: stages/b/index.ts',
    'stage-uses-other-stage-index: stages/b/index.ts',
  ]);
});

test('a cycle of type-only imports fails the check too: shared types belong in a leaf module', async (t) => {
  const engine = { 'pipelines/engine/index.ts': 'export const engine = 1;\n' };
  // Two modules that only name each other's types: nothing of the cycle is left at run time, and it still fails.
  const loop = await cruiseTree({
    ...engine,
    'stages/d/index.ts':
      "import type { Summary } from './info.ts';\nexport interface Params { seed: number }\nexport const run = (): Summary | null => null;\n",
    'stages/d/info.ts': "import type { Params } from './index.ts';\nexport interface Summary { params: Params }\n",
  });
  t.not(loop.code, 0);
  t.deepEqual(loop.violations, ['no-cycles: stages/d/index.ts']);
  // The same types with the shared one moved to a leaf: no cycle.
  const leaf = await cruiseTree({
    ...engine,
    'stages/d/index.ts': "import type { Summary } from './info.ts';\nexport const run = (): Summary | null => null;\n",
    'stages/d/info.ts': "import type { Params } from './types.ts';\nexport interface Summary { params: Params }\n",
    'stages/d/types.ts': 'export interface Params { seed: number }\n',
  });
  t.deepEqual(leaf.violations, []);
  t.is(leaf.code, 0);
});

test('public surfaces: the engine index and what each stage exports for others', async (t) => {
  const engine = await import('../pipelines/engine/index.ts');
  for (const name of [
    'defineStage',
    'declareOutputs',
    'definePipeline',
    'runPipeline',
    'resolveArtifact',
    'writeFileAtomic',
    'commitFile',
    'UserError',
  ]) {
    t.true(name in engine, `pipelines/engine/index.ts exports ${name}`);
  }
  const train = await import('../stages/train/index.ts');
  for (const name of [
    'trainStage',
    'TRAIN_OUTPUTS',
    'loadEncoder',
    'describeEncoder',
    'embed',
    'embedTexts',
    'untrainedEncoder',
    'initBackend',
    'checkPlannedBackend',
  ]) {
    t.true(name in train, `stages/train/index.ts exports ${name}`);
  }
  const pairs = await import('../stages/pairs/index.ts');
  for (const name of ['pairsStage', 'PAIRS_OUTPUTS', 'readPairsReport'])
    t.true(name in pairs, `stages/pairs/index.ts exports ${name}`);
  const batches = await import('../stages/batches/index.ts');
  for (const name of ['batchesStage', 'BATCHES_OUTPUTS', 'batchesInfo'])
    t.true(name in batches, `stages/batches/index.ts exports ${name}`);
  // Every stage declares what it writes.
  for (const stage of [train.trainStage, pairs.pairsStage, batches.batchesStage])
    t.truthy(stage.outputs, `${stage.name} declares outputs`);
});
