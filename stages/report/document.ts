// The report's content, independent of its format: the title, the written answer, the figures (SVG or the reason
// they are absent), the tables and the provenance. markdown.ts and html.ts lay it out; neither computes anything.
import { interval, METRIC_LABEL, plain, type WrittenAnswer } from './answer.ts';
import type { ContrastRow } from './contrasts.ts';
import type { Figure, Row } from './figures.ts';
import { provenanceRows, type Provenance, type RunFacts } from './provenance.ts';

export interface DocFigure {
  id: string;
  title: string;
  caption: string;
  svg: string | null;
  absent: string | null;
}

export interface DocTable {
  title: string;
  note: string;
  header: string[];
  rows: string[][];
}

export interface ReportDocument {
  title: string;
  question: string;
  written: WrittenAnswer;
  figures: DocFigure[];
  tables: DocTable[];
  provenance: Provenance;
  run: RunFacts;
}

export const REPORT_TITLE = 'hybrid-xlr: batch size and batch kind in zero-shot cross-lingual retrieval';
export const QUESTION =
  'How does the batch size of hybrid training (vs mono-only and cross-only batches) change zero-shot cross-lingual retrieval quality and robustness to adversarial queries, and XNLI accuracy under attack?';

/** The configuration table: clean headline metrics per configuration as mean ± sd over seeds, baselines first. */
export function seedsTable(quality: Figure | undefined): DocTable {
  const rows = (quality?.table?.rows ?? []) as Row[];
  const metrics = ['map@20', 'mono_r1', 'cross_r1'] as const;
  const byKey = new Map<string, { label: string[]; values: Record<string, string> }>();
  const cell = (r: Row): string =>
    r.sd === null ? plain(Number(r.mean)) : `${plain(Number(r.mean))} ± ${plain(Number(r.sd))}`;
  for (const r of rows) {
    const key =
      r.series === 'reference'
        ? `0\u0000${r.label}`
        : `1\u0000${r.loss}\u0000${r.strategy}\u0000${String(r.batch_size).padStart(6, '0')}`;
    let entry = byKey.get(key);
    if (!entry) {
      const label =
        r.series === 'reference'
          ? [String(r.label), '—', '—', '—', '—']
          : [`dual encoder`, String(r.strategy), String(r.batch_size), String(r.loss), String(r.seeds)];
      byKey.set(key, (entry = { label, values: {} }));
    }
    entry.values[String(r.metric)] = cell(r);
  }
  const order = ['mono', 'cross', 'hybrid'];
  const sorted = [...byKey.entries()].sort(([a], [b]) => {
    const pa = a.split('\u0000');
    const pb = b.split('\u0000');
    if (pa[0] !== pb[0]) return pa[0].localeCompare(pb[0]);
    if (pa[0] === '0') return 0;
    return pa[1].localeCompare(pb[1]) || order.indexOf(pa[2]) - order.indexOf(pb[2]) || pa[3].localeCompare(pb[3]);
  });
  return {
    title: 'Configurations (clean queries)',
    note: 'Mean ± sample sd over seeds (a single value: one seed). Baselines first.',
    header: ['retriever', 'strategy', 'batch', 'loss', 'seeds', 'multilingual mAP@20', 'mono R@1', 'cross R@1'],
    rows: sorted.map(([, e]) => [...e.label, ...metrics.map((m) => e.values[m] ?? '—')]),
  };
}

const CONTRAST_LABEL: Record<ContrastRow['contrast'], string> = {
  'hybrid-mono': 'hybrid − mono',
  'hybrid-cross': 'hybrid − cross',
  'batch-effect': 'largest − smallest batch',
  'drop-change': 'drop at largest − at smallest batch',
};

export function contrastsTable(rows: readonly ContrastRow[], level: number): DocTable {
  return {
    title: 'Contrasts (paired bootstrap over questions)',
    note: `Estimate with two ${Math.round(level * 100)}% percentile intervals: questions resampled (seed means fixed), and questions and seeds resampled. "—" in the verdict: an interval includes 0 (not distinguishable). All rows are in stats.parquet.`,
    header: [
      'contrast',
      'loss',
      'query set',
      'side a',
      'side b',
      'metric',
      'a',
      'b',
      'a − b [questions]',
      '[questions + seeds]',
      'verdict',
      'seeds a/b',
      'questions',
      'queries',
    ],
    rows: rows.map((r) => [
      CONTRAST_LABEL[r.contrast],
      r.loss ?? '—',
      r.querySet,
      r.sideA,
      r.sideB,
      METRIC_LABEL[r.metric],
      plain(r.meanA, 4),
      plain(r.meanB, 4),
      interval(r.estimate, r.low, r.high),
      interval(r.estimate, r.lowSeeds, r.highSeeds).replace(/^\S+ /, ''),
      r.distinguishable ? (r.estimate > 0 ? 'a > b' : 'a < b') : '—',
      `${r.seedsA}/${r.seedsB}`,
      String(r.clusters),
      String(r.queries),
    ]),
  };
}

export function provenanceTable(p: Provenance): DocTable {
  return {
    title: 'Artifacts used',
    note: 'Every upstream file the report read, with the first 16 hex digits of its sha256 (the full digests are in provenance.json).',
    header: ['input', 'node', 'artifact', 'file', 'sha256'],
    rows: provenanceRows(p),
  };
}
