// The `embed` verb's command line (what it does is in embed-file.ts, loaded only when the verb runs).
import { resolve } from 'node:path';
import { formatMs, positiveInt, UserError, type CliCommand } from '../engine/index.ts';

export const embedCommand: CliCommand = {
  name: 'embed',
  register(program, ctx) {
    program
      .command('embed')
      .description(
        'embed a text file (one text per line) with a trained encoder: little-endian float32 rows to --out, a JSON sidecar to <out>.json',
      )
      .requiredOption(
        '--model <ref>',
        'a model folder, a train artifact folder, a lock node (train, train[batchSize=64]) or a fingerprint prefix (6+ chars)',
      )
      .requiredOption('--in <file>', 'UTF-8 text, one text per line (LF or CRLF); an empty line is a text too')
      .requiredOption('-o, --out <file>', 'the vectors file; the sidecar goes to <file>.json')
      .option('--batch <n>', 'texts per TF.js call', (v) => positiveInt('--batch', v), 1024)
      .option(
        '--backend <name>',
        'TF.js backend: auto (node-gpu → node → wasm → cpu), node-gpu, node, wasm or cpu',
        'auto',
      )
      .option('-p, --pipeline <name|file>', 'the pipeline whose lock file entries --model may name', 'study')
      .option('--root <dir>', 'project root (artifacts/, the lock file)', process.cwd())
      .action(
        async (options: {
          model: string;
          in: string;
          out: string;
          batch: number;
          backend: string;
          pipeline: string;
          root: string;
        }) => {
          // Loaded here, not at the top: TF.js takes most of a second to import and no other verb needs it.
          const [{ embedFile, resolveModel }, { BACKEND_CHOICES, initBackend }] = await Promise.all([
            import('./embed-file.ts'),
            import('../../stages/train/index.ts'),
          ]);
          const root = resolve(options.root);
          const model = await resolveModel(options.model, {
            root,
            // A pipeline given as a file is known in the lock file by its name, which only its module says.
            pipeline: ctx.isPipelinePath(options.pipeline)
              ? async () => (await ctx.loadPipeline(options.pipeline, root)).name
              : options.pipeline,
          });
          const choice = options.backend as (typeof BACKEND_CHOICES)[number];
          if (!BACKEND_CHOICES.includes(choice))
            throw new UserError(`--backend ${options.backend}: expected one of ${BACKEND_CHOICES.join(', ')}`);
          const backend = await initBackend(choice).catch((error: Error) => {
            throw new UserError(`--backend ${options.backend}: ${error.message}`);
          });
          const began = performance.now();
          const live = process.stderr.isTTY === true;
          const report = await embedFile(model.dir, options.in, options.out, {
            batch: options.batch,
            fingerprint: model.fingerprint,
            node: model.node,
            backend: `${backend.name}@${backend.version}`,
            onProgress: live ? (done, total) => process.stderr.write(`\rembedding ${done}/${total}`) : undefined,
          });
          if (live && report.sidecar.count > 0) process.stderr.write('\n');
          const { count, dim, emptyTexts } = report.sidecar;
          const empty = emptyTexts > 0 ? ` (${emptyTexts} without any feature: they embed as the normalised bias)` : '';
          ctx.print(
            `Embedded ${count} texts${empty} with ${model.via} on ${backend.name} in ${formatMs(performance.now() - began)}.`,
          );
          ctx.print(
            `Wrote ${report.vectorsPath} (${count} × ${dim} float32, little-endian) and ${report.sidecarPath}.`,
          );
        },
      );
  },
};
