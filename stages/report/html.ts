// report.html: the report document as one self-contained page: figures inlined as SVG, styles inline, no script, no
// external resource (it opens offline and from a mail attachment alike).
import { provenanceTable, type DocTable, type ReportDocument } from './document.ts';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The little Markdown the written answer uses: **bold** and `code`. */
export function inlineMarkdown(text: string): string {
  return escapeHtml(text)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

function table(t: DocTable): string {
  if (t.rows.length === 0) return `<p><em>${escapeHtml(t.title)}: none.</em></p>`;
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

const STYLE = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05em; }
blockquote { color: #555; border-left: 3px solid #ccc; margin: 0; padding-left: 1em; }
figure { margin: 1em 0 2em; overflow-x: auto; } figcaption { color: #444; font-size: 0.9em; max-width: 60em; }
.absent { background: #fff4e5; border: 1px solid #f0c080; padding: 0.6em 1em; }
.table { overflow-x: auto; } table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; white-space: nowrap; } th { background: #f4f4f4; }
code { background: #f4f4f4; padding: 0 0.2em; }
`;

export function reportHtml(doc: ReportDocument): string {
  const parts: string[] = [];
  parts.push(
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(doc.title)}</title>`,
  );
  // No network: a content security policy that allows nothing from outside the page.
  parts.push(
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
  );
  parts.push(`<style>${STYLE}</style>`, '</head>', '<body>');
  parts.push(`<h1>${escapeHtml(doc.title)}</h1>`, `<blockquote>${escapeHtml(doc.question)}</blockquote>`);
  parts.push('<h2 id="answer">Answer</h2>');
  for (const p of doc.written.answer) parts.push(`<p>${inlineMarkdown(p)}</p>`);
  parts.push('<h2 id="figures">Figures</h2>');
  for (const f of doc.figures) {
    parts.push(
      `<section class="figure" data-figure="${escapeHtml(f.id)}" data-status="${f.svg === null ? 'absent' : 'rendered'}">`,
    );
    parts.push(`<h3>${escapeHtml(f.title)}</h3>`);
    if (f.svg === null)
      parts.push(`<p class="absent"><strong>${escapeHtml(f.absent ?? 'Not available.')}</strong></p>`);
    else
      parts.push(
        `<figure>${f.svg}<figcaption>${inlineMarkdown(f.caption)} Data: <code>figures/${escapeHtml(f.id)}.parquet</code>.</figcaption></figure>`,
      );
    parts.push('</section>');
  }
  for (const t of doc.tables) {
    parts.push(`<h2>${escapeHtml(t.title)}</h2>`, `<p>${inlineMarkdown(t.note)}</p>`, table(t));
  }
  parts.push('<h2 id="method">Method: which test and why</h2>', `<p>${inlineMarkdown(doc.written.method)}</p>`);
  parts.push('<h2 id="limitations">Limitations</h2>', `<p>${inlineMarkdown(doc.written.limitations)}</p>`);
  parts.push('<h2 id="provenance">Provenance</h2>');
  parts.push(
    `<p>Generated ${escapeHtml(doc.run.date)} by <code>${escapeHtml(doc.run.command)}</code> (Node ${escapeHtml(doc.run.node)}, ${escapeHtml(doc.run.platform)}); backends: ${escapeHtml(doc.provenance.backends.join(', ') || 'not recorded')}.</p>`,
  );
  const files = provenanceTable(doc.provenance);
  parts.push(`<p>${inlineMarkdown(files.note)}</p>`, table(files));
  parts.push('</body>', '</html>');
  return `${parts.join('\n')}\n`;
}
