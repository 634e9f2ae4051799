// What the CLI verbs do, as functions returning values (tests and other tools call these directly):
// run, status, explain, dag, gc, verify, and resolving a user's reference to an artifact.
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { EXIT, UserError } from './errors.ts';
import { expand, type ExpandOptions, type Expansion } from './expand.ts';
import { canonicalJson, diffRecords, type FingerprintRecord } from './fingerprint.ts';
import { DigestCache } from './hashing.ts';
import type { Executor } from './executor.ts';
import { LocalExecutor } from './executor-local.ts';
import { LOCK_FILE, readLock, referencedArtifacts, updateLock, type Lock } from './lockfile.ts';
import { wireSource, type PipelineDef } from './pipeline.ts';
import type { Manifest } from './manifest.ts';
import { Planner, statusOf, type Planned, type Status } from './plan.ts';
import type { Reporter } from './reporter.ts';
import { exitCodeOf, lockEntry, schedule, selectInstances, type InstanceResult, type Selection } from './scheduler.ts';
import { liveRuns, takeRunLease, type RunLease } from './run-lease.ts';
import { acquireStoreLock } from './store-lock.ts';
import { LocalStore, type Store } from './store.ts';

export interface Project {
  /** Where `data/` and the lock file live. */
  rootDir: string;
  store: Store;
  lockPath: string;
}

export function openProject(rootDir: string, storeDir = process.env.HXLR_STORE ?? join(rootDir, 'artifacts')): Project {
  return { rootDir, store: new LocalStore(storeDir), lockPath: join(rootDir, LOCK_FILE) };
}

export interface PlanResult {
  expansion: Expansion;
  planned: Map<string, Planned>;
  digests: DigestCache;
}

export async function planPipeline(
  project: Project,
  def: PipelineDef,
  expandOptions: ExpandOptions,
): Promise<PlanResult> {
  const expansion = expand(def, expandOptions);
  const digests = new DigestCache(join(project.store.root, '.cache', 'digests.json'));
  await digests.load();
  const planned = await new Planner(project.rootDir, digests).plan(expansion);
  return { expansion, planned, digests };
}

export interface RunOptions extends ExpandOptions {
  selection?: Partial<Selection>;
  jobs?: number;
  keepGoing?: boolean;
  dryRun?: boolean;
  /** Wait for another run's store lock instead of failing. */
  wait?: boolean;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Who runs the instances: this process (the default) or workers elsewhere (executor-bullmq.ts). */
  executor?: Executor;
}

export interface RunReport {
  exitCode: number;
  /** Per instance: what happened (absent under --dry-run). */
  results: Map<string, InstanceResult>;
  /** Under --dry-run: what would run and why. */
  wouldRun: { id: string; reasons: string[] }[];
  /** Wall time minus time inside stages, ms. */
  engineMs: number;
}

