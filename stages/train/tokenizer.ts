// The hashed-feature tokenizer of the from-scratch multilingual encoder: text → bag of bucket ids (whole words plus
// fastText-style character n-grams, hashed into `buckets` embedding rows and mean-pooled by the encoder). No
// vocabulary is learnt, so one config covers all eleven languages, Thai and Chinese included (no spaces: words come
// from ICU's word segmenter). Features of a text depend only on the config and on the ICU data of the Node build
// (`process.versions.icu`: the Thai and CJK dictionaries move between ICU releases), never on the machine's locale.
import { z } from 'zod';

/** A tokenizer's whole definition: saved next to the trained weights so the encoder is rebuilt exactly. */
export interface TokenizerConfig {
  kind: 'hashed';
  /** Version of the feature definition below; bumped if any feature or hash ever changes. */
  version: 1;
  /** Embedding rows; a feature's id is `hash % buckets` (need not be a power of two). */
  buckets: number;
  /** Emit each whole word as a feature, besides its n-grams. */
  words: boolean;
  /** Character n-gram lengths, in code points, counting the `<` and `>` word-boundary markers. */
  ngramMin: number;
  ngramMax: number;
  /** `toLowerCase()` (locale-independent) after normalisation. */
  lowercase: boolean;
  normalization: 'NFKC' | 'none';
  /** Word-like segments beyond this many in one text are ignored: bounds the cost of a very long passage. */
  maxWords: number;
  /** 32-bit FNV-1a over the UTF-8 bytes of a tag byte and the feature. */
  hash: 'fnv1a32';
}

/** Validates a saved config; absent fields take the defaults, unknown fields are rejected (a typo is not a default). */
export const tokenizerConfigSchema = z
  .strictObject({
    kind: z.literal('hashed').default('hashed'),
    version: z.literal(1).default(1),
    // Ids travel as Int32Array, so a bucket index must fit in 31 bits.
    buckets: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .default(2 ** 18),
    words: z.boolean().default(true),
    ngramMin: z.number().int().min(1).max(32).default(3),
    ngramMax: z.number().int().min(1).max(32).default(5),
    lowercase: z.boolean().default(true),
    normalization: z.enum(['NFKC', 'none']).default('NFKC'),
    maxWords: z.number().int().min(1).default(256),
    hash: z.literal('fnv1a32').default('fnv1a32'),
  })
  .refine((c) => c.ngramMin <= c.ngramMax, { path: ['ngramMax'], message: 'ngramMax must be >= ngramMin' });

export type TokenizerConfigInput = z.input<typeof tokenizerConfigSchema>;

// The interface is the documentation, the schema the check: they must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<z.output<typeof tokenizerConfigSchema>, TokenizerConfig> = true;
void schemaMatchesInterface;

