// The `embed` verb and embedTexts: unit-norm rows that match a plain-arithmetic reference of the encoder, no leaked
// tensors, the vectors file and sidecar a real CLI process writes (CRLF input, an empty line), and how --model
// resolves: a model folder, a train artifact folder, lock nodes, fingerprint prefixes, and clear exit-2 errors.
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../pipelines/engine/errors.ts';
import { FINGERPRINT_FORMAT, type FingerprintRecord } from '../../pipelines/engine/fingerprint.ts';
import { LOCK_FILE, writeLock, type Lock } from '../../pipelines/engine/lockfile.ts';
import { LocalStore } from '../../pipelines/engine/store.ts';
import { initBackend, tf } from '../../stages/train/backend.ts';
import { embedFile, resolveModel, splitLines, type VectorsSidecar } from '../../pipelines/commands/embed-file.ts';
import { embed, embedBags, embedTexts } from '../../stages/train/embed.ts';
import { initWeights, type EncoderConfig } from '../../stages/train/encoder.ts';
import { loadEncoder, saveEncoder } from '../../stages/train/model-io.ts';
import { HashedTokenizer } from '../../stages/train/tokenizer.ts';
import { cli, repoRoot, type CliResult } from '../helpers/toy-project.ts';

const CONFIG: EncoderConfig = { buckets: 512, dim: 8, outDim: 6, pooling: 'mean' };
const TEXTS = [
  'the river flows',
  'Der Fluss fließt',
  'el río',
  '河流',
  'แม่น้ำ',
  'the river flows',
  'music of the mountain king',
];

async function tempDir(tag: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `hxlr-embed-${tag}-`));
}

/** The real CLI run from `dir`: `--import tsx` resolves from the working directory, so it needs node_modules. */
async function embedCli(dir: string, args: string[]): Promise<CliResult> {
  if (!existsSync(join(dir, 'node_modules')))
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return cli(dir, ['embed', ...args]);
}

/** A small seeded model folder, as the train stage writes its `model/` folder. */
async function modelDir(dir?: string, seed = 7): Promise<string> {
  const out = dir ?? (await tempDir('model'));
  await mkdir(out, { recursive: true });
  await saveEncoder(out, CONFIG, new HashedTokenizer({ buckets: CONFIG.buckets }).toJSON(), initWeights(CONFIG, seed), {
    loss: 'infonce',
    seed,
  });
  return out;
}

/** normalize(mean(table rows of the features) · kernel + bias), in float64, one text at a time. */
function reference(table: Float32Array, kernel: Float32Array, bias: Float32Array, features: Int32Array): number[] {
  const { dim, outDim } = CONFIG;
  const pooled = new Array<number>(dim).fill(0);
  for (const id of features) for (let d = 0; d < dim; d++) pooled[d] += table[id * dim + d] / features.length;
  const y = Array.from(bias, Number);
  for (let d = 0; d < dim; d++) for (let o = 0; o < outDim; o++) y[o] += pooled[d] * kernel[d * outDim + o];
  const norm = Math.sqrt(y.reduce((s, v) => s + v * v, 0));
  return y.map((v) => v / Math.max(norm, 1e-12));
}

function row(vectors: Float32Array, i: number): number[] {
  return Array.from(vectors.subarray(i * CONFIG.outDim, (i + 1) * CONFIG.outDim));
}

function norm(values: number[]): number {
  return Math.sqrt(values.reduce((s, v) => s + v * v, 0));
}

test.before(async () => {
  await initBackend('cpu');
});

test('embedTexts: unit rows, equal texts equal rows, the plain-arithmetic reference within 1e-5, no leaked tensors', async (t) => {
  const model = await loadEncoder(await modelDir());
  const before = tf.memory().numTensors;
  const progress: [number, number][] = [];
  // batch 3 over 8 texts: full batches and a short last one must agree with the reference alike.
  const texts = [...TEXTS, ''];
  const vectors = await embedTexts(model, texts, {
    batch: 3,
    onProgress: (done, total) => progress.push([done, total]),
  });
  t.is(tf.memory().numTensors, before);
  t.is(vectors.length, texts.length * CONFIG.outDim);
  t.deepEqual(progress, [
    [3, 8],
    [6, 8],
    [8, 8],
  ]);
  for (let i = 0; i < texts.length; i++) {
    const got = row(vectors, i);
    t.true(Math.abs(norm(got) - 1) < 1e-5, `row ${i} norm ${norm(got)}`);
    const want = reference(
      model.weights.table,
      model.weights.kernel,
      model.weights.bias,
      model.tokenizer.features(texts[i]),
    );
    const diff = Math.max(...got.map((v, k) => Math.abs(v - want[k])));
    t.true(diff < 1e-5, `row ${i} (${JSON.stringify(texts[i])}) differs from the reference by ${diff}`);
  }
  t.deepEqual(row(vectors, 0), row(vectors, 5));
  t.notDeepEqual(row(vectors, 0), row(vectors, 1));
  // The empty text has no feature: its row is normalize(bias).
  const bias = Array.from(model.weights.bias);
  const empty = row(vectors, 7);
  for (let k = 0; k < CONFIG.outDim; k++) t.true(Math.abs(empty[k] - bias[k] / norm(bias)) < 1e-6);

  // The batch size changes how texts are grouped, never their rows.
  t.deepEqual(Array.from(await embedTexts(model, texts, { batch: 1024 })), Array.from(vectors));
  t.is((await embedTexts(model, [])).length, 0);
  t.is(tf.memory().numTensors, before);
});