export async function runPipeline(project: Project, def: PipelineDef, options: RunOptions): Promise<RunReport> {
  const began = performance.now();
  const selection: Selection = { targets: [], only: [], force: [], ...options.selection };
  const { expansion, planned, digests } = await planPipeline(project, def, options);
  const ids = selectInstances(expansion, planned, selection);
  const forced = new Set(ids.filter((id) => selection.force.includes(planned.get(id)!.instance.node)));

  if (options.dryRun) {
    const lock = await readLock(project.lockPath);
    const wouldRun: RunReport['wouldRun'] = [];
    for (const id of ids) {
      const status = await statusOf(planned.get(id)!, project.store, lock, def.name);
      if (forced.has(id)) wouldRun.push({ id, reasons: ['forced'] });
      else if (status.kind !== 'fresh') wouldRun.push({ id, reasons: describeStatus(status) });
    }
    await digests.save();
    return { exitCode: EXIT.ok, results: new Map(), wouldRun, engineMs: performance.now() - began };
  }

  const executor = options.executor ?? new LocalExecutor(project.store, project.rootDir);
  let storeLock: Awaited<ReturnType<typeof acquireStoreLock>> | null = await acquireStoreLock(project.store.root, {
    // Distributed coordinators hold the store lock for a moment each: one starting beside another waits its turn
    // (up to 30 s unless --wait, for a local run may hold it for hours).
    wait: options.wait || !executor.exclusiveStore,
    waitTimeoutMs: options.wait || executor.exclusiveStore ? undefined : 30_000,
    onWait: (m) => options.reporter.info(m),
  });
  let lease: RunLease | null = null;
  try {
    if (storeLock.recoveredFrom)
      options.reporter.info(`recovered the store lock left by a run that died (pid ${storeLock.recoveredFrom.pid})`);
    await project.store.cleanup();
    // Read now: a broken lock file is a usage error before anything runs, and entries that stay the same (a cached
    // instance) need no write.
    const before = await readLock(project.lockPath);
    if (!executor.exclusiveStore) {
      // A distributed run lasts hours and shares the store with other coordinators and every worker: it holds the
      // store lock only for the cleanup above; each artifact is guarded by its own build lock from here on, and
      // the lease (taken before the lock is let go) keeps gc away until the run ends.
      lease = await takeRunLease(project.store.root);
      await storeLock.release();
      storeLock = null;
    }
    // Lock-file entries are written as artifacts land, batched: one locked read-merge-write per batch.
    const due = new Map<string, ReturnType<typeof lockEntry>>();
    let writes = Promise.resolve();
    let flushing = false;
    const flush = (): Promise<void> => {
      if (flushing) return writes;
      flushing = true;
      writes = writes.then(() => {
        flushing = false;
        const entries = [...due];
        due.clear();
        return updateLock(project.lockPath, (lock) => {
          const nodes = (lock.pipelines[def.name] ??= { nodes: {} }).nodes;
          for (const [id, entry] of entries) nodes[id] = entry;
          return entries.length > 0;
        });
      });
      return writes;
    };
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const result = await schedule({
      ids,
      planned,
      forced,
      store: project.store,
      executor,
      jobs: Math.max(1, options.jobs ?? executor.defaultJobs),
      keepGoing: options.keepGoing ?? false,
      reporter: options.reporter,
      signal: controller.signal,
      onArtifact: (id, p) => {
        const entry = lockEntry(p);
        const known = before.pipelines[def.name]?.nodes[id];
        if (known && canonicalJson(known) === canonicalJson(entry)) return Promise.resolve();
        due.set(id, entry);
        return flush();
      },
    });
    await writes;
    const exitCode = exitCodeOf(result);
    const whole = selection.targets.length === 0 && selection.only.length === 0;
    const forget = Object.keys(before.pipelines[def.name]?.nodes ?? {}).some((id) => !planned.has(id));
    if (whole && exitCode === EXIT.ok && forget) {
      // A complete run defines the pipeline's state: forget instances that are no longer part of it.
      await updateLock(project.lockPath, (lock) => {
        const nodes = lock.pipelines[def.name]?.nodes ?? {};
        const gone = Object.keys(nodes).filter((id) => !planned.has(id));
        for (const id of gone) delete nodes[id];
        return gone.length > 0;
      });
    }
    await digests.save();
    return {
      exitCode,
      results: result.results,
      wouldRun: [],
      engineMs: performance.now() - began - result.stageSeconds * 1000,
    };
  } finally {
    await storeLock?.release();
    await lease?.release();
  }
}

export interface StatusLine {
  id: string;
  node: string;
  fingerprint: string;
  status: Status;
}

export async function pipelineStatus(
  project: Project,
  def: PipelineDef,
  options: ExpandOptions = {},
): Promise<StatusLine[]> {
  const { planned, digests } = await planPipeline(project, def, options);
  const lock = await readLock(project.lockPath);
  const lines: StatusLine[] = [];
  for (const p of planned.values()) {
    lines.push({
      id: p.instance.id,
      node: p.instance.node,
      fingerprint: p.fingerprint,
      status: await statusOf(p, project.store, lock, def.name),
    });
  }
  await digests.save();
  return lines;
}

export function describeStatus(status: Status): string[] {
  if (status.kind === 'fresh') return ['fresh'];
  if (status.kind === 'never-run') return ['never run'];
  return status.reasons;
}

