// Constructed upstream artifacts for the report's tests, with a known answer built in: score's metrics.parquet and
// ranks.parquet (optionally with an attacked query set), train folders with curve.parquet and model.json metadata,
// attack's transfer.parquet and classify's metrics.parquet, all real Parquet written through stages/common/tables.ts.
//
// Built-in truth (3 languages, 80 questions, 3 seeds, strategies × batch sizes 32 and 512):
//   - mono R@1 is drawn from a stream that ignores the strategy: hybrid − mono and hybrid − cross are exactly 0 there;
//   - cross R@1 hit rates are mono 0.10, cross 0.25, hybrid 0.45: hybrid − cross = +0.20, a large real effect;
//   - under the "char" recipe, hybrid's mono R@1 falls to 0.10 at B = 32 but to 0.40 at B = 512 (clean 0.5):
//     the robustness drop shrinks by 0.30 with the larger batch.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../stages/common/random.ts';
import { writeParquet, type TableSchema } from '../../stages/common/tables.ts';
import { METRICS_SCHEMA, RANKS_SCHEMA } from '../../stages/score/schema.ts';
import { curveSchema } from '../../stages/train/schema.ts';

export const LANGS = ['en', 'de', 'es'];
export const QUESTIONS = 80;
export const STRATEGIES = ['mono', 'cross', 'hybrid'];
export const SIZES = [32, 512];
export const SEEDS = [0, 1, 2];

const CROSS_RATE: Record<string, number> = { mono: 0.1, cross: 0.25, hybrid: 0.45, bm25: 0.3, random: 0.02 };

export interface FixtureModel {
  id: string;
  kind: string;
  strategy: string | null;
  batchSize: number | null;
  loss: string | null;
  seed: number | null;
}

export function fixtureModels(): FixtureModel[] {
  const out: FixtureModel[] = [
    { id: 'bm25', kind: 'bm25', strategy: null, batchSize: null, loss: null, seed: null },
    { id: 'random-encoder', kind: 'random', strategy: null, batchSize: null, loss: null, seed: null },
  ];
  for (const strategy of STRATEGIES)
    for (const batchSize of SIZES)
      for (const seed of SEEDS) {
        out.push({
          id: `train[strategy=${strategy},batchSize=${batchSize},seed=${seed}]`,
          kind: 'model',
          strategy,
          batchSize,
          loss: 'infonce',
          seed,
        });
      }
  return out;
}

function monoRate(m: FixtureModel, querySet: string): number {
  if (querySet === 'clean') return 0.5;
  if (m.strategy === 'hybrid') return m.batchSize === 32 ? 0.1 : 0.4;
  return 0.25;
}

/** A score artifact folder (clean queries). */
export async function scoreFixture(): Promise<string> {
  return (await build(false)).score;
}

/**
 * Score and attack folders as the pipeline with an attack node makes them: score's metrics for the query sets
 * "clean", "sample" (attack's queries unperturbed; here every query) and "char", its ranks for clean queries only;
 * attack's attacks.parquet (the positive's mono rank before and after, per model × query) and transfer.parquet.
 */
export async function attackedFixtures(): Promise<{ score: string; attack: string }> {
  const { score, monoRanks } = await build(true);
  return { score, attack: await attackFixture(monoRanks) };
}

