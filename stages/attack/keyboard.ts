// Keyboard layouts for keyboard-neighbour typos: a key's neighbours are the keys around it on a staggered
// keyboard (left, right, the two above, the two below). QWERTY serves every Latin-script language here (German's
// QWERTZ and French AZERTY differ in a few keys; the typo studies use QWERTY), ЙЦУКЕН Cyrillic, and the standard
// Greek layout. Arabic, Devanagari, Thai and Han have no layout here: their words get the layout-free edits only.

const LAYOUTS: Record<string, readonly string[]> = {
  qwerty: ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'],
  jcuken: ['йцукенгшщзхъ', 'фывапролджэ', 'ячсмитьбю'],
  greek: ['ςερτυθιοπ', 'ασδφγηξκλ', 'ζχψωβνμ'],
};

export type LayoutName = keyof typeof LAYOUTS;
export const LAYOUT_NAMES = Object.keys(LAYOUTS) as LayoutName[];

function buildNeighbours(): Map<string, { layout: LayoutName; keys: string[] }> {
  const out = new Map<string, { layout: LayoutName; keys: string[] }>();
  for (const name of LAYOUT_NAMES) {
    const rows = LAYOUTS[name].map((r) => Array.from(r));
    const at = (r: number, c: number): string | undefined => rows[r]?.[c];
    rows.forEach((row, r) =>
      row.forEach((key, c) => {
        // Each row sits half a key to the right of the one above: above are (c, c+1), below (c-1, c).
        const around = [at(r, c - 1), at(r, c + 1), at(r - 1, c), at(r - 1, c + 1), at(r + 1, c - 1), at(r + 1, c)];
        out.set(key, { layout: name, keys: around.filter((k): k is string => k !== undefined) });
      }),
    );
  }
  return out;
}

const NEIGHBOURS = buildNeighbours();

/**
 * The keys next to `char` on its layout, in the case of `char`; empty for a character on no layout. Greek final
 * sigma and accented letters fold to their key (ά is on the α key).
 */
export function keyNeighbours(char: string): string[] {
  const lower = char.toLowerCase();
  const base = lower.normalize('NFD').charAt(0);
  const entry = NEIGHBOURS.get(lower) ?? NEIGHBOURS.get(base);
  if (!entry) return [];
  const upper = char !== lower;
  return entry.keys.map((k) => (upper ? k.toUpperCase() : k));
}

/** The layout that holds `char`, if any. */
export function layoutOf(char: string): LayoutName | null {
  const lower = char.toLowerCase();
  return (NEIGHBOURS.get(lower) ?? NEIGHBOURS.get(lower.normalize('NFD').charAt(0)))?.layout ?? null;
}

/** Every key of a layout, row by row. */
export function layoutKeys(name: LayoutName): string[] {
  return LAYOUTS[name].flatMap((row) => Array.from(row));
}
