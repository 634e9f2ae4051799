// The `download` stage end to end: from the shipped data/ (offline default), from a loopback mirror laid out like
// the official hosts, and the failures that must stop it (a corrupted data/ file, a corrupted mirror file).
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { runStage } from '../../pipelines/engine/testing.ts';
import { resolveParams } from '../../pipelines/engine/params.ts';
import { DATASETS, DATASET_IDS, LOCAL_SOURCE_LABEL, downloadStage } from '../../stages/download/index.ts';
import { remoteUrl } from '../../stages/download/sources.ts';
import { makeZip, scratchDir, serveBytes, startServer, type ZipEntrySpec } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, 'data');
const MLQA_R_COMMIT = '354d67d1cd066854cdfbf5ad0e6105528976141d';
const XNLI_MIRROR = 'wuhjie/few_shots_that_matters_wu/6bfe6324e428ec21a777b5543cd8e50ec82dcb3c';

async function dataFiles(dataset: string): Promise<string[]> {
  return (await readdir(join(DATA, dataset))).filter((f) => f !== 'PROVENANCE.md').sort();
}

/** Every output file equals the shipped one, and the folder holds exactly the registered files. */
async function assertSameAsData(t: import('ava').ExecutionContext, outDir: string, datasets: readonly string[]) {
  t.deepEqual((await readdir(outDir)).sort(), [...datasets, 'sources.json'].sort());
  for (const dataset of datasets) {
    const names = (await readdir(join(outDir, dataset))).sort();
    t.deepEqual(names, await dataFiles(dataset), dataset);
    for (const name of names) {
      const same = (await readFile(join(outDir, dataset, name))).equals(await readFile(join(DATA, dataset, name)));
      t.true(same, `${dataset}/${name} differs from data/`);
    }
  }
}

/**
 * A mirror laid out like the official hosts (paths spelled out here, not taken from the registry, so a wrong
 * registry path fails): the MLQA zip (dev + a test file we must not extract), LAReQA raw files, MUSE `src tgt` text.
 */
async function buildMirror(overrides: Record<string, Buffer> = {}): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  files.set('/MLQA/MLQA_V1.zip', await (mlqaZip ??= buildMlqaZip()));
  for (const name of await dataFiles('xquad-r')) {
    files.set(`/google-research-datasets/lareqa/master/xquad-r/${name}`, await readFile(join(DATA, 'xquad-r', name)));
  }
  for (const name of await dataFiles('mlqa-r')) {
    files.set(
      `/google-research-datasets/lareqa/${MLQA_R_COMMIT}/mlqa-r/${name}`,
      await readFile(join(DATA, 'mlqa-r', name)),
    );
  }
  for (const name of await dataFiles('muse')) {
    // The official format: one space between source and target.
    const text = (await readFile(join(DATA, 'muse', name), 'utf8')).replaceAll('\t', ' ');
    files.set(`/arrival/dictionaries/${name.replace('.tsv', '.txt')}`, Buffer.from(text));
  }
  for (const name of await dataFiles('xnli-dev')) {
    files.set(`/${XNLI_MIRROR}/data/xnli/${name}`, await readFile(join(DATA, 'xnli-dev', name)));
  }
  for (const [path, body] of Object.entries(overrides)) files.set(path, body);
  return files;
}

let mlqaZip: Promise<Buffer> | undefined;

async function buildMlqaZip(): Promise<Buffer> {
  const entries: ZipEntrySpec[] = [{ name: 'MLQA_V1/' }, { name: 'MLQA_V1/dev/' }];
  for (const name of await dataFiles('mlqa-dev')) {
    entries.push({ name: `MLQA_V1/dev/${name}`, data: await readFile(join(DATA, 'mlqa-dev', name)) });
  }
  entries.push({ name: 'MLQA_V1/test/test-context-en-question-en.json', data: Buffer.from('{}') });
  return makeZip(entries);
}

async function startMirror(t: import('ava').ExecutionContext, files: Map<string, Buffer>) {
  return startServer(t, (req, res) => {
    const body = files.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (body) serveBytes(req, res, body);
    else res.writeHead(404).end();
  });
}

