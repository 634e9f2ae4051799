// Reading the report's inputs: score's metrics (clean and, once score measures them, attacked query sets) and
// ranks, the training curves of every train artifact, and attack's transfer matrix and classify's accuracies when
// the pipeline has those nodes. Everything is read through the producers' output handles (`ref.output`), and every
// file read is recorded with its digest for the provenance section.
import { readFile } from 'node:fs/promises';
import type { ArtifactRef, OutputHandle } from '../../pipelines/engine/index.ts';
import { readParquet, type Columns } from '../common/tables.ts';
import { SCORE_OUTPUTS } from '../score/index.ts';
import { MODEL_FILE, TRAIN_OUTPUTS } from '../train/index.ts';
import { ATTACK_READS, CLASSIFY_READS } from './outputs.ts';
import type { RankColumns } from './per-query.ts';
import type {
  ArtifactUse,
  AttackColumns,
  ClassifyRow,
  Curve,
  MetricRow,
  ReportInputs,
  RetrieverIdentity,
  ScoreData,
  TransferRow,
} from './types.ts';

export interface InputRefs {
  score: ArtifactRef;
  models: readonly ArtifactRef[];
  attack: ArtifactRef | null;
  classify: ArtifactRef | null;
}

export async function loadInputs(refs: InputRefs): Promise<ReportInputs> {
  const used: ArtifactUse[] = [];
  const track = (input: string, ref: ArtifactRef, handles: (OutputHandle | string)[]): void => {
    const digests = handles.map((h) => {
      const path = typeof h === 'string' ? h : h.path;
      const entry = ref.manifest.files.find((f) => f.path === path);
      if (!entry) throw new Error(`report: ${ref.node} (${ref.stage}/${ref.fingerprint}) has no ${path}`);
      return { path, sha256: entry.sha256 };
    });
    used.push({
      input,
      node: ref.node,
      stage: ref.stage,
      fingerprint: ref.fingerprint,
      files: digests,
      backend: backendOf(ref),
    });
  };

  const score = await loadScore(refs.score);
  track('score', refs.score, [
    SCORE_OUTPUTS.metricsJson,
    SCORE_OUTPUTS.metrics,
    ...(score.ranks ? [SCORE_OUTPUTS.ranks] : []),
  ]);

  const curves: Curve[] = [];
  for (const ref of refs.models) {
    const curve = await loadCurve(ref, score.retrievers);
    if (!curve) continue;
    curves.push(curve);
    track('models', ref, [TRAIN_OUTPUTS.curve, `${TRAIN_OUTPUTS.model.path}/${MODEL_FILE}`]);
  }

  let transfer: TransferRow[] | null = null;
  let attacks: AttackColumns | null = null;
  if (refs.attack) {
    transfer = await loadTransfer(refs.attack);
    attacks = await loadAttacks(refs.attack);
    track('attack', refs.attack, [ATTACK_READS.attacks, ATTACK_READS.transfer]);
  }
  let classify: ClassifyRow[] | null = null;
  if (refs.classify) {
    classify = await loadClassify(refs.classify);
    track('classify', refs.classify, [CLASSIFY_READS.metrics]);
  }
  return { score, curves, transfer, attacks, classify, used };
}

function backendOf(ref: ArtifactRef): string | null {
  const summary = ref.manifest.summary as { backend?: unknown } | null;
  const b = summary?.backend;
  if (typeof b === 'string') return b;
  if (b && typeof b === 'object' && 'name' in b) {
    const { name, version } = b as { name: unknown; version?: unknown };
    return typeof version === 'string' ? `${name}@${version}` : String(name);
  }
  return null;
}

const str = (c: ArrayLike<unknown>, i: number): string => c[i] as string;
const strOrNull = (c: ArrayLike<unknown>, i: number): string | null => (c[i] ?? null) as string | null;
const numOrNull = (c: ArrayLike<unknown>, i: number): number | null =>
  c[i] === null || c[i] === undefined ? null : Number(c[i]);

function need(columns: Columns, names: readonly string[], file: string): void {
  const missing = names.filter((n) => !(n in columns));
  if (missing.length > 0)
    throw new Error(`report: ${file} lacks column(s) ${missing.join(', ')} (has ${Object.keys(columns).join(', ')})`);
}

const IDENTITY = ['retriever', 'kind', 'strategy', 'batch_size', 'loss', 'seed'] as const;

function identityAt(c: Columns, i: number): RetrieverIdentity {
  return {
    retriever: str(c.retriever, i),
    kind: str(c.kind, i),
    strategy: strOrNull(c.strategy, i),
    batchSize: numOrNull(c.batch_size, i),
    loss: strOrNull(c.loss, i),
    seed: numOrNull(c.seed, i),
  };
}