/** A tokenized list of texts, CSR-style: the features of text i are `ids[offsets[i] .. offsets[i + 1])`. */
export interface EncodedBatch {
  /** Length n + 1, offsets[0] = 0; an empty range is a text with no word (the encoder then gives the zero vector). */
  offsets: Int32Array;
  ids: Int32Array;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
// Tag bytes keep the word "abc" and the n-gram "abc" (or any other n-gram) in separate hash spaces.
const WORD_TAG = 0x77; // 'w'
const NGRAM_TAG = 0x67; // 'g'
const BOW = 0x3c; // '<'
const EOW = 0x3e; // '>'
const REPLACEMENT = 0xfffd;
const SCRATCH_KEEP = 1 << 16;

/** One FNV-1a step per UTF-8 byte of `cp`; `h` stays a signed int32 throughout, as Math.imul returns it. */
function foldCodePoint(h: number, cp: number): number {
  if (cp < 0x80) return Math.imul(h ^ cp, FNV_PRIME);
  if (cp < 0x800) {
    h = Math.imul(h ^ (0xc0 | (cp >> 6)), FNV_PRIME);
    return Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
  }
  if (cp < 0x10000) {
    h = Math.imul(h ^ (0xe0 | (cp >> 12)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
    return Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
  }
  h = Math.imul(h ^ (0xf0 | (cp >> 18)), FNV_PRIME);
  h = Math.imul(h ^ (0x80 | ((cp >> 12) & 0x3f)), FNV_PRIME);
  h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
  return Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
}

/**
 * Features of a text, in order: for each word-like segment (after normalisation and lowercasing, at most
 * `maxWords`), the word itself (if `words`), then its n-grams by start position and then by length, over the code
 * points of `<word>`; a padded word shorter than `ngramMin` yields its whole padded form once. Duplicates are kept:
 * the encoder averages the bag (EmbeddingBag mode='mean'), so a repeated word weighs more.
 *
 * A text with no word-like segment (empty, punctuation, emoji only) has no feature, and its mean embedding is the
 * zero vector: the caller decides whether to drop such a text or let it score 0 against everything.
 *
 * An instance holds scratch buffers, so it is cheap to call in a loop; nothing is cached across calls.
 */
export class HashedTokenizer {
  readonly config: Readonly<TokenizerConfig>;
  private readonly segmenter: Intl.Segmenter;
  /** Code points of the current word with its boundary markers. */
  private cps = new Int32Array(64);
  private out = new Int32Array(1024);
  private length = 0;
  private readonly wordSeed: number;
  private readonly ngramSeed: number;

  /** Missing fields take the defaults; an invalid config throws, naming the field. */
  constructor(config: TokenizerConfigInput = {}) {
    this.config = Object.freeze(parseConfig(config, 'HashedTokenizer config'));
    // 'und': the root locale, so the machine's locale never changes the segmentation.
    this.segmenter = new Intl.Segmenter('und', { granularity: 'word' });
    this.wordSeed = Math.imul(FNV_OFFSET ^ WORD_TAG, FNV_PRIME);
    this.ngramSeed = Math.imul(FNV_OFFSET ^ NGRAM_TAG, FNV_PRIME);
  }

  features(text: string): Int32Array {
    this.length = 0;
    this.appendText(text);
    return this.out.slice(0, this.length);
  }

  encodeBatch(texts: readonly string[]): EncodedBatch {
    const offsets = new Int32Array(texts.length + 1);
    this.length = 0;
    for (let i = 0; i < texts.length; i++) {
      this.appendText(texts[i]);
      offsets[i + 1] = this.length;
    }
    const ids = this.out.slice(0, this.length);
    // A whole corpus grows the scratch buffer to tens of MB: do not keep that alive with the instance.
    if (this.out.length > SCRATCH_KEEP) this.out = new Int32Array(SCRATCH_KEEP);
    return { offsets, ids };
  }

  toJSON(): TokenizerConfig {
    return { ...this.config };
  }

  /** `json`: a parsed config, or its JSON text; `source` (e.g. the file it came from) is named in errors. */
  static fromJSON(json: unknown, source?: string): HashedTokenizer {
    const where = source === undefined ? 'tokenizer config' : `tokenizer config ${source}`;
    let value = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (err) {
        throw new Error(`${where}: not valid JSON: ${(err as Error).message}`);
      }
    }
    return new HashedTokenizer(parseConfig(value, where));
  }

  private appendText(raw: string): void {
    const { normalization, lowercase, maxWords } = this.config;
    let text = normalization === 'NFKC' ? raw.normalize('NFKC') : raw;
    if (lowercase) text = text.toLowerCase();
    if (text.length === 0) return;
    let words = 0;
    for (const seg of this.segmenter.segment(text)) {
      if (!seg.isWordLike) continue;
      this.appendWord(seg.segment);
      if (++words >= maxWords) break;
    }
  }

  private appendWord(word: string): void {
    const { buckets, ngramMin, ngramMax } = this.config;
    // Code points of "<word>"; a lone surrogate becomes U+FFFD, as it would in UTF-8 (TextEncoder).
    if (this.cps.length < word.length + 2) this.cps = new Int32Array(2 * (word.length + 2));
    const cps = this.cps;
    let len = 0;
    cps[len++] = BOW;
    for (let i = 0; i < word.length; i++) {
      let c = word.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < word.length ? word.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          c = REPLACEMENT;
        }
      }
      cps[len++] = c;
    }
    cps[len++] = EOW;

    // Upper bound of what this word emits, so the loop below writes without checks.
    const need = 1 + Math.max(1, len * (ngramMax - ngramMin + 1));
    if (this.out.length < this.length + need) {
      const grown = new Int32Array(Math.max(2 * this.out.length, this.length + need));
      grown.set(this.out.subarray(0, this.length));
      this.out = grown;
    }
    const out = this.out;
    let n = this.length;

    if (this.config.words) {
      let h = this.wordSeed;
      for (let i = 1; i < len - 1; i++) h = foldCodePoint(h, cps[i]);
      out[n++] = (h >>> 0) % buckets;
    }
    if (len < ngramMin) {
      let h = this.ngramSeed;
      for (let i = 0; i < len; i++) h = foldCodePoint(h, cps[i]);
      out[n++] = (h >>> 0) % buckets;
    } else {
      // One incremental hash per start position: extending the prefix by one code point yields the next n-gram.
      for (let start = 0; start + ngramMin <= len; start++) {
        const end = Math.min(len, start + ngramMax);
        let h = this.ngramSeed;
        for (let j = start; j < end; j++) {
          h = foldCodePoint(h, cps[j]);
          if (j - start + 1 >= ngramMin) out[n++] = (h >>> 0) % buckets;
        }
      }
    }
    this.length = n;
  }
}

/**
 * Tokenizes each distinct text once: questions and passages repeat across pairs and epochs. Text i's features are
 * `ids[offsets[index[i]] .. offsets[index[i] + 1])`; slots follow the order of first occurrence.
 */
export function tokenizeUnique(texts: readonly string[], tok: HashedTokenizer): EncodedBatch & { index: Int32Array } {
  const slotOf = new Map<string, number>();
  const unique: string[] = [];
  const index = new Int32Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    let slot = slotOf.get(texts[i]);
    if (slot === undefined) {
      slot = unique.length;
      slotOf.set(texts[i], slot);
      unique.push(texts[i]);
    }
    index[i] = slot;
  }
  return { index, ...tok.encodeBatch(unique) };
}

function parseConfig(value: unknown, where: string): TokenizerConfig {
  const result = tokenizerConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    const given =
      issue.path.length === 1 && typeof value === 'object' && value !== null
        ? (value as Record<PropertyKey, unknown>)[issue.path[0]]
        : undefined;
    const shown = given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
    return `${where}: invalid ${field}${shown}: ${issue.message}`;
  });
  throw new Error(lines.join('\n'));
}
