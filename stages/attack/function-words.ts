// Small closed-class word lists per language (articles, pronouns, prepositions, question words, auxiliaries):
// `char` leaves them as they are (typo studies perturb content words, stopwords kept) and `codemix` never replaces
// them (PolyGloss keeps the matrix language's function words). Hand-made, short on purpose: a word missing here is
// only perturbed, never lost. Lower-case; matching lower-cases the word first.

const LISTS: Record<string, string> = {
  en: 'a an the of in on at to for from by with and or but is are was were be been being do does did what which who whom whose when where why how that this these those it its he she they them his her their i you we not as than',
  de: 'der die das den dem des ein eine einer einem einen eines und oder aber ist sind war waren wird wurde werden wer was wann wo wie warum welche welcher welches im in an auf mit von zu zum zur für bei nach aus es er sie nicht als',
  es: 'el la los las un una unos unas de del y o pero es son fue fueron ser qué que quién quiénes cuándo dónde cómo cuál cuáles por para con en a al se su sus lo le no como',
  fr: 'le la les un une des de du et ou mais est sont était être que qui quoi quand où comment quel quelle quels pourquoi par pour avec en à au aux se son sa ses il elle ne pas comme',
  ru: 'и в во на с со по к ко о об от до из за для не что кто когда где как какой какая какие каком почему это этот эта был была были быть является он она они его её их а но или же ли',
  el: 'ο η το οι τα του της των τον την ένα μια ένας και ή αλλά είναι ήταν τι ποιος ποια ποιο ποιοι πότε πού πώς γιατί σε στο στη στην στον στα με από για δεν να θα',
  tr: 've ile bir bu şu o ne kim neden nasıl nerede hangi kaç mı mi mu mü da de için gibi olan olarak ise değil en çok daha',
  vi: 'là của và các những một cái có được trong trên với cho đến từ ở khi nào gì ai đâu sao bao nhiêu không đã sẽ thì mà này đó',
  ar: 'في من على إلى عن مع و أو ثم ما ماذا من متى أين كيف لماذا هل هو هي هم كان كانت هذا هذه ذلك التي الذي أن إن لا لم',
  hi: 'का की के को में से पर और या है हैं था थी थे क्या कौन कब कहाँ कहां कैसे क्यों किस किसने कितने यह वह ने भी नहीं एक',
  zh: '的 了 是 在 和 与 或 什么 哪 哪个 哪里 谁 何时 为什么 怎么 如何 多少 几 这 那 这个 那个 有 被 把 也 都 就 不 吗 呢 一个',
  th: 'ที่ และ หรือ ของ ใน บน กับ จาก เป็น คือ มี ได้ อะไร ใคร เมื่อไร เมื่อไหร่ ที่ไหน อย่างไร ทำไม กี่ ไหน นี้ นั้น ไม่ การ ความ',
};

const SETS = new Map(Object.entries(LISTS).map(([lang, words]) => [lang, new Set(words.split(' '))]));

/** Whether `word` is a function word of `lang` (a language without a list has none). */
export function isFunctionWord(word: string, lang: string): boolean {
  return SETS.get(lang)?.has(word.toLowerCase()) ?? false;
}

/** The languages that have a list. */
export const FUNCTION_WORD_LANGUAGES: readonly string[] = Object.keys(LISTS);