export function formatStatus(lines: StatusLine[]): string {
  const width = Math.max(...lines.map((l) => l.id.length), 5);
  return lines
    .map((l) => {
      const label = l.status.kind === 'fresh' ? 'fresh' : l.status.kind === 'never-run' ? 'never run' : 'stale';
      const why = l.status.kind === 'stale' ? ` (${l.status.reasons.join('; ')})` : '';
      return `${l.id.padEnd(width)}  ${label}${why}`;
    })
    .join('\n');
}

export interface Explanation {
  id: string;
  fingerprint: string;
  record: FingerprintRecord;
  artifactDir: string | null;
  previous: { fingerprint: string; diff: string[] } | null;
}

export async function explain(
  project: Project,
  def: PipelineDef,
  node: string,
  options: ExpandOptions = {},
): Promise<Explanation[]> {
  const { expansion, planned, digests } = await planPipeline(project, def, options);
  const instances = expansion.byNode.get(node);
  if (!instances)
    throw new UserError(`explain: unknown stage "${node}" (this pipeline has: ${expansion.order.join(', ')})`);
  const lock = await readLock(project.lockPath);
  const out: Explanation[] = [];
  for (const instance of instances) {
    const p = planned.get(instance.id)!;
    const artifact = await project.store.get(instance.stage.name, p.fingerprint);
    const before = lock.pipelines[def.name]?.nodes[instance.id];
    out.push({
      id: instance.id,
      fingerprint: p.fingerprint,
      record: p.record,
      artifactDir: artifact?.dir ?? null,
      previous: before ? { fingerprint: before.fingerprint, diff: diffRecords(before.record, p.record, node) } : null,
    });
  }
  await digests.save();
  return out;
}

const FIELD_NOTES: Record<keyof FingerprintRecord, string> = {
  format: 'engine fingerprint format',
  stage: 'stage name',
  version: "stage author's version",
  code: 'digest of the stage source folder(s)',
  params: 'params after defaults (seed apart)',
  seed: 'seed of every random choice',
  inputs: 'upstream fingerprints',
  files: 'digests of declared data files',
  env: 'allowlisted environment values',
};

export function formatExplanation(items: Explanation[]): string {
  return items
    .map((e) => {
      const fields = (Object.keys(FIELD_NOTES) as (keyof FingerprintRecord)[])
        .map((k) => `  ${k.padEnd(8)} ${canonicalJson(e.record[k])}\n           # ${FIELD_NOTES[k]}`)
        .join('\n');
      const where = e.artifactDir ? `cached at ${e.artifactDir}` : 'not in the store';
      let last = '  last run: none recorded in the lock file';
      if (e.previous) {
        last =
          e.previous.fingerprint === e.fingerprint
            ? `  last run: ${e.previous.fingerprint} (identical record)`
            : `  last run: ${e.previous.fingerprint}; differences:\n${e.previous.diff.map((d) => `    - ${d}`).join('\n')}`;
      }
      return `${e.id}\n  fingerprint ${e.fingerprint} (${where})\n${fields}\n${last}`;
    })
    .join('\n\n');
}

export function formatDag(def: PipelineDef, options: ExpandOptions = {}): string {
  const expansion = expand(def, options);
  const count = (node: string): number => expansion.byNode.get(node)!.length;
  const text = expansion.order.map((node) => {
    const spec = def.nodes[node];
    const ins = Object.entries(spec.inputs ?? {}).map(([name, w]) => {
      const { from, all } = wireSource(w);
      return `${name} ← ${from}${all ? ' (all branches)' : ''}`;
    });
    const fan = count(node) > 1 ? ` ×${count(node)} branches` : '';
    return `${node} [${spec.stage.name}]${fan}${ins.length ? `  ${ins.join(', ')}` : ''}`;
  });
  const mermaid = ['```mermaid', 'flowchart LR'];
  for (const node of expansion.order) {
    const fan = count(node) > 1 ? `<br/>×${count(node)}` : '';
    mermaid.push(`  ${mermaidId(node)}["${node}${fan}"]`);
  }
  for (const node of expansion.order) {
    for (const [name, w] of Object.entries(def.nodes[node].inputs ?? {})) {
      const { from, all } = wireSource(w);
      mermaid.push(`  ${mermaidId(from)} ${all ? '==>' : '-->'}|${name}| ${mermaidId(node)}`);
    }
  }
  mermaid.push('```');
  return `${text.join('\n')}\n\n${mermaid.join('\n')}`;
}

