// Language-independent article groups. XQuAD titles are the English title in every language, but MLQA titles are in
// the context language, so "the same article" is found by linking (language, title) nodes that share a question id
// (union-find), and named after the English title of the group. Splits and article_id columns use these groups, so
// parallel questions of one article never land in different splits.

export class ArticleGroups {
  private readonly parent = new Map<string, string>();
  private readonly firstNodeOfId = new Map<string, string>();

  /** Record that question `id` is asked about article `title` in language `lang`. */
  add(lang: string, title: string, id: string): void {
    const node = `${lang}\t${title}`;
    if (!this.parent.has(node)) this.parent.set(node, node);
    const other = this.firstNodeOfId.get(id);
    if (other === undefined) this.firstNodeOfId.set(id, node);
    else this.union(node, other);
  }

  /**
   * Name of every node's group: "<prefix>:<smallest English title>" (or the smallest "lang\ttitle" without English).
   */
  names(prefix: string): (lang: string, title: string) => string {
    const best = new Map<string, string>();
    for (const node of [...this.parent.keys()].sort()) {
      const root = this.find(node);
      const cur = best.get(root);
      const isEn = node.startsWith('en\t');
      if (cur === undefined || (isEn && !cur.startsWith('en\t'))) best.set(root, node);
    }
    return (lang, title) => {
      const node = `${lang}\t${title}`;
      if (!this.parent.has(node)) throw new Error(`article "${title}" (${lang}) was never added`);
      const name = best.get(this.find(node))!;
      return `${prefix}:${name.startsWith('en\t') ? name.slice(3) : name.replace('\t', ':')}`;
    };
  }

  private find(x: string): string {
    let r = x;
    while (this.parent.get(r) !== r) r = this.parent.get(r)!;
    while (this.parent.get(x) !== r) {
      const next = this.parent.get(x)!;
      this.parent.set(x, r);
      x = next;
    }
    return r;
  }

  private union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // Smaller string as root: the structure (and so nothing downstream) depends on insertion order only via names().
    if (ra !== rb) ra < rb ? this.parent.set(rb, ra) : this.parent.set(ra, rb);
  }
}

/**
 * Seeded article-level split: article ids ordered by sha256(seed:id), the first round(devFraction * n) go to "dev".
 * Depends only on the set of ids, the seed and the fraction.
 */
export function splitArticles(
  articleIds: Iterable<string>,
  seed: number,
  devFraction: number,
  hash: (s: string) => string,
): Map<string, 'train' | 'dev'> {
  const ids = [...new Set(articleIds)].sort();
  const keyed = ids
    .map((id) => ({ id, key: hash(`${seed}:${id}`) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const nDev = Math.round(devFraction * ids.length);
  const out = new Map<string, 'train' | 'dev'>();
  keyed.forEach(({ id }, i) => out.set(id, i < nDev ? 'dev' : 'train'));
  return out;
}