async function build(attacked: boolean): Promise<{ score: string; monoRanks: Map<string, number> }> {
  const options = { attacked };
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-report-score-'));
  const monoRanks = new Map<string, number>();
  const models = fixtureModels();
  const sets = options.attacked ? ['clean', 'char'] : ['clean'];
  const ranks: Record<string, unknown[]> = {
    retriever: [],
    query_id: [],
    query_lang: [],
    candidate_id: [],
    candidate_lang: [],
    rank_all: [],
    rank_in_language: [],
  };
  const metrics: Record<string, unknown[]> = Object.fromEntries(METRICS_SCHEMA.columns.map((c) => [c.name, []]));
  const pushMetric = (
    m: FixtureModel,
    set: string,
    setting: string,
    aggregate: string,
    ql: string,
    pl: string,
    metric: string,
    value: number,
    queries: number,
  ): void => {
    // The sample is every query here: its metrics are the clean ones.
    for (const s of set === 'clean' && options.attacked ? ['clean', 'sample'] : [set]) {
      const row: Record<string, unknown> = {
        retriever: m.id,
        kind: m.kind,
        strategy: m.strategy,
        batch_size: m.batchSize,
        loss: m.loss,
        seed: m.seed,
        dataset: 'toy-r',
        setting,
        aggregate,
        query_lang: ql,
        pool_lang: pl,
        metric,
        value,
        queries,
        skipped: 0,
        query_set: s,
      };
      for (const [k, v] of Object.entries(row)) metrics[k].push(v);
    }
  };
  for (const set of sets) {
    for (const m of models) {
      // Mono hits ignore the strategy (same stream for every model of a seed): the built-in null.
      const monoStream = createRng(
        m.seed ?? 99,
        `mono-${set}-${m.kind === 'model' ? (set === 'clean' ? 'model' : `${m.strategy}-${m.batchSize}`) : m.kind}`,
      );
      const crossStream = createRng(m.seed ?? 99, `cross-${set}-${m.id}`);
      const mono = new Map<string, number[]>(LANGS.map((l) => [l, []]));
      const cross = new Map<string, number[]>();
      const ap: number[] = [];
      for (let q = 0; q < QUESTIONS; q++) {
        for (const [li, lang] of LANGS.entries()) {
          const queryId = `q${String(q).padStart(3, '0')}/${lang}`;
          const inLanguage: number[] = [];
          for (const [ci, cl] of LANGS.entries()) {
            const p = cl === lang ? monoRate(m, set) : (CROSS_RATE[m.strategy ?? m.kind] ?? 0.1);
            const hit = (cl === lang ? monoStream : crossStream).float() < p;
            const r = hit ? 1 : 2 + crossStream.int(0, 30);
            inLanguage.push(r);
            if (cl === lang) {
              mono.get(lang)!.push(hit ? 1 : 0);
              monoRanks.set(`${set}\u0000${m.id}\u0000${queryId}`, r);
            } else {
              const key = `${lang}\u0000${cl}`;
              if (!cross.has(key)) cross.set(key, []);
              cross.get(key)!.push(hit ? 1 : 0);
            }
            if (set !== 'clean') continue;
            ranks.retriever.push(m.id);
            ranks.query_id.push(queryId);
            ranks.query_lang.push(lang);
            ranks.candidate_id.push(`c${q}/${cl}`);
            ranks.candidate_lang.push(cl);
            // Interleave languages in the multilingual pool: distinct ranks, own language first on ties.
            ranks.rank_all.push((r - 1) * LANGS.length + ((ci - li + LANGS.length) % LANGS.length) + 1);
            ranks.rank_in_language.push(r);
          }
          const all = inLanguage
            .map((r, ci) => (r - 1) * LANGS.length + ((ci - li + LANGS.length) % LANGS.length) + 1)
            .sort((a, b) => a - b);
          let s = 0;
          all.forEach((r, i) => {
            if (r <= 20) s += (i + 1) / r;
          });
          ap.push(s / Math.min(all.length, 20));
        }
      }
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      pushMetric(m, set, 'multilingual', 'micro', 'all', 'all', 'map@20', mean(ap), ap.length);
      for (const l of LANGS) pushMetric(m, set, 'mono', 'language', l, l, 'recall@1', mean(mono.get(l)!), QUESTIONS);
      pushMetric(
        m,
        set,
        'mono',
        'macro',
        'all',
        'all',
        'recall@1',
        mean(LANGS.map((l) => mean(mono.get(l)!))),
        QUESTIONS * LANGS.length,
      );
      for (const [key, hits] of cross) {
        const [x, y] = key.split('\u0000');
        pushMetric(m, set, 'cross', 'language', x, y, 'recall@1', mean(hits), QUESTIONS);
      }
      pushMetric(
        m,
        set,
        'cross',
        'macro',
        'all',
        'all',
        'recall@1',
        mean([...cross.values()].map(mean)),
        QUESTIONS * cross.size,
      );
      if (set === 'clean') {
        pushMetric(
          m,
          set,
          'bias',
          'micro',
          'all',
          'all',
          'rank_distance',
          10 + (m.batchSize ?? 0) / 100 + (m.seed ?? 0),
          ap.length,
        );
        pushMetric(
          m,
          set,
          'bias',
          'micro',
          'all',
          'all',
          'own_language_first',
          m.strategy === 'mono' ? 0.8 : 0.6,
          ap.length,
        );
        pushMetric(m, set, 'bias', 'micro', 'all', 'all', 'own_language_chance', 1 / LANGS.length, ap.length);
      }
    }
  }
  await writeParquet(join(dir, 'ranks.parquet'), RANKS_SCHEMA, ranks);
  await writeParquet(join(dir, 'metrics.parquet'), METRICS_SCHEMA, metrics);
  await writeFile(
    join(dir, 'metrics.json'),
    `${JSON.stringify({ format: 'hybrid-xlr/metrics@1', eval: { dataset: 'toy-r', languages: LANGS, trainLanguages: ['en', 'de'] }, backend: 'cpu@4.22.0' })}\n`,
  );
  return { score: dir, monoRanks };
}

/**
 * Train artifact folders (curve.parquet + model/model.json metadata, `batchesMeta` added to its batches part), one per
 * model of the fixture, in order.
 */
