// The stage folders' layout (README "Layout"): a reader finds the same file for the same thing in every stage. Each
// folder under stages/ (common excepted) has index.ts, the stage and its public surface, and outputs.ts, the one
// place its outputs are declared; the stage value the index exports declares exactly that object, and no other file
// of the folder calls declareOutputs. The old names for declarations (outputs-decl.ts, declared.ts, files.ts) are gone.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/toy-project.ts';

const stagesDir = join(repoRoot, 'stages');

/** The stage folders: every folder under stages/ but common/ (shared code, no stage). */
async function stageFolders(): Promise<string[]> {
  const entries = await readdir(stagesDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name !== 'common')
    .map((e) => e.name)
    .sort();
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

test('every stage folder has index.ts and outputs.ts', async (t) => {
  const folders = await stageFolders();
  t.true(folders.length >= 9, `stage folders: ${folders.join(', ')}`);
  for (const folder of folders) {
    const files = await readdir(join(stagesDir, folder));
    t.true(files.includes('index.ts'), `stages/${folder}/index.ts exists`);
    t.true(files.includes('outputs.ts'), `stages/${folder}/outputs.ts exists`);
  }
});

test('no file under stages/ carries an old name for output declarations', async (t) => {
  const stray = (await filesUnder(stagesDir)).filter((f) =>
    ['outputs-decl.ts', 'declared.ts', 'files.ts'].includes(f.split('/').pop()!),
  );
  t.deepEqual(stray, []);
});

test("outputs.ts declares the stage's outputs, and only it does", async (t) => {
  for (const folder of await stageFolders()) {
    const dir = join(stagesDir, folder);
    const index = (await import(pathToFileURL(join(dir, 'index.ts')).href)) as Record<string, unknown>;
    const outputs = (await import(pathToFileURL(join(dir, 'outputs.ts')).href)) as Record<string, unknown>;
    // The stage value its index exports: named for the folder, with a run().
    const stage = Object.values(index).find(
      (v): v is { name: string; outputs: Record<string, { stage: string; path: string }> } =>
        typeof v === 'object' && v !== null && (v as { name?: unknown }).name === folder && 'run' in v,
    );
    if (!stage) {
      t.fail(`stages/${folder}/index.ts exports no stage named "${folder}"`);
      continue;
    }
    t.true(
      Object.values(outputs).includes(stage.outputs),
      `the ${folder} stage declares the outputs object stages/${folder}/outputs.ts exports`,
    );
    for (const [name, handle] of Object.entries(stage.outputs))
      t.is(handle.stage, folder, `${folder}.outputs.${name} is declared for stage "${folder}"`);
    const elsewhere: string[] = [];
    for (const file of await filesUnder(dir)) {
      if (file === 'outputs.ts' || !/\.(ts|mjs)$/.test(file)) continue;
      if (/\bdeclareOutputs\s*\(/.test(await readFile(join(dir, file), 'utf8'))) elsewhere.push(file);
    }
    t.deepEqual(elsewhere, [], `stages/${folder}: only outputs.ts calls declareOutputs`);
  }
});
