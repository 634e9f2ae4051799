// What the report reads, as plain data: score's retrievers, metrics and ranks, the training curves, attack's transfer
// rows and attacked ranks, classify's accuracies, and which upstream files were used. A leaf module: load.ts fills
// these from the artifacts, and the statistics, figures and answer read them without depending on the loader.
import type { RankColumns } from './per-query.ts';

/** A retriever's identity, as score's `retrieverColumns` give it. */
export interface RetrieverIdentity {
  retriever: string;
  kind: string;
  strategy: string | null;
  batchSize: number | null;
  loss: string | null;
  seed: number | null;
}

export interface MetricRow {
  retriever: string;
  /** "clean", or the attack recipe whose queries were scored. */
  querySet: string;
  setting: string;
  aggregate: string;
  queryLang: string;
  poolLang: string;
  metric: string;
  value: number;
}

export interface ScoreData {
  dataset: string;
  languages: string[];
  trainLanguages: string[] | null;
  backend: string;
  retrievers: RetrieverIdentity[];
  metrics: MetricRow[];
  /** Null when score ran with `ranks: false`: the report then has no per-query values and no bootstrap. */
  ranks: RankColumns | null;
}

export interface Curve {
  node: string;
  identity: RetrieverIdentity;
  /** From the model's batches metadata: epochs of the strategy's batches, dictionary warm-up epochs before them
   * (0: none), and the dictionary rows the batches held; null where the model does not say (older models). */
  schedule: { epochs: number | null; warmupEpochs: number | null; dictionaryRows: number | null };
  step: Int32Array;
  loss: Float64Array;
}

export interface TransferRow {
  source: string;
  target: string;
  recipe: string;
  metric: string;
  value: number;
}

/** One attacked query of attack's attacks.parquet: the positive's rank in its language's pool before and after. */
export interface AttackColumns {
  retriever: ArrayLike<string>;
  query_id: ArrayLike<string>;
  recipe: ArrayLike<string>;
  rank_before: ArrayLike<number>;
  rank_after: ArrayLike<number>;
}

export interface ClassifyRow extends RetrieverIdentity {
  dataset: string;
  language: string;
  recipe: string;
  metric: string;
  value: number;
  examples: number;
}

/** One upstream artifact the report used: what it was and which of its files were read, with their digests. */
export interface ArtifactUse {
  input: string;
  node: string;
  stage: string;
  fingerprint: string;
  files: { path: string; sha256: string }[];
  /** The producer's backend when its manifest records one (train, score). */
  backend: string | null;
}

export interface ReportInputs {
  score: ScoreData;
  curves: Curve[];
  /** Null: the pipeline has no attack node. */
  transfer: TransferRow[] | null;
  /** Per attacked query (mono R@1 before and after): the only per-query attacked values (score ranks clean queries). */
  attacks: AttackColumns | null;
  /** Null: the pipeline has no classify node. */
  classify: ClassifyRow[] | null;
  used: ArtifactUse[];
}
