// MUSE's official dictionaries are `src tgt` lines separated by whitespace; the project stores them as `src\ttgt`
// TSV (what data/muse/ ships), so a remote fetch must convert before its digest can be compared with the registry.

/**
 * Convert one official MUSE dictionary to our TSV. Strict on purpose: a line that is not exactly two tokens would
 * be ambiguous to split, and guessing would only move the failure to a less clear checksum mismatch.
 * Only ASCII space and tab separate tokens: MUSE words may contain other Unicode spaces, which must survive.
 */
export function museTextToTsv(text: string, label: string): string {
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^[ \t]+|[ \t\r]+$/g, '');
    if (line === '') continue;
    const tokens = line.split(/[ \t]+/);
    if (tokens.length !== 2) {
      throw new Error(
        `${label} line ${i + 1}: expected "source target", got ${tokens.length} token(s): ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    out.push(`${tokens[0]}\t${tokens[1]}\n`);
  }
  return out.join('');
}
