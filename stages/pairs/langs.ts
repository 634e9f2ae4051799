// Language codes the stage knows, and which dataset holds which. One place, so an unknown code in a file name or a
// param fails the same way everywhere.

/** Every language code the stage accepts: XQuAD-R ∪ MLQA, plus fr (MUSE ships en-fr; no QA set here has it). */
export const LANGS = ['ar', 'de', 'el', 'en', 'es', 'fr', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'] as const;
export type Lang = (typeof LANGS)[number];

/** MLQA (dev and MLQA-R) languages, in the order of the MLQA paper. */
export const MLQA_LANGS: readonly Lang[] = ['en', 'de', 'es', 'ar', 'hi', 'vi', 'zh'];
/** XQuAD / XQuAD-R languages (no Romanian: LAReQA did not annotate it). */
export const XQUAD_LANGS: readonly Lang[] = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'];

export function isLang(code: string): code is Lang {
  return (LANGS as readonly string[]).includes(code);
}

/** Throws an error that names where the code came from (a file name, a param). */
export function assertLang(code: string, where: string): Lang {
  if (!isLang(code)) throw new Error(`unknown language code "${code}" in ${where} (known: ${LANGS.join(', ')})`);
  return code;
}

/** Stable sort order for languages: the order of LANGS, so outputs do not depend on the order params list them. */
export function langOrder(a: Lang, b: Lang): number {
  return LANGS.indexOf(a) - LANGS.indexOf(b);
}