test('splitLines: one text per line, a final newline ends the last one, CRLF is stripped, empty lines stay', (t) => {
  t.deepEqual(splitLines(''), []);
  t.deepEqual(splitLines('\n'), ['']);
  t.deepEqual(splitLines('a\nb'), ['a', 'b']);
  t.deepEqual(splitLines('a\r\n\r\nb\r\n'), ['a', '', 'b']);
  t.deepEqual(splitLines('a\n\n'), ['a', '']);
  t.deepEqual(splitLines('a\rb\n'), ['a\rb']);
});

test('embedFile: vectors equal embedTexts, sidecar describes them, a rerun replaces the pair and leaves no temp file', async (t) => {
  const dir = await tempDir('file');
  const model = await modelDir(join(dir, 'model'));
  const input = join(dir, 'texts.txt');
  // A BOM and CRLF: what a Windows editor saves.
  await writeFile(input, `\ufeff${TEXTS.join('\r\n')}\r\n`);
  const out = join(dir, 'sub', 'vectors.f32');
  const report = await embedFile(model, input, out, { batch: 4, backend: 'cpu@test' });
  const bytes = await readFile(out);
  t.is(bytes.length, TEXTS.length * CONFIG.outDim * 4);
  const want = await embedTexts(await loadEncoder(model), TEXTS);
  t.deepEqual(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)), Array.from(want));
  const sidecar = JSON.parse(await readFile(`${out}.json`, 'utf8')) as VectorsSidecar;
  t.deepEqual(sidecar, report.sidecar);
  t.like(sidecar, {
    format: 'hybrid-xlr/vectors@1',
    count: TEXTS.length,
    dim: 6,
    dtype: 'float32',
    byteOrder: 'little',
    normalized: 'l2',
    emptyTexts: 0,
    backend: 'cpu@test',
  });
  t.like(sidecar.model, { path: model, loss: 'infonce', seed: 7, encoder: CONFIG });
  t.false('fingerprint' in sidecar.model, 'a bare model folder belongs to no artifact');
  t.is(sidecar.input.path, input);
  t.regex(sidecar.input.sha256, /^[0-9a-f]{64}$/);

  await writeFile(input, 'one\n\n');
  await embedFile(model, input, out);
  t.like(JSON.parse(await readFile(`${out}.json`, 'utf8')), { count: 2, emptyTexts: 1 });
  t.is((await readFile(out)).length, 2 * CONFIG.outDim * 4);
  t.deepEqual((await readdir(join(dir, 'sub'))).sort(), ['vectors.f32', 'vectors.f32.json']);

  await writeFile(input, Buffer.from([0x61, 0xff, 0x0a]));
  const error = await t.throwsAsync(embedFile(model, input, join(dir, 'bad.f32')), { instanceOf: UserError });
  t.regex(error!.message, /not valid UTF-8/);
  t.false(existsSync(join(dir, 'bad.f32')));
});

