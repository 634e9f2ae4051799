// What a run left in a store, in a form two runs can be compared by: each node's fingerprint (from the lock file)
// and each artifact's file digests (from its manifest).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Built {
  fingerprints: Record<string, string>;
  files: Record<string, { path: string; sha256: string }[]>;
  summaries: Record<string, unknown>;
}

export async function builtArtifacts(root: string, pipeline: string, store = join(root, 'artifacts')): Promise<Built> {
  const lock = JSON.parse(await readFile(join(root, 'hybrid-xlr.lock.json'), 'utf8'));
  const nodes = lock.pipelines[pipeline].nodes as Record<string, { stage: string; fingerprint: string }>;
  const out: Built = { fingerprints: {}, files: {}, summaries: {} };
  for (const [id, node] of Object.entries(nodes)) {
    out.fingerprints[id] = node.fingerprint;
    const manifest = JSON.parse(await readFile(join(store, node.stage, node.fingerprint, 'manifest.json'), 'utf8'));
    out.files[id] = manifest.files.map((f: { path: string; sha256: string }) => ({ path: f.path, sha256: f.sha256 }));
    out.summaries[id] = manifest.summary;
  }
  return out;
}
