// The command line: `npm run pipeline -- [verb] [options]`. Parses flags (commander), loads the pipeline
// module, calls the operations and turns their values into text and exit codes.
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { CliCommand, CommandContext } from './commands.ts';
import { EXIT, UserError } from './errors.ts';
import type { ExpandOptions } from './expand.ts';
import {
  explain,
  formatDag,
  formatExplanation,
  formatStatus,
  gc,
  openProject,
  pipelineStatus,
  runPipeline,
  verify,
  type Project,
} from './operations.ts';
import { parseCliValue } from './params.ts';
import type { PipelineDef } from './pipeline.ts';
import { nodeArtifacts, publish } from './publish.ts';
import { createReporter } from './reporter.ts';
import type { Executor } from './executor.ts';

interface CommonOptions {
  pipeline: string;
  profile?: string;
  root: string;
  set: string[];
  sweep: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function withCommon(command: Command, defaultPipeline = 'study'): Command {
  return command
    .option(
      '-p, --pipeline <name|file>',
      'pipeline: a name under pipelines/ or a path to a .ts module',
      defaultPipeline,
    )
    .option('--profile <name>', "one of the pipeline's profiles (the study: quick, the default, or full)")
    .option('--root <dir>', 'project root (data/, artifacts/, the lock file)', process.cwd())
    .option(
      '--set <stage.param=value>',
      'override a param (repeatable); values parse as JSON when they can',
      collect,
      [],
    )
    .option(
      '--sweep <stage.param=v1,v2,...>',
      'fan the sub-graph out over values (repeatable: cartesian)',
      collect,
      [],
    );
}

export function parseSet(items: string[]): Record<string, Record<string, unknown>> {
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const match = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(item);
    if (!match) throw new UserError(`--set ${item}: expected <stage>.<param>=<value>, e.g. --set train.batchSize=256`);
    const [, node, key, value] = match;
    (overrides[node] ??= {})[key] = parseCliValue(value);
  }
  return overrides;
}

export function parseSweeps(items: string[]): Record<string, unknown[]> {
  const sweeps: Record<string, unknown[]> = {};
  for (const item of items) {
    const match = /^([^.=]+\.[^=]+)=(.+)$/s.exec(item);
    if (!match)
      throw new UserError(
        `--sweep ${item}: expected <stage>.<param>=v1,v2,..., e.g. --sweep train.batchSize=16,64,256`,
      );
    sweeps[match[1]] = match[2].split(',').map((v) => parseCliValue(v.trim()));
  }
  return sweeps;
}

export function isPipelinePath(spec: string): boolean {
  return spec.includes('/') || /\.[cm]?[jt]s$/.test(spec);
}

export async function loadPipeline(spec: string, root: string): Promise<PipelineDef> {
  const file = isPipelinePath(spec) ? resolve(spec) : resolve(root, 'pipelines', `${spec}.ts`);
  let mod: { default?: PipelineDef };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: PipelineDef };
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as Error).message).includes(file)
    ) {
      throw new UserError(`--pipeline ${spec}: no pipeline module at ${file}`);
    }
    throw error;
  }
  const def = mod.default;
  if (!def || typeof def !== 'object' || !def.nodes)
    throw new UserError(`${file}: its default export is not a pipeline (use definePipeline)`);
  return def;
}

interface Loaded {
  project: Project;
  def: PipelineDef;
  expandOptions: ExpandOptions;
}

async function load(options: CommonOptions): Promise<Loaded> {
  const root = resolve(options.root);
  return {
    project: openProject(root),
    def: await loadPipeline(options.pipeline, root),
    expandOptions: { profile: options.profile, overrides: parseSet(options.set), sweeps: parseSweeps(options.sweep) },
  };
}

interface RunFlags {
  stage: string[];
  only: string[];
  force: string[];
  /** Unset: 1 for the local executor, every ready instance for bullmq. */
  jobs?: number;
  executor?: string;
  redis?: string;
  redisTimeout?: number;
  keepGoing: boolean;
  dryRun: boolean;
  wait: boolean;
}

