// Where the report's numbers came from: every upstream artifact it read (stage, node, fingerprint, and the sha256 of
// each file read), the backends that produced them, the report's params; plus, for the human-readable report only,
// the command and the date of this run. provenance.json holds the first part alone, so it is a pure function of the
// inputs like every other data file of the artifact.
import type { ArtifactUse } from './types.ts';

export interface Provenance {
  format: 'hybrid-xlr/report-provenance@1';
  artifacts: ArtifactUse[];
  backends: string[];
  params: Record<string, unknown>;
}

/** When and how this report was made: shown in report.md/html, never in a data file. */
export interface RunFacts {
  date: string;
  command: string;
  node: string;
  platform: string;
}

export function provenance(used: readonly ArtifactUse[], params: Record<string, unknown>): Provenance {
  const backends = [...new Set(used.map((u) => u.backend).filter((b): b is string => b !== null))].sort();
  return { format: 'hybrid-xlr/report-provenance@1', artifacts: [...used], backends, params };
}

export function runFacts(now: Date = new Date(), argv: readonly string[] = process.argv): RunFacts {
  return {
    date: now.toISOString(),
    command: commandLine(argv),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The command as the user typed it: `npm run pipeline -- …` when run through the project's CLI. */
export function commandLine(argv: readonly string[]): string {
  const script = argv[1] ?? '';
  const args = argv.slice(2).map(quote).join(' ');
  if (/pipelines[/\\]cli\.ts$/.test(script)) return `npm run pipeline${args ? ` -- ${args}` : ''}`;
  return argv.map(quote).join(' ');
}

function quote(arg: string): string {
  return /^[\w@%+=:,./[\]-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Rows of the provenance table: one per file read. */
export function provenanceRows(p: Provenance): string[][] {
  return p.artifacts.flatMap((a) =>
    a.files.map((f) => [a.input, a.node, `${a.stage}/${a.fingerprint}`, f.path, f.sha256.slice(0, 16)]),
  );
}