test('source "local" (default) copies data/ into the documented layout, verified, with sources.json', async (t) => {
  const outDir = await scratchDir(t);
  const progress: number[] = [];
  const { summary } = await runStage(downloadStage, {
    rootDir: ROOT,
    outDir,
    onProgress: (done, total) => {
      t.is(total, 93);
      progress.push(done);
    },
  });
  await assertSameAsData(t, outDir, DATASET_IDS);
  t.is(progress.at(-1), 93);
  t.is(summary.source, 'local');
  t.deepEqual(summary.files, { 'mlqa-dev': 49, 'xquad-r': 11, 'mlqa-r': 7, muse: 11, 'xnli-dev': 15 });
  t.deepEqual(summary.sources, Object.fromEntries(DATASET_IDS.map((id) => [id, LOCAL_SOURCE_LABEL])));
  t.is(summary.bytes, 27_722_430 + 17_863_417 + 13_634_173 + 12_904_328 + 9_526_317);
  t.deepEqual(summary.nonCommercial, ['mlqa-r', 'muse', 'xnli-dev']);
  const sources = JSON.parse(await readFile(join(outDir, 'sources.json'), 'utf8'));
  t.is(sources.source, 'local');
  t.is(sources.datasets['mlqa-dev'].source, 'local data/ (offline)');
  t.is(sources.datasets['mlqa-dev'].official, 'https://dl.fbaipublicfiles.com/MLQA/MLQA_V1.zip');
  t.is(sources.datasets['mlqa-dev'].license, 'CC-BY-SA-3.0');
  t.is(sources.datasets.muse.license, 'CC-BY-NC-4.0');
  t.true(sources.datasets.muse.nonCommercial);
  t.true(sources.datasets['mlqa-r'].nonCommercial);
  t.true(sources.datasets['xnli-dev'].nonCommercial);
  t.is(sources.datasets['xnli-dev'].files, 15);
  t.is(sources.datasets['xquad-r'].files, 11);
  t.is(sources.datasets['xquad-r'].bytes, 17_863_417);
});

test('files(params) declares the data/ folders for local, nothing for remote; params are validated', (t) => {
  const parse = (raw: Record<string, unknown>) => resolveParams(downloadStage, 'download', raw) as never;
  t.deepEqual(downloadStage.files!(parse({})), [
    'data/mlqa-dev',
    'data/xquad-r',
    'data/mlqa-r',
    'data/muse',
    'data/xnli-dev',
  ]);
  t.deepEqual(downloadStage.files!(parse({ datasets: ['muse', 'xquad-r'] })), ['data/xquad-r', 'data/muse']);
  t.deepEqual(downloadStage.files!(parse({ source: 'remote' })), []);
  t.throws(() => parse({ baseUrl: 'http://127.0.0.1:1' }), { message: /baseUrl is only used with source "remote"/ });
  t.throws(() => parse({ datasets: ['squad'] }), { message: /download\.datasets/ });
  t.throws(() => parse({ datasets: ['muse', 'muse'] }), { message: /must not repeat/ });
  t.throws(() => parse({ source: 'remote', baseUrl: 'ftp://mirror' }), { message: /download\.baseUrl/ });
});

test('the registry points at the official URLs', (t) => {
  const url = (id: keyof typeof DATASETS, i = 0) => remoteUrl(DATASETS[id].files[i].remote);
  t.is(url('mlqa-dev'), 'https://dl.fbaipublicfiles.com/MLQA/MLQA_V1.zip');
  t.is(url('xquad-r'), 'https://raw.githubusercontent.com/google-research-datasets/lareqa/master/xquad-r/ar.json');
  t.is(
    url('mlqa-r'),
    `https://raw.githubusercontent.com/google-research-datasets/lareqa/${MLQA_R_COMMIT}/mlqa-r/ar.json`,
  );
  t.is(url('muse'), 'https://dl.fbaipublicfiles.com/arrival/dictionaries/en-ar.txt');
  t.is(url('xnli-dev'), `https://raw.githubusercontent.com/${XNLI_MIRROR}/data/xnli/dev-ar.tsv`);
  t.is(
    remoteUrl(DATASETS.muse.files[1].remote, 'http://mirror/base/'),
    'http://mirror/base/arrival/dictionaries/en-de.txt',
  );
});

test('source "remote" with baseUrl on a loopback mirror produces the same files', async (t) => {
  const mirror = await startMirror(t, await buildMirror());
  const outDir = await scratchDir(t);
  const { summary } = await runStage(downloadStage, {
    rootDir: ROOT,
    outDir,
    params: { source: 'remote', baseUrl: mirror.url, timeoutMs: 10_000, retries: 1 },
  });
  await assertSameAsData(t, outDir, DATASET_IDS);
  t.is(summary.source, 'remote');
  t.is(summary.sources['mlqa-dev'], `${mirror.url}/MLQA/MLQA_V1.zip`);
  t.is(summary.sources['xquad-r'], `${mirror.url}/google-research-datasets/lareqa/master/xquad-r/`);
  const sources = JSON.parse(await readFile(join(outDir, 'sources.json'), 'utf8'));
  t.is(sources.datasets.muse.source, `${mirror.url}/arrival/dictionaries/`);
  t.is(sources.datasets.muse.urls.length, 11);
  t.is(sources.datasets['mlqa-dev'].urls.length, 1);
  const fetched = mirror.requests.map((r) => r.url);
  t.is(fetched.filter((u) => u === '/MLQA/MLQA_V1.zip').length, 1, 'the archive is fetched once');
  t.is(fetched.length, 1 + 11 + 7 + 11 + 15);
});

