// The shape every benchmark returns; bench/run.ts prints it as a table and writes it as JSON under artifacts/bench/.
export interface BenchResult {
  /** Short id, also the JSON file name: artifacts/bench/<id>.json. */
  id: string;
  title: string;
  /** Column names in print order; every row has a value (string or number) for each. */
  columns: string[];
  rows: Record<string, string | number>[];
  /** Free-form lines printed under the table: the peer compared against, the machine, caveats. */
  notes?: string[];
}

/** A benchmark module's default export. */
export type Bench = () => Promise<BenchResult>;

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}
