// `export --out DIR`: copies the pipeline's output artifact out of the store into a folder of the user's choice,
// atomically (built beside DIR, then renamed), so a reader never sees half an export and a failed copy loses nothing.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.ts';
import { expand, type ExpandOptions } from './expand.ts';
import { DigestCache } from './hashing.ts';
import type { Project } from './operations.ts';
import type { PipelineDef } from './pipeline.ts';
import { Planner } from './plan.ts';

export interface PublishReport {
  dir: string;
  stage: string;
  fingerprint: string;
  files: number;
  bytes: number;
  /** Whether an earlier export at `dir` was replaced. */
  replaced: boolean;
}

export interface PublishOptions extends ExpandOptions {
  /** Replace a non-empty `outDir` (the old folder is removed only after the new one is in place). */
  replace?: boolean;
}

async function isNonEmptyDir(path: string): Promise<boolean | null> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) throw new UserError(`--out ${path}: exists and is not a folder`);
    return (await readdir(path)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The committed artifact of a node that has one instance, for these expand options; a UserError otherwise. */
export async function nodeArtifact(
  project: Project,
  def: PipelineDef,
  node: string,
  options: ExpandOptions = {},
  purpose = 'export',
): Promise<NodeArtifact> {
  const artifacts = await nodeArtifacts(project, def, node, options);
  if (artifacts.length !== 1) {
    throw new UserError(
      `pipeline "${def.name}": node "${node}" has ${artifacts.length} instances (a --sweep over it?); ${purpose} needs exactly one`,
    );
  }
  return artifacts[0];
}

/** The built artifact of every instance of `node` (several when a sweep fans it out), in expansion order. */
export async function nodeArtifacts(
  project: Project,
  def: PipelineDef,
  node: string,
  options: ExpandOptions = {},
): Promise<NodeArtifact[]> {
  const expansion = expand(def, options);
  const digests = new DigestCache(join(project.store.root, '.cache', 'digests.json'));
  await digests.load();
  const planned = await new Planner(project.rootDir, digests).plan(expansion);
  const out: NodeArtifact[] = [];
  for (const { instance, fingerprint } of [...planned.values()].filter((p) => p.instance.node === node)) {
    const artifact = await project.store.get(instance.stage.name, fingerprint);
    if (!artifact)
      throw new UserError(`${instance.id} has not been built (fingerprint ${fingerprint}): run the pipeline first`);
    out.push({
      id: instance.id,
      stage: instance.stage.name,
      fingerprint,
      dir: artifact.dir,
      files: artifact.manifest.files,
    });
  }
  return out;
}

export interface NodeArtifact {
  id: string;
  stage: string;
  fingerprint: string;
  dir: string;
  files: { path: string; bytes: number }[];
}

export async function publish(
  project: Project,
  def: PipelineDef,
  outDir: string,
  options: PublishOptions = {},
): Promise<PublishReport> {
  const node = def.output;
  if (!node)
    throw new UserError(`pipeline "${def.name}" names no output node to export (set \`output\` in its definition)`);
  const artifact = await nodeArtifact(project, def, node, options, 'export');

  const target = resolve(outDir);
  const existing = await isNonEmptyDir(target);
  if (existing && !options.replace)
    throw new UserError(`--out ${target}: folder exists and is not empty; remove it or pass --replace`);
  await mkdir(dirname(target), { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const partial = join(dirname(target), `.${basename(target)}.partial-${suffix}`);
  let bytes = 0;
  try {
    for (const file of artifact.files) {
      await mkdir(dirname(join(partial, file.path)), { recursive: true });
      await copyFile(join(artifact.dir, file.path), join(partial, file.path));
      bytes += file.bytes;
    }
    await mkdir(partial, { recursive: true });
    if (existing) {
      const old = join(dirname(target), `.${basename(target)}.old-${suffix}`);
      await rename(target, old);
      await rename(partial, target);
      await rm(old, { recursive: true, force: true });
    } else {
      if (existing === false) await rm(target, { recursive: true });
      await rename(partial, target);
    }
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  return {
    dir: target,
    stage: artifact.stage,
    fingerprint: artifact.fingerprint,
    files: artifact.files.length,
    bytes,
    replaced: existing === true,
  };
}