function mermaidId(node: string): string {
  return node.replace(/[^A-Za-z0-9_]/g, '_');
}

export interface GcReport {
  removed: { stage: string; fingerprint: string; bytes: number; reason: string }[];
  kept: number;
  /** Checkpoint folders removed (only with `checkpoints: true`; otherwise they stay for a resume). */
  checkpoints: number;
}

/** Remove artifacts the lock file does not reference (and folders without a valid manifest). */
export async function gc(
  project: Project,
  options: { dryRun?: boolean; wait?: boolean; checkpoints?: boolean } = {},
): Promise<GcReport> {
  const storeLock = options.dryRun ? null : await acquireStoreLock(project.store.root, { wait: options.wait });
  try {
    const distributed = options.dryRun ? [] : await liveRuns(project.store.root);
    if (distributed.length > 0) {
      // Their workers commit artifacts the lock file does not name yet: collecting now could remove them.
      throw new UserError(
        `gc: distributed runs are using the store (${distributed.join('; ')}); run gc after they finish`,
        EXIT.locked,
      );
    }
    const lock: Lock = await readLock(project.lockPath);
    const keep = referencedArtifacts(lock);
    const report: GcReport = { removed: [], kept: 0, checkpoints: 0 };
    for (const item of await project.store.list()) {
      const referenced = keep.has(`${item.stage}/${item.fingerprint}`);
      if (item.valid && referenced) {
        report.kept++;
        continue;
      }
      report.removed.push({
        stage: item.stage,
        fingerprint: item.fingerprint,
        bytes: item.bytes,
        reason: item.valid ? 'not in the lock file' : 'no valid manifest',
      });
      if (!options.dryRun) await project.store.remove(item.stage, item.fingerprint);
    }
    if (!options.dryRun) await project.store.cleanup();
    if (options.checkpoints)
      report.checkpoints = options.dryRun
        ? (await project.store.listCheckpoints()).length
        : await project.store.dropCheckpoints();
    return report;
  } finally {
    await storeLock?.release();
  }
}

export async function verify(
  project: Project,
): Promise<{ checked: number; problems: { stage: string; fingerprint: string; problems: string[] }[] }> {
  const items = (await project.store.list()).filter((i) => i.valid);
  const problems = [];
  for (const item of items) {
    const report = await project.store.verify(item.stage, item.fingerprint);
    if (report.problems.length > 0) problems.push(report);
  }
  return { checked: items.length, problems };
}

export interface ResolvedArtifact {
  stage: string;
  fingerprint: string;
  dir: string;
  manifest: Manifest;
  /** The lock file's node id, when resolved through the lock. */
  node?: string;
  /** How the reference was understood, for messages. */
  via: string;
}

export interface ResolveArtifactOptions {
  /** The stage whose artifacts a bare fingerprint prefix or stage name refers to (e.g. "train"). */
  stage: string;
  /** The pipeline whose lock entries name nodes; a function when finding it costs (loading a module). */
  pipeline: string | (() => Promise<string>);
  /** The flag being resolved, for messages (e.g. "--model"). */
  flag: string;
  /** Relative paths are taken from here (the caller's working directory). */
  cwd?: string;
}

/** Shorter prefixes collide too easily to be a safe way to name an artifact. */
const MIN_PREFIX = 6;

/**
 * A user's reference to an artifact, through the store (never by listing its folders): in order, a folder that is
 * a committed artifact; then, for a reference that is not path-like, the lock file's node of that id, or the only
 * node of that name or stage; last an artifact of `options.stage` whose fingerprint starts with it (≥ 6 hex
 * characters). A path that is no artifact resolves to null (the caller may accept other folders); nothing
 * matching, or more than one, is a UserError naming every place looked at.
 */
