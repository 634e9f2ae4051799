// The read-only view of a committed artifact that downstream stages receive.
import { join } from 'node:path';
import type { Manifest } from './manifest.ts';
import type { ArtifactRef } from './stage.ts';

export function artifactRef(node: string, dir: string, manifest: Manifest): ArtifactRef {
  const listed = new Set(manifest.files.map((f) => f.path));
  return {
    stage: manifest.stage,
    node,
    fingerprint: manifest.fingerprint,
    dir,
    manifest,
    path(file: string): string {
      if (!listed.has(file)) {
        const some = [...listed].slice(0, 8).join(', ');
        throw new Error(`artifact ${manifest.stage}/${manifest.fingerprint} (node ${node}) has no file "${file}"; it has: ${some}${listed.size > 8 ? ', ...' : ''}`);
      }
      return join(dir, file);
    },
  };
}
