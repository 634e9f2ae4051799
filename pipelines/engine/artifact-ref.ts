// The read-only view of a committed artifact that downstream stages receive: its outputs are reached through the
// handles the producing stage declares, checked against the manifest's file list.
import { join } from 'node:path';
import type { Manifest } from './manifest.ts';
import type { OutputHandle } from './outputs.ts';
import type { ArtifactRef } from './stage.ts';

/** `manifest.stage` of a plain folder handed to `runStage` in tests: it may hold any stage's outputs. */
export const FOLDER_STAGE = '(folder)';

export function artifactRef(node: string, dir: string, manifest: Manifest): ArtifactRef {
  const listed = new Set(manifest.files.map((f) => f.path));
  const holds = (h: OutputHandle): boolean =>
    h.kind === 'folder' ? [...listed].some((p) => p.startsWith(`${h.path}/`)) : listed.has(h.path);
  const where = `artifact ${manifest.stage}/${manifest.fingerprint} (node ${node})`;
  return {
    stage: manifest.stage,
    node,
    fingerprint: manifest.fingerprint,
    dir,
    manifest,
    has: (h) => (manifest.stage === h.stage || manifest.stage === FOLDER_STAGE) && holds(h),
    output(h: OutputHandle): string {
      if (manifest.stage !== h.stage && manifest.stage !== FOLDER_STAGE) {
        throw new Error(
          `${where} is a "${manifest.stage}" artifact; output "${h.name}" belongs to stage "${h.stage}" (is the input wired to the right node?)`,
        );
      }
      if (!holds(h)) {
        throw new Error(
          `${where} has no output "${h.name}" (${h.path})${h.optional ? ': it is optional and this run did not write it' : ''}`,
        );
      }
      return join(dir, h.path);
    },
    file(h: OutputHandle, relative: string): string {
      const folder = this.output(h);
      if (h.kind !== 'folder')
        throw new Error(`${where}: output "${h.name}" (${h.path}) is a ${h.kind} file, not a folder to look into`);
      if (!listed.has(`${h.path}/${relative}`))
        throw new Error(`${where} has no file "${relative}" in output "${h.name}" (${h.path}/)`);
      return join(folder, relative);
    },
    filesOf(h: OutputHandle): string[] {
      return [...listed]
        .filter((p) => p.startsWith(`${h.path}/`))
        .map((p) => p.slice(h.path.length + 1))
        .sort();
    },
  };
}