/** Runs the pipeline and prints its outcome; true when it ended with exit code 0. */
async function runAndReport(options: CommonOptions & RunFlags, print: (text: string) => void): Promise<boolean> {
  const { project, def, expandOptions } = await load(options);
  const reporter = createReporter();
  const controller = new AbortController();
  const onSignal = (): void => {
    reporter.info('interrupted: stopping after running stages are discarded');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let executor: Executor | undefined;
  try {
    // BullMQ and its Redis client load only when asked for: a local run never pays for them.
    if (!options.dryRun && (options.executor !== 'local' || options.redis)) {
      const { executorFromFlags } = await import('./executor-bullmq.ts');
      executor = await executorFromFlags(options, {
        store: project.store,
        rootDir: project.rootDir,
        pipeline: options.pipeline,
        expand: expandOptions,
      });
    }
    const report = await runPipeline(project, def, {
      executor,
      ...expandOptions,
      selection: { targets: options.stage, only: options.only, force: options.force },
      jobs: options.jobs,
      keepGoing: options.keepGoing,
      dryRun: options.dryRun,
      wait: options.wait,
      reporter,
      signal: controller.signal,
    });
    reporter.close();
    if (options.dryRun) {
      print(
        report.wouldRun.length === 0
          ? 'Nothing would run: everything is up to date.'
          : `Would run ${report.wouldRun.length}:`,
      );
      for (const item of report.wouldRun) print(`  ${item.id}  (${item.reasons.join('; ')})`);
      return true;
    }
    const counts = { ran: 0, cached: 0, failed: 0, skipped: 0 };
    for (const r of report.results.values()) counts[r.outcome]++;
    const engine = `engine ${formatMs(report.engineMs)}`;
    if (counts.ran + counts.failed + counts.skipped === 0)
      print(`Everything up to date: ${counts.cached} stages cached, nothing to do (${engine}).`);
    else
      print(
        `${counts.ran} ran, ${counts.cached} cached, ${counts.failed} failed, ${counts.skipped} skipped (${engine}).`,
      );
    for (const [id, r] of report.results) if (r.error) print(`\n${id} failed:\n${r.error.stack ?? r.error.message}`);
    process.exitCode = controller.signal.aborted ? 130 : report.exitCode;
    if (process.exitCode === 0 && def.summary && options.stage.length === 0 && options.only.length === 0) {
      // The study's answer, printed where the user looks: the summary file of the node that holds it (of each of
      // its instances when a sweep upstream fans it out, e.g. over pairs.alignment).
      const artifacts = await nodeArtifacts(project, def, def.summary.node, expandOptions);
      for (const artifact of artifacts) {
        if (!artifact.files.some((f) => f.path === def.summary!.file)) continue;
        if (artifacts.length > 1) print(`\n${artifact.id}:`);
        print(`\n${(await readFile(join(artifact.dir, def.summary.file), 'utf8')).trimEnd()}`);
        print(`\n(${def.summary.file} of ${artifact.stage}/${artifact.fingerprint})`);
        for (const link of def.summary.links ?? []) {
          if (artifact.files.some((f) => f.path === link))
            print(`${link}: ${relative(process.cwd(), join(artifact.dir, link)) || '.'}`);
        }
      }
    }
    return process.exitCode === 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter.close();
    await executor?.close();
  }
}

export function buildProgram(
  commands: readonly CliCommand[] = [],
  out: (text: string) => void = (t) => process.stdout.write(t),
): Command {
  const program = new Command('pipeline')
    .description('hybrid-xlr: run the study as a reproducible DAG with content-addressed cached artifacts')
    .showHelpAfterError()
    .exitOverride();
  const print = (text: string): void => out(`${text}\n`);

  withCommon(program.command('run', { isDefault: true }).description('bring the pipeline (or --stage) up to date'))
    .option('--stage <stage...>', 'bring these stages up to date (their stale upstream first)', [])
    .option('--only <stage...>', 'run these stages alone, on cached inputs', [])
    .option('--force <stage...>', 'rerun these stages even when cached', [])
    .option('-j, --jobs <n>', 'instances run in parallel (default 1; with --executor bullmq, every ready one)', (v) =>
      positiveInt('--jobs', v),
    )
    .option('--keep-going', 'after a failure, still run what does not depend on it', false)
    .option(
      '--executor <name>',
      'local (this process) or bullmq (workers started with `npm run worker`, through Redis)',
      'local',
    )
    .option('--redis <url>', 'Redis for --executor bullmq, redis://HOST:PORT (default: $HXLR_REDIS)')
    .option(
      '--redis-timeout <s>',
      'with bullmq: fail after Redis has been unreachable this long',
      (v) => positiveInt('--redis-timeout', v),
      60,
    )
    .option('-n, --dry-run', 'list what would run and why, run nothing', false)
    .option('--wait', 'wait for another run holding the store instead of exiting', false)
    .action(async (options: CommonOptions & RunFlags) => {
      await runAndReport(options, print);
    });

  withCommon(
    program
      .command('export')
      .description("bring the pipeline up to date, then copy its output node's artifact (the dataset) to --out"),
    'export',
  )
    .requiredOption('-o, --out <dir>', 'folder to write the export to')
    .option('--replace', 'replace --out when it exists and is not empty', false)
    .option('-j, --jobs <n>', 'instances run in parallel', (v) => positiveInt('--jobs', v), 1)
    .option('--wait', 'wait for another run holding the store instead of exiting', false)
    .action(async (options: CommonOptions & { out: string; replace: boolean; jobs: number; wait: boolean }) => {
      const ok = await runAndReport(
        { ...options, stage: [], only: [], force: [], keepGoing: false, dryRun: false },
        print,
      );
      if (!ok) return;
      const { project, def, expandOptions } = await load(options);
      const report = await publish(project, def, options.out, { ...expandOptions, replace: options.replace });
      print(
        `Exported ${report.files} files (${formatBytes(report.bytes)}) of ${report.stage}/${report.fingerprint} to ${report.dir}${report.replaced ? ' (replaced the previous export)' : ''}.`,
      );
    });

  withCommon(program.command('status').description('fresh, stale (and why) or never run, for every stage')).action(
    async (options: CommonOptions) => {
      const { project, def, expandOptions } = await load(options);
      print(formatStatus(await pipelineStatus(project, def, expandOptions)));
    },
  );

  withCommon(program.command('dag').description('the graph as text and as a Mermaid block')).action(
    async (options: CommonOptions) => {
      const { def, expandOptions } = await load(options);
      print(formatDag(def, expandOptions));
    },
  );

  withCommon(
    program
      .command('explain')
      .argument('<stage>', 'stage (node) name')
      .description('the whole fingerprint record and its diff against the last run'),
  )
    .option('--json', 'print JSON', false)
    .action(async (stage: string, options: CommonOptions & { json: boolean }) => {
      const { project, def, expandOptions } = await load(options);
      const items = await explain(project, def, stage, expandOptions);
      print(options.json ? JSON.stringify(items, null, 2) : formatExplanation(items));
    });

  program
    .command('gc')
    .description('remove artifacts no longer referenced by the lock file')
    .option('--root <dir>', 'project root', process.cwd())
    .option('-n, --dry-run', 'list what would be removed', false)
    .option('--wait', 'wait for another run holding the store', false)
    .option('--checkpoints', 'also remove the checkpoints that killed runs left to resume from', false)
    .action(async (options: { root: string; dryRun: boolean; wait: boolean; checkpoints: boolean }) => {
      const report = await gc(openProject(resolve(options.root)), options);
      if (report.checkpoints > 0)
        print(`${options.dryRun ? 'would remove' : 'removed'} ${report.checkpoints} checkpoint folders`);
      const bytes = report.removed.reduce((sum, r) => sum + r.bytes, 0);
      for (const r of report.removed)
        print(
          `${options.dryRun ? 'would remove' : 'removed'} ${r.stage}/${r.fingerprint} (${formatBytes(r.bytes)}, ${r.reason})`,
        );
      print(
        `${options.dryRun ? 'Would free' : 'Freed'} ${formatBytes(bytes)} in ${report.removed.length} artifacts; kept ${report.kept}.`,
      );
    });

  program
    .command('verify')
    .description('rehash every artifact and report files that no longer match their manifest')
    .option('--root <dir>', 'project root', process.cwd())
    .action(async (options: { root: string }) => {
      const report = await verify(openProject(resolve(options.root)));
      for (const item of report.problems)
        for (const p of item.problems) print(`${item.stage}/${item.fingerprint}: ${p}`);
      print(
        report.problems.length === 0
          ? `All ${report.checked} artifacts match their manifests.`
          : `${report.problems.length} of ${report.checked} artifacts do not match their manifests.`,
      );
      if (report.problems.length > 0) process.exitCode = EXIT.stageFailed;
    });

  const context: CommandContext = { print, loadPipeline, isPipelinePath };
  for (const command of commands) command.register(program, context);
  return program;
}

export function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${value}: expected a positive integer`);
  return n;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Entry point: returns the exit code instead of exiting, so it can be called in-process. */
export async function main(argv: string[], commands: readonly CliCommand[] = []): Promise<number> {
  const program = buildProgram(commands);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    const e = error as Error & { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
    if (e.code?.startsWith('commander.')) return EXIT.usage;
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`internal error: ${e.stack ?? e.message}\n`);
    return EXIT.stageFailed;
  }
}
