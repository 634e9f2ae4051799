// The artifact manifest: the commit point of an artifact. A folder without a valid manifest does not exist.
import { z } from 'zod';
import { FingerprintRecordSchema } from './fingerprint.ts';

export const MANIFEST_FILE = 'manifest.json';
/** The stage's NDJSON log: kept beside the manifest, not a data file (it holds timestamps). */
export const LOG_FILE = 'log.ndjson';

const FileEntrySchema = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type FileEntry = z.infer<typeof FileEntrySchema>;

export const ManifestSchema = z.object({
  format: z.literal(1),
  stage: z.string(),
  /** Node instance that produced it first (informative: equal fingerprints share one artifact). */
  node: z.string(),
  fingerprint: z.string(),
  record: FingerprintRecordSchema,
  /** Every data file, sorted by path; `verify` rehashes against these. */
  files: z.array(FileEntrySchema),
  rows: z.record(z.string(), z.number()),
  timings: z.object({ startedAt: z.string(), finishedAt: z.string(), seconds: z.number() }),
  /** Where it was built (informative, not part of the fingerprint). */
  environment: z.record(z.string(), z.unknown()),
  summary: z.unknown(),
});
export type Manifest = z.infer<typeof ManifestSchema>;