export async function resolveArtifact(
  project: Project,
  ref: string,
  options: ResolveArtifactOptions,
): Promise<ResolvedArtifact | null> {
  const { stage, flag } = options;
  const path = resolvePath(options.cwd ?? process.cwd(), ref);
  const pathLike = isAbsolute(ref) || ref.startsWith('.') || ref.includes('/') || ref.includes('\\');
  const atPath = await project.store.at(path);
  if (atPath)
    return {
      stage: atPath.manifest.stage,
      fingerprint: atPath.manifest.fingerprint,
      dir: atPath.dir,
      manifest: atPath.manifest,
      via: `artifact ${atPath.manifest.stage}/${atPath.manifest.fingerprint}`,
    };
  if (pathLike) return null;

  const tried: string[] = [];
  const pipeline = typeof options.pipeline === 'string' ? options.pipeline : await options.pipeline();
  const lock = await readLock(project.lockPath);
  const nodes = lock.pipelines[pipeline]?.nodes;
  if (!nodes) {
    const others = Object.keys(lock.pipelines);
    tried.push(
      `${project.lockPath} has no pipeline '${pipeline}'${others.length ? ` (it has: ${others.join(', ')}; pick one with --pipeline)` : ''}`,
    );
  } else {
    const exact = nodes[ref];
    const named = Object.entries(nodes).filter(
      ([id, n]) => id !== ref && (id.split('[')[0] === ref || n.stage === ref),
    );
    const pick = exact ? ([ref, exact] as const) : named.length === 1 ? named[0] : null;
    if (pick) {
      const [id, node] = pick;
      const artifact = await project.store.get(node.stage, node.fingerprint);
      if (!artifact) {
        throw new UserError(
          `${flag} ${id}: the lock file names ${node.stage}/${node.fingerprint}, which is not in the store ${project.store.root} (removed by gc, or built elsewhere): rebuild it with npm run pipeline -- --stage ${id.split('[')[0]}`,
        );
      }
      return {
        stage: node.stage,
        fingerprint: node.fingerprint,
        dir: artifact.dir,
        manifest: artifact.manifest,
        node: id,
        via: `node ${id} (${node.stage}/${node.fingerprint})`,
      };
    }
    if (named.length > 1) {
      throw new UserError(
        `${flag} ${ref}: the lock file names ${named.length} nodes of pipeline '${pipeline}' for it; pick one: ${named.map(([id, n]) => `${id} (${n.stage}/${n.fingerprint})`).join(', ')}`,
      );
    }
    const ofStage = Object.entries(nodes)
      .filter(([, n]) => n.stage === stage)
      .map(([id]) => id);
    tried.push(
      `no node '${ref}' in ${project.lockPath} for pipeline '${pipeline}' (its ${stage} nodes: ${ofStage.length ? ofStage.join(', ') : 'none'})`,
    );
  }

  const prefix = ref.toLowerCase();
  if (prefix.length < MIN_PREFIX || !/^[0-9a-f]+$/.test(prefix)) {
    tried.push(`not a fingerprint prefix (${MIN_PREFIX}+ hex characters) of a ${stage} artifact`);
  } else {
    const matches = await project.store.find(stage, prefix);
    if (matches.length > 1)
      throw new UserError(
        `${flag} ${ref}: ${matches.length} ${stage} artifacts start with it in ${project.store.root}: ${matches.map((m) => m.manifest.fingerprint).join(', ')}`,
      );
    if (matches.length === 1) {
      const [m] = matches;
      return {
        stage,
        fingerprint: m.manifest.fingerprint,
        dir: m.dir,
        manifest: m.manifest,
        via: `artifact ${stage}/${m.manifest.fingerprint}`,
      };
    }
    tried.push(`no committed ${stage} artifact whose fingerprint starts with '${prefix}' in ${project.store.root}`);
  }
  throw new UserError(`${flag} ${ref}: nothing matches: no file or folder ${path}; ${tried.join('; ')}`);
}
