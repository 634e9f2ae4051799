// report.md and summary.md: the report document as Markdown, the figures as SVG files beside it (figures/<id>.svg).
import { provenanceTable, type DocTable, type ReportDocument } from './document.ts';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(t: DocTable): string {
  if (t.rows.length === 0) return `_${t.title}: none._\n`;
  const head = `| ${t.header.map(escapeCell).join(' | ')} |`;
  const rule = `|${t.header.map(() => '---').join('|')}|`;
  const body = t.rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`).join('\n');
  return `${head}\n${rule}\n${body}\n`;
}

export function reportMarkdown(doc: ReportDocument, figuresDir: string): string {
  const out: string[] = [];
  out.push(`# ${doc.title}\n`);
  out.push(`> ${doc.question}\n`);
  out.push('## Answer\n');
  for (const p of doc.written.answer) out.push(`${p}\n`);
  out.push('## Figures\n');
  for (const f of doc.figures) {
    out.push(`### ${f.title}\n`);
    if (f.svg === null) {
      out.push(`> **${f.absent ?? 'Not available.'}**\n`);
      continue;
    }
    out.push(`![${f.title}](${figuresDir}/${f.id}.svg)\n`);
    out.push(`${f.caption} Data: [${figuresDir}/${f.id}.parquet](${figuresDir}/${f.id}.parquet).\n`);
  }
  for (const t of doc.tables) {
    out.push(`## ${t.title}\n`);
    out.push(`${t.note}\n`);
    out.push(markdownTable(t));
  }
  out.push('## Method: which test and why\n');
  out.push(`${doc.written.method}\n`);
  out.push('## Limitations\n');
  out.push(`${doc.written.limitations}\n`);
  out.push('## Provenance\n');
  out.push(
    `Generated ${doc.run.date} by \`${doc.run.command}\` (Node ${doc.run.node}, ${doc.run.platform}); backends: ${doc.provenance.backends.join(', ') || 'not recorded'}.\n`,
  );
  const files = provenanceTable(doc.provenance);
  out.push(`${files.note}\n`);
  out.push(markdownTable(files));
  return `${out.join('\n').trimEnd()}\n`;
}

/** What the pipeline prints at the end of a run: the answer, and where the full report is. */
export function summaryMarkdown(doc: ReportDocument, files: { html: string; markdown: string }): string {
  const out = [
    `# ${doc.title}`,
    '',
    `> ${doc.question}`,
    '',
    ...doc.written.answer.flatMap((p) => [p, '']),
    `Full report with figures, tables, method and limitations: ${files.html} (self-contained) and ${files.markdown}, in this artifact's folder.`,
  ];
  return `${out.join('\n').trimEnd()}\n`;
}