async function loadScore(ref: ArtifactRef): Promise<ScoreData> {
  const json = JSON.parse(await readFile(ref.output(SCORE_OUTPUTS.metricsJson), 'utf8')) as {
    eval?: { dataset?: string; languages?: string[]; trainLanguages?: string[] | null };
    backend?: string;
  };
  const metricsFile = ref.output(SCORE_OUTPUTS.metrics);
  const { rows, columns: c } = await readParquet(metricsFile);
  need(c, [...IDENTITY, 'setting', 'aggregate', 'query_lang', 'pool_lang', 'metric', 'value'], metricsFile);
  const retrievers = new Map<string, RetrieverIdentity>();
  const metrics: MetricRow[] = [];
  for (let i = 0; i < rows; i++) {
    const id = str(c.retriever, i);
    if (!retrievers.has(id)) retrievers.set(id, identityAt(c, i));
    metrics.push({
      retriever: id,
      // Score before attacks has no query_set column: every row is a clean query.
      querySet: c.query_set ? str(c.query_set, i) : 'clean',
      setting: str(c.setting, i),
      aggregate: str(c.aggregate, i),
      queryLang: str(c.query_lang, i),
      poolLang: str(c.pool_lang, i),
      metric: str(c.metric, i),
      value: Number(c.value[i]),
    });
  }
  let ranks: RankColumns | null = null;
  if (ref.has(SCORE_OUTPUTS.ranks)) {
    const ranksFile = ref.output(SCORE_OUTPUTS.ranks);
    const r = await readParquet(ranksFile);
    need(
      r.columns,
      ['retriever', 'query_id', 'query_lang', 'candidate_lang', 'rank_all', 'rank_in_language'],
      ranksFile,
    );
    ranks = r.columns as unknown as RankColumns;
  }
  return {
    dataset: json.eval?.dataset ?? 'unknown',
    languages: json.eval?.languages ?? [],
    trainLanguages: json.eval?.trainLanguages ?? null,
    backend: json.backend ?? 'unknown',
    retrievers: [...retrievers.values()],
    metrics,
    ranks,
  };
}

/** A train artifact's curve, labelled from its model.json metadata (as score labels it), or null without a curve. */
async function loadCurve(ref: ArtifactRef, scored: readonly RetrieverIdentity[]): Promise<Curve | null> {
  if (!ref.has(TRAIN_OUTPUTS.curve)) return null;
  const model = JSON.parse(await readFile(ref.file(TRAIN_OUTPUTS.model, MODEL_FILE), 'utf8')) as {
    userDefinedMetadata?: Record<string, unknown>;
  };
  const meta = model.userDefinedMetadata ?? {};
  const batches = (meta.batches ?? {}) as Record<string, unknown>;
  const known = scored.find((r) => r.retriever === ref.node);
  const identity: RetrieverIdentity = known ?? {
    retriever: ref.node,
    kind: 'model',
    strategy: typeof batches.strategy === 'string' ? batches.strategy : null,
    batchSize: typeof batches.batchSize === 'number' ? batches.batchSize : null,
    loss: typeof meta.loss === 'string' ? meta.loss : null,
    seed: typeof batches.seed === 'number' ? batches.seed : null,
  };
  const file = ref.output(TRAIN_OUTPUTS.curve);
  const { columns } = await readParquet(file);
  need(columns, ['step', 'loss'], file);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const schedule = {
    epochs: num(batches.epochs),
    warmupEpochs: num(batches.warmupEpochs),
    dictionaryRows: num(batches.dictionaryRows),
  };
  return {
    node: ref.node,
    identity,
    schedule,
    step: Int32Array.from(columns.step as ArrayLike<number>),
    loss: Float64Array.from(columns.loss as ArrayLike<number>),
  };
}

async function loadTransfer(ref: ArtifactRef): Promise<TransferRow[]> {
  const file = ref.output(ATTACK_READS.transfer);
  const { rows, columns: c } = await readParquet(file);
  need(c, ['source_retriever', 'target_retriever', 'recipe', 'metric', 'value'], file);
  return Array.from({ length: rows }, (_, i) => ({
    source: str(c.source_retriever, i),
    target: str(c.target_retriever, i),
    recipe: str(c.recipe, i),
    metric: str(c.metric, i),
    value: Number(c.value[i]),
  }));
}

async function loadAttacks(ref: ArtifactRef): Promise<AttackColumns> {
  const file = ref.output(ATTACK_READS.attacks);
  const { columns } = await readParquet(file);
  need(columns, ['retriever', 'query_id', 'recipe', 'rank_before', 'rank_after'], file);
  return columns as unknown as AttackColumns;
}

async function loadClassify(ref: ArtifactRef): Promise<ClassifyRow[]> {
  const file = ref.output(CLASSIFY_READS.metrics);
  const { rows, columns: c } = await readParquet(file);
  need(c, [...IDENTITY, 'dataset', 'language', 'recipe', 'metric', 'value', 'examples'], file);
  return Array.from({ length: rows }, (_, i) => ({
    ...identityAt(c, i),
    dataset: str(c.dataset, i),
    language: str(c.language, i),
    recipe: str(c.recipe, i),
    metric: str(c.metric, i),
    value: Number(c.value[i]),
    examples: Number(c.examples[i]),
  }));
}
