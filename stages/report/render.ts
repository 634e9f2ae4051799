// Vega-Lite spec + rows → SVG text, in Node, headless: vega-lite compiles to a Vega spec, a Vega View with no
// renderer ("none") runs the dataflow, and `toSVG()` serialises the scene graph. No canvas, no browser, no network
// (every spec carries its rows inline). Text widths are estimated by Vega without a canvas, which is close enough
// for axis labels.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders a figure. `scope` prefixes the SVG's element ids (clip paths, gradients): Vega numbers them from a
 * process-wide counter, so without this the same figure would differ from one render to the next, and two figures
 * inlined in one HTML page could share an id.
 */
export async function renderSvg(spec: TopLevelSpec, rows: readonly object[], scope: string): Promise<string> {
  const withData = { ...spec, data: { values: rows } } as TopLevelSpec;
  // Vega-Lite's notes on its own optimiser are not the reader's concern; errors still throw.
  const compiled = compile(withData, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return scopeIds(svg, scope);
  } finally {
    view.finalize();
  }
}

/** Renames every `id="x"` to `<scope>-<n>` (in order of appearance) and rewrites its `url(#x)` / `#x` references. */
export function scopeIds(svg: string, scope: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1])) ids.set(m[1], `${scope}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${ids.get(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/href="#([^"]+)"/g, (all, id: string) => (ids.has(id) ? `href="#${ids.get(id)}"` : all));
}