export async function trainFixtures(batchesMeta: Record<string, unknown> = {}): Promise<string[]> {
  const dirs: string[] = [];
  for (const m of fixtureModels().filter((x) => x.kind === 'model')) {
    const dir = await mkdtemp(join(tmpdir(), 'hxlr-report-train-'));
    await mkdir(join(dir, 'model'));
    await writeFile(
      join(dir, 'model', 'model.json'),
      JSON.stringify({
        userDefinedMetadata: {
          loss: m.loss,
          batches: { strategy: m.strategy, batchSize: m.batchSize, seed: m.seed, ...batchesMeta },
        },
      }),
    );
    const steps = m.batchSize === 32 ? 300 : 20;
    const rng = createRng(m.seed!, `curve-${m.id}`);
    const step = Int32Array.from({ length: steps }, (_, i) => i + 1);
    await writeParquet(join(dir, 'curve.parquet'), curveSchema, {
      step,
      batch_id: step.map((s) => s - 1),
      epoch: step.map((s) => (s > steps / 2 ? 1 : 0)),
      kind: Array.from(step, (s) => (s % 2 ? 'mono' : 'cross')),
      batch_size: step.map(() => m.batchSize!),
      negatives: step.map(() => m.batchSize! - 1),
      loss: Array.from(step, (s) => Math.log(m.batchSize!) * Math.exp(-s / steps) + 0.1 * rng.float()),
      lr: Array.from(step, () => 1e-3),
      temperature: Array.from(step, () => 0.05),
      pairs_per_second: Array.from(step, () => 1000),
    });
    dirs.push(dir);
  }
  return dirs;
}

/** attacks.parquet from the score fixture's mono ranks (clean = before, char = after) and a transfer matrix. */
async function attackFixture(monoRanks: Map<string, number>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-report-attack-'));
  const attacks = {
    retriever: [] as string[],
    query_id: [] as string[],
    recipe: [] as string[],
    rank_before: [] as number[],
    rank_after: [] as number[],
  };
  for (const [key, before] of monoRanks) {
    const [set, retriever, queryId] = key.split('\u0000');
    if (set !== 'clean') continue;
    attacks.retriever.push(retriever);
    attacks.query_id.push(queryId);
    attacks.recipe.push('char');
    attacks.rank_before.push(before);
    attacks.rank_after.push(monoRanks.get(`char\u0000${retriever}\u0000${queryId}`)!);
  }
  const col = (name: string, type: 'utf8' | 'int32' | 'float64') => ({ name, type, description: '' });
  await writeParquet(
    join(dir, 'attacks.parquet'),
    {
      name: 'attacks',
      description: 'fixture',
      columns: [
        col('retriever', 'utf8'),
        col('query_id', 'utf8'),
        col('recipe', 'utf8'),
        col('rank_before', 'int32'),
        col('rank_after', 'int32'),
      ],
    },
    attacks,
  );
  const hybrids = fixtureModels().filter((m) => m.strategy === 'hybrid' && m.seed === 0);
  const cols = {
    source_retriever: [] as string[],
    target_retriever: [] as string[],
    recipe: [] as string[],
    metric: [] as string[],
    value: [] as number[],
  };
  for (const recipe of ['greedy', 'clean'])
    for (const s of hybrids)
      for (const t of hybrids)
        for (const metric of ['mono_recall@1', 'cross_recall@1', 'map@20']) {
          cols.source_retriever.push(s.id);
          cols.target_retriever.push(t.id);
          cols.recipe.push(recipe);
          cols.metric.push(metric);
          cols.value.push(recipe === 'clean' ? 0.5 : metric !== 'mono_recall@1' ? 0.2 : s.id === t.id ? 0.05 : 0.3);
        }
  await writeParquet(
    join(dir, 'transfer.parquet'),
    {
      name: 'transfer',
      description: 'fixture',
      columns: [
        col('source_retriever', 'utf8'),
        col('target_retriever', 'utf8'),
        col('recipe', 'utf8'),
        col('metric', 'utf8'),
        col('value', 'float64'),
      ],
    },
    cols,
  );
  return dir;
}

export async function classifyFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-report-classify-'));
  const cols: Record<string, unknown[]> = {
    retriever: [],
    kind: [],
    strategy: [],
    batch_size: [],
    loss: [],
    seed: [],
    dataset: [],
    language: [],
    recipe: [],
    metric: [],
    value: [],
    examples: [],
  };
  for (const m of fixtureModels().filter((x) => x.kind === 'model')) {
    for (const language of ['en', 'de', 'fr', 'sw']) {
      for (const recipe of ['clean', 'char', 'homoglyph']) {
        const row = {
          retriever: m.id,
          kind: m.kind,
          strategy: m.strategy,
          batch_size: m.batchSize,
          loss: m.loss,
          seed: m.seed,
          dataset: 'xnli',
          language,
          recipe,
          metric: 'accuracy',
          value: (recipe === 'clean' ? 0.55 : 0.45) + 0.01 * m.seed!,
          examples: 500,
        };
        for (const [k, v] of Object.entries(row)) cols[k].push(v);
      }
    }
  }
  const schema: TableSchema = {
    name: 'classify_metrics',
    description: 'fixture',
    columns: [
      ...METRICS_SCHEMA.columns.slice(0, 6),
      { name: 'dataset', type: 'utf8', description: '' },
      { name: 'language', type: 'utf8', description: '' },
      { name: 'recipe', type: 'utf8', description: '' },
      { name: 'metric', type: 'utf8', description: '' },
      { name: 'value', type: 'float64', description: '' },
      { name: 'examples', type: 'int32', description: '' },
    ],
  };
  await writeParquet(join(dir, 'metrics.parquet'), schema, cols);
  return dir;
}