test('CLI embed: 5 lines with CRLF and an empty one → 5 × 6 floats and a sidecar; a missing --model path exits 2', async (t) => {
  const dir = await tempDir('cli');
  const model = await modelDir(join(dir, 'my-model'));
  await writeFile(join(dir, 'texts.txt'), 'the river flows\r\nDer Fluss\r\n\r\n河流\r\nแม่น้ำ\r\n');
  const ok = await embedCli(dir, [
    '--model',
    model,
    '--in',
    'texts.txt',
    '--out',
    'vectors.f32',
    '--batch',
    '2',
    '--backend',
    'cpu',
  ]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /Embedded 5 texts \(1 without any feature/);
  const bytes = await readFile(join(dir, 'vectors.f32'));
  t.is(bytes.length, 5 * 6 * 4);
  const rows = new Float32Array(bytes.buffer, bytes.byteOffset, 30);
  for (let i = 0; i < 5; i++) t.true(Math.abs(norm(Array.from(rows.subarray(i * 6, i * 6 + 6))) - 1) < 1e-5);
  const sidecar = JSON.parse(await readFile(join(dir, 'vectors.f32.json'), 'utf8')) as VectorsSidecar;
  t.like(sidecar, {
    format: 'hybrid-xlr/vectors@1',
    count: 5,
    dim: 6,
    emptyTexts: 1,
    dtype: 'float32',
    byteOrder: 'little',
    normalized: 'l2',
  });
  t.is(sidecar.input.path, join(dir, 'texts.txt'));
  t.regex(sidecar.backend ?? '', /^cpu@/);

  const missing = await embedCli(dir, ['--model', './no-such-model', '--in', 'texts.txt', '--out', 'other.f32']);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--model \.\/no-such-model: no file or folder .*no-such-model/);
  t.false(existsSync(join(dir, 'other.f32')));

  const noInput = await embedCli(dir, [
    '--model',
    model,
    '--in',
    'absent.txt',
    '--out',
    'other.f32',
    '--backend',
    'cpu',
  ]);
  t.is(noInput.code, 2);
  t.regex(noInput.stderr, /--in absent\.txt: cannot read/);

  const badBackend = await embedCli(dir, [
    '--model',
    model,
    '--in',
    'texts.txt',
    '--out',
    'other.f32',
    '--backend',
    'tpu',
  ]);
  t.is(badBackend.code, 2);
  t.regex(badBackend.stderr, /--backend tpu: expected one of auto/);
});

