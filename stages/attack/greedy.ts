// `greedy`: TextAttack's GreedyWordSwapWIR (greedy word swap with word importance ranking) adapted to retrieval,
// white-box against the model under attack. Words are ranked by how much deleting each lowers the query's
// similarity to its positive passage; then, word by word in that order, every candidate edit of the word (typos,
// homoglyphs, translations: recipes.ts) is scored and the best one kept if it brings the query closer to the goal,
// until the goal holds or the budget is spent.
//
// Goal (no library has one for retrieval): the positive leaves the top k of its pool. The objective minimised is
// the positive's score minus the k-th best other candidate's score: the goal holds once the positive ranks below k.
// Budget: a share of the words (and at most maxEdits words), and at most maxModelCalls calls of the model; one call
// embeds a list of texts. Candidates of a step are scored in one call (`batch`), or one call each (the peer the
// benchmark compares against: same search, same result, more calls).
import type { Rng } from '../common/random.ts';
import { wordCandidates, type CandidateOptions } from './recipes.ts';
import { join, segments, wordIndices, wordsAllowed, type Segment } from './words.ts';

/** The model's view of a list of texts for one query: rank of the positive, its similarity, and the objective. */
export interface Scored {
  rank: number;
  similarity: number;
  /** Positive's score minus the k-th best other score: ≤ 0 … the goal is near; the goal holds when rank > k. */
  objective: number;
}

/** Scores texts (variants of one query) in one model call. */
export type QueryScorer = (texts: readonly string[]) => Promise<Scored[]>;

export interface GreedyOptions extends CandidateOptions {
  k: number;
  maxModelCalls: number;
  /** Score all candidates of a step in one call (true), or one call per candidate. */
  batch: boolean;
}

export type AttackStatus = 'successful' | 'failed' | 'skipped' | 'featureless';

export interface GreedyResult {
  text: string;
  status: AttackStatus;
  edits: number;
  words: number;
  kinds: string[];
  modelCalls: number;
  /** The search's own bookkeeping; the stage re-ranks the final text with score's code and records that. */
  rankBefore: number;
  rankAfter: number;
}

/** A scorer with a call counter and the batching policy applied. */
class Calls {
  used = 0;
  constructor(
    private readonly score: QueryScorer,
    private readonly max: number,
    private readonly batch: boolean,
  ) {}

  get left(): number {
    return this.max - this.used;
  }

  /** Scores as many of `texts` as the budget allows (all in one call, or one call each); the rest come back missing. */
  async run(texts: readonly string[]): Promise<Scored[]> {
    if (texts.length === 0 || this.left <= 0) return [];
    if (this.batch) {
      this.used++;
      return this.score(texts);
    }
    const out: Scored[] = [];
    for (const t of texts) {
      if (this.left <= 0) break;
      this.used++;
      out.push(...(await this.score([t])));
    }
    return out;
  }
}

export async function greedyAttack(
  text: string,
  lang: string,
  rng: Rng,
  score: QueryScorer,
  opts: GreedyOptions,
): Promise<GreedyResult> {
  const segs = segments(text, lang);
  const words = wordIndices(segs);
  const calls = new Calls(score, opts.maxModelCalls, opts.batch);
  const result = (
    status: AttackStatus,
    current: Segment[],
    kinds: string[],
    before: number,
    after: number,
  ): GreedyResult => ({
    text: join(current),
    status,
    edits: kinds.length,
    words: words.length,
    kinds,
    modelCalls: calls.used,
    rankBefore: before,
    rankAfter: after,
  });
  if (words.length === 0) return result('featureless', segs, [], 0, 0);
  const [start] = await calls.run([text]);
  if (start.rank > opts.k) return result('skipped', segs, [], start.rank, start.rank);

  // Word importance: the similarity lost when the word is deleted (ties: earlier word first).
  const deleted = words.map((i) => segs.map((s, j) => (j === i ? '' : s.text)).join(''));
  const importance = await calls.run(deleted);
  const order = words
    .map((i, w) => ({
      i,
      w,
      drop: importance[w] ? start.similarity - importance[w].similarity : Number.NEGATIVE_INFINITY,
    }))
    .sort((a, b) => b.drop - a.drop || a.w - b.w)
    .map((x) => x.i);

  const allowed = wordsAllowed(words.length, opts.wordShare, opts.maxEdits);
  const current = segs.map((s) => ({ ...s }));
  const kinds: string[] = [];
  let best = start;
  for (const i of order) {
    if (kinds.length >= allowed || calls.left <= 0) break;
    const candidates = wordCandidates(segs[i].text, lang, rng, opts);
    if (candidates.length === 0) continue;
    const texts = candidates.map((c) => current.map((s, j) => (j === i ? c.text : s.text)).join(''));
    const scored = await calls.run(texts);
    let pick = -1;
    for (let c = 0; c < scored.length; c++)
      if (scored[c].objective < (pick < 0 ? best.objective : scored[pick].objective)) pick = c;
    if (pick < 0) continue;
    current[i].text = candidates[pick].text;
    kinds.push(candidates[pick].kind);
    best = scored[pick];
    if (best.rank > opts.k) return result('successful', current, kinds, start.rank, best.rank);
  }
  return result('failed', current, kinds, start.rank, best.rank);
}