test('a corrupted local file stops the stage with an error naming the file', async (t) => {
  const root = await scratchDir(t);
  const dir = join(root, 'data', 'xquad-r');
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(join(DATA, 'xquad-r'))) await copyFile(join(DATA, 'xquad-r', name), join(dir, name));
  const bytes = await readFile(join(dir, 'de.json'));
  bytes[1000] ^= 0x20; // same size, different content
  await writeFile(join(dir, 'de.json'), bytes);
  const outDir = await scratchDir(t);
  const error = await t.throwsAsync(
    runStage(downloadStage, { rootDir: root, outDir, params: { datasets: ['xquad-r'] } }),
  );
  t.regex(
    error!.message,
    /integrity check failed for data\/xquad-r\/de\.json: expected sha256 [0-9a-f]{64}, got sha256 [0-9a-f]{64}/,
  );
  t.false((await readdir(join(outDir, 'xquad-r'))).includes('de.json'), 'the bad copy is not kept');

  await writeFile(join(dir, 'de.json'), bytes.subarray(0, 10));
  await t.throwsAsync(
    runStage(downloadStage, { rootDir: root, outDir: await scratchDir(t), params: { datasets: ['xquad-r'] } }),
    {
      message: /data\/xquad-r\/de\.json: expected 732156 bytes, got 10 bytes/,
    },
  );
  await t.throwsAsync(
    runStage(downloadStage, { rootDir: root, outDir: await scratchDir(t), params: { datasets: ['muse'] } }),
    {
      message: /data\/muse\/ does not exist/,
    },
  );
});

test('a corrupted mirror file stops the stage with an error naming the URL and both digests', async (t) => {
  const bad = Buffer.from((await readFile(join(DATA, 'mlqa-r', 'de.json'), 'utf8')).replace('"version"', '"versioN"'));
  const path = `/google-research-datasets/lareqa/${MLQA_R_COMMIT}/mlqa-r/de.json`;
  const mirror = await startMirror(t, await buildMirror({ [path]: bad }));
  const error = await t.throwsAsync(
    runStage(downloadStage, {
      rootDir: ROOT,
      outDir: await scratchDir(t),
      params: { source: 'remote', baseUrl: mirror.url, datasets: ['mlqa-r'], retries: 0 },
    }),
  );
  t.true(error!.message.includes(`${mirror.url}${path}`));
  t.true(error!.message.includes(DATASETS['mlqa-r'].files[1].sha256));
  t.regex(error!.message, /checksum mismatch/);
});

test('a MUSE dictionary that converts to other bytes, or does not parse, is refused', async (t) => {
  const changed = Buffer.from(
    (await readFile(join(DATA, 'muse', 'en-de.tsv'), 'utf8')).replaceAll('\t', ' ').replace('\nthe ', '\nThe '),
  );
  const mirror = await startMirror(t, await buildMirror({ '/arrival/dictionaries/en-de.txt': changed }));
  await t.throwsAsync(
    runStage(downloadStage, {
      rootDir: ROOT,
      outDir: await scratchDir(t),
      params: { source: 'remote', baseUrl: mirror.url, datasets: ['muse'], retries: 0 },
    }),
    {
      message:
        /integrity check failed for http:\/\/127\.0\.0\.1:\d+\/arrival\/dictionaries\/en-de\.txt.*after conversion to TSV/,
    },
  );
  const garbled = await startMirror(
    t,
    await buildMirror({ '/arrival/dictionaries/en-ar.txt': Buffer.from('one two three\n') }),
  );
  await t.throwsAsync(
    runStage(downloadStage, {
      rootDir: ROOT,
      outDir: await scratchDir(t),
      params: { source: 'remote', baseUrl: garbled.url, datasets: ['muse'], retries: 0 },
    }),
    { message: /en-ar\.txt line 1: expected "source target", got 3 token/ },
  );
});

test('a mirror missing a file fails with the 404 URL, without retrying', async (t) => {
  const files = await buildMirror();
  files.delete('/google-research-datasets/lareqa/master/xquad-r/th.json');
  const mirror = await startMirror(t, files);
  await t.throwsAsync(
    runStage(downloadStage, {
      rootDir: ROOT,
      outDir: await scratchDir(t),
      params: { source: 'remote', baseUrl: mirror.url, datasets: ['xquad-r'], retries: 3 },
    }),
    { message: /HTTP 404 for http:\/\/127\.0\.0\.1:\d+\/google-research-datasets\/lareqa\/master\/xquad-r\/th\.json/ },
  );
  t.is(mirror.requests.filter((r) => r.url.endsWith('/th.json')).length, 1);
});