/** A project root with committed train artifacts (seeds 1 and 2) and, when `nodes` is given, a lock naming them. */
async function projectWithTrainArtifacts(
  nodes: (fp: string[]) => Record<string, string>,
): Promise<{ root: string; fps: string[]; dirs: string[] }> {
  const root = await tempDir('root');
  const store = new LocalStore(join(root, 'artifacts'));
  const fps = ['a1b2c3d4e5f600000001', 'a1b2c3ffffff00000002'];
  const dirs: string[] = [];
  for (const [i, fp] of fps.entries()) {
    const staging = await store.begin('train', fp);
    await modelDir(join(staging.dir, 'model'), i + 1);
    const artifact = await store.commit(staging, {
      format: 1,
      stage: 'train',
      node: 'train',
      fingerprint: fp,
      record: record(),
      rows: {},
      timings: { startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:00:01Z', seconds: 1 },
      environment: {},
      summary: null,
    });
    dirs.push(artifact.dir);
  }
  const lock: Lock = { version: 1, pipelines: { study: { nodes: {} } } };
  for (const [id, fp] of Object.entries(nodes(fps)))
    lock.pipelines.study.nodes[id] = { stage: 'train', fingerprint: fp, record: record() };
  await writeLock(join(root, LOCK_FILE), lock);
  return { root, fps, dirs };
}

function record(): FingerprintRecord {
  return {
    format: FINGERPRINT_FORMAT,
    stage: 'train',
    version: 1,
    code: {},
    params: {},
    seed: 0,
    inputs: {},
    files: {},
    env: {},
  };
}

test('--model: a model folder, a train artifact folder (model/ inside) with its fingerprint, and through the CLI', async (t) => {
  const { root, fps, dirs } = await projectWithTrainArtifacts(() => ({}));
  const plain = await modelDir();
  t.like(await resolveModel(plain, { root, pipeline: 'study' }), { dir: plain, fingerprint: undefined });
  t.like(await resolveModel(dirs[0], { root, pipeline: 'study' }), {
    dir: join(dirs[0], 'model'),
    fingerprint: fps[0],
  });
  t.like(await resolveModel(join(dirs[1], 'model'), { root, pipeline: 'study' }), {
    dir: join(dirs[1], 'model'),
    fingerprint: fps[1],
  });
  // Relative to the working directory, as a shell user means it.
  t.like(await resolveModel(`artifacts/train/${fps[0]}`, { root, pipeline: 'study', cwd: root }), {
    fingerprint: fps[0],
  });

  await writeFile(join(root, 'texts.txt'), 'hello world\n');
  const run = await embedCli(root, [
    '--model',
    `artifacts/train/${fps[1]}`,
    '--in',
    'texts.txt',
    '--out',
    'v.f32',
    '--backend',
    'cpu',
  ]);
  t.is(run.code, 0, run.stderr);
  const sidecar = JSON.parse(await readFile(join(root, 'v.f32.json'), 'utf8')) as VectorsSidecar;
  t.like(sidecar, { count: 1, dim: 6, emptyTexts: 0 });
  t.like(sidecar.model, { path: join(dirs[1], 'model'), fingerprint: fps[1], seed: 2 });
  // Called in-process on the model folder alone, it still finds the artifact's fingerprint.
  const direct = await embedFile(join(dirs[0], 'model'), join(root, 'texts.txt'), join(root, 'w.f32'));
  t.is(direct.sidecar.model.fingerprint, fps[0]);

  const notModel = await resolveModel(root, { root, pipeline: 'study' }).catch((e: unknown) => e);
  t.true(notModel instanceof UserError);
  t.regex((notModel as Error).message, /holds neither model\.json nor model\/model\.json/);
});

test('--model: lock nodes (the only train node, a node id) and fingerprint prefixes; ambiguity and misses name the candidates', async (t) => {
  const one = await projectWithTrainArtifacts((fps) => ({ train: fps[1] }));
  t.like(await resolveModel('train', { root: one.root, pipeline: 'study' }), {
    dir: join(one.dirs[1], 'model'),
    fingerprint: one.fps[1],
    node: 'train',
  });
  t.like(await resolveModel('a1b2c3d4', { root: one.root, pipeline: 'study' }), { fingerprint: one.fps[0] });
  t.like(await resolveModel('A1B2C3FF', { root: one.root, pipeline: 'study' }), { fingerprint: one.fps[1] });
  // A pipeline named by its file is looked up in the lock by the name its module gives.
  t.like(await resolveModel('train', { root: one.root, pipeline: async () => 'study' }), { node: 'train' });

  const ambiguousPrefix = await t.throwsAsync(resolveModel('a1b2c3', { root: one.root, pipeline: 'study' }), {
    instanceOf: UserError,
  });
  t.regex(ambiguousPrefix!.message, /2 train artifacts start with it.*a1b2c3d4e5f600000001, a1b2c3ffffff00000002/);
  const short = await t.throwsAsync(resolveModel('a1b2c', { root: one.root, pipeline: 'study' }), {
    instanceOf: UserError,
  });
  t.regex(
    short!.message,
    /nothing matches.*no node 'a1b2c'.*its train nodes: train.*not a fingerprint prefix \(6\+ hex characters\)/,
  );
  const otherPipeline = await t.throwsAsync(resolveModel('train', { root: one.root, pipeline: 'swap' }), {
    instanceOf: UserError,
  });
  t.regex(otherPipeline!.message, /has no pipeline 'swap' \(it has: study; pick one with --pipeline\)/);

  const swept = await projectWithTrainArtifacts((fps) => ({
    'train[batchSize=16]': fps[0],
    'train[batchSize=64]': fps[1],
  }));
  t.like(await resolveModel('train[batchSize=64]', { root: swept.root, pipeline: 'study' }), {
    fingerprint: swept.fps[1],
    node: 'train[batchSize=64]',
  });
  const ambiguous = await t.throwsAsync(resolveModel('train', { root: swept.root, pipeline: 'study' }), {
    instanceOf: UserError,
  });
  t.regex(
    ambiguous!.message,
    /names 2 nodes of pipeline 'study' for it; pick one: train\[batchSize=16\] \(train\/a1b2c3d4e5f600000001\), train\[batchSize=64\]/,
  );

  // The CLI answers a miss with exit code 2 and the places it looked.
  const miss = await embedCli(swept.root, ['--model', 'nothing-here', '--in', 'x.txt', '--out', 'v.f32']);
  t.is(miss.code, 2);
  t.regex(
    miss.stderr,
    /--model nothing-here: nothing matches: no file or folder .*nothing-here; no node 'nothing-here' in .*hybrid-xlr\.lock\.json for pipeline 'study' \(its train nodes: train\[batchSize=16\], train\[batchSize=64\]\)/,
  );

  const gone = await projectWithTrainArtifacts(() => ({ train: 'ffffffffffffffffffff' }));
  const missing = await t.throwsAsync(resolveModel('train', { root: gone.root, pipeline: 'study' }), {
    instanceOf: UserError,
  });
  t.regex(missing!.message, /names train\/ffffffffffffffffffff, which is not in the store/);
});

// Serial: test 2 counts live tensors, and this test's would be counted with them.
test.serial("embedBags on texts tokenized once gives embed's vectors bit for bit, in any batch size", async (t) => {
  await initBackend('cpu');
  const model = await loadEncoder(await modelDir());
  const texts = [...TEXTS, '', '...'];
  const reference = await embed(model, texts);
  const bags = model.tokenizer.encodeBatch(texts);
  for (const batch of [1, 3, 1024]) {
    const fromBags = await embedBags(model, bags, { batch });
    t.deepEqual([...fromBags.vectors], [...reference.vectors], `batch ${batch}`);
    t.is(fromBags.featureless, reference.featureless);
  }
  t.is(reference.featureless, 2, 'the empty text and the punctuation-only one');
});
