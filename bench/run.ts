// `npm run bench [-- name ...]`: runs every bench/*.bench.ts (or the named ones), prints each result as a
// table and writes it as JSON under artifacts/bench/<id>.json with the machine it ran on.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchResult } from './harness.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = join(here, '..', 'artifacts', 'bench');

function table(result: BenchResult): string {
  const cells = result.rows.map((row) => result.columns.map((c) => formatCell(row[c])));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]): string => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(result.columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

function formatCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

const wanted = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
const selected = wanted.length > 0 ? files.filter((f) => wanted.some((w) => f.startsWith(w))) : files;
if (selected.length === 0) {
  console.error(
    `no benchmark matches ${wanted.join(', ')}; available: ${files.map((f) => f.replace('.bench.ts', '')).join(', ')}`,
  );
  process.exit(2);
}
await mkdir(outDir, { recursive: true });
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};
let failures = 0;
for (const file of selected) {
  const started = performance.now();
  try {
    const bench = (await import(join(here, file))).default as Bench;
    const result = await bench();
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n## ${result.title}\n\n${table(result)}`);
    for (const note of result.notes ?? []) console.log(`- ${note}`);
    const path = join(outDir, `${result.id}.json`);
    await writeFile(
      path,
      `${JSON.stringify({ ...result, machine, seconds, date: new Date().toISOString() }, null, 2)}\n`,
    );
    console.log(`(${seconds.toFixed(1)} s; written to ${path})`);
  } catch (error) {
    failures++;
    console.error(`\n${file} failed: ${(error as Error).stack}`);
  }
}
process.exitCode = failures > 0 ? 1 : 0;
