// `npm run pipeline -- export --out DIR` end to end, as a real process on the shipped data: DuckDB reads every
// table back with hive partitioning (counts, types, UTF-8, lists), SHA256SUMS and the data card hold, a sweep gives
// one batches partition per branch, and an existing export is never clobbered by accident.
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cli, repoRoot } from '../helpers/toy-project.ts';
import { duckRows } from '../helpers/duckdb.ts';

const PIPELINE = join(repoRoot, 'pipelines/export.ts');
const SWEEP = ['--sweep', 'batches.batchSize=32,64', '--sweep', 'batches.strategy=mono,hybrid'];

let root: Promise<string> | undefined;
/** A project root with the repo's data/ (and node_modules, for tsx) but its own store and lock file. */
const project = () =>
  (root ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hxlr-export-'));
    await symlink(join(repoRoot, 'data'), join(dir, 'data'), 'dir');
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  })());
test.after.always(async () => {
  if (root) await rm(await root, { recursive: true, force: true });
});

const exportTo = async (out: string, extra: string[] = []) =>
  cli(
    await project(),
    [
      'export',
      '--pipeline',
      PIPELINE,
      '--root',
      await project(),
      '--out',
      out,
      '--jobs',
      '2',
      '--wait',
      ...SWEEP,
      ...extra,
    ],
    { timeoutMs: 170_000 },
  );

let first: Promise<{ out: string; code: number | null; log: string }> | undefined;
const exported = () =>
  (first ??= (async () => {
    const out = join(await project(), 'out', 'dataset');
    const r = await exportTo(out);
    return { out, code: r.code, log: r.stdout + r.stderr };
  })());

const scan = (out: string, table: string) => `read_parquet('${out}/${table}/**/*.parquet', hive_partitioning = true)`;
const types = async (out: string, table: string) =>
  Object.fromEntries(
    (await duckRows(`DESCRIBE SELECT * FROM ${scan(out, table)}`)).map((r) => [r.column_name, r.column_type]),
  );

test('DuckDB reads every table with its partition columns, row counts and types', async (t) => {
  const { out, code, log } = await exported();
  t.is(code, 0, log);
  t.regex(log, /Exported \d+ files .* to /);
  const schema = JSON.parse(await readFile(join(out, 'schema.json'), 'utf8'));
  const rows = Object.fromEntries(
    schema.tables.map((x: { path: string; rows: number }) => [x.path.replace('/', ''), x.rows]),
  );
  // The study's pairs: 15,747 MLQA dev QA pairs and, by default, 96,338 MUSE dictionary pairs (up to 10,000 entries
  // per language for the 10 non-English study languages, English word as the query; th has 9,341 non-identity
  // entries, vi 6,997).
  t.is(rows.pairs, 15747 + 8 * 10000 + 9341 + 6997);
  for (const table of ['pairs', 'candidates', 'queries', 'batches', 'batch_composition']) {
    const [{ n }] = await duckRows(`SELECT count(*)::INTEGER AS n FROM ${scan(out, table)}`);
    t.is(n, rows[table], table);
  }
  const pairs = await types(out, 'pairs');
  t.like(pairs, {
    split: 'VARCHAR',
    direction: 'VARCHAR',
    question: 'VARCHAR',
    answer_in_passage: 'BOOLEAN',
    answer: 'VARCHAR',
  });
  t.like(await types(out, 'queries'), { lang: 'VARCHAR', relevant_ids: 'VARCHAR[]' });
  t.like(await types(out, 'candidates'), { lang: 'VARCHAR', paragraph_index: 'INTEGER' });
  t.like(await types(out, 'batches'), {
    strategy: 'VARCHAR',
    batch_size: 'BIGINT',
    seed: 'BIGINT',
    batch_id: 'INTEGER',
    position: 'INTEGER',
  });
  t.like(await types(out, 'batch_composition'), { question_langs: 'VARCHAR[]', question_lang_counts: 'INTEGER[]' });
  // The partition folders agree with the rows: mono pairs have one language, cross pairs two.
  const wrong = await duckRows(
    `SELECT count(*)::INTEGER AS n FROM ${scan(out, 'pairs')} WHERE (direction = 'mono') <> (question_lang = passage_lang)`,
  );
  t.is(wrong[0].n, 0);
  const splits = await duckRows(
    `SELECT split, count(*)::INTEGER AS n FROM ${scan(out, 'pairs')} GROUP BY split ORDER BY split`,
  );
  t.deepEqual(
    splits.map((r) => r.split),
    ['dev', 'train'],
  );
});

test('partition columns live in folder names only, and texts come back as UTF-8', async (t) => {
  const { out } = await exported();
  const file = join(out, 'pairs/split=train/direction=cross/part-0.parquet');
  const inside = (await duckRows(`DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`)).map(
    (r) => r.column_name,
  );
  t.false(inside.includes('split'));
  t.false(inside.includes('direction'));
  const zh = await duckRows(`SELECT question FROM ${scan(out, 'pairs')} WHERE question_lang = 'zh' LIMIT 1`);
  t.regex(String(zh[0].question), /\p{Script=Han}/u);
  const th = await duckRows(`SELECT text FROM ${scan(out, 'candidates')} WHERE lang = 'th' LIMIT 1`);
  t.regex(String(th[0].text), /\p{Script=Thai}/u);
});

test('a sweep gives one batches partition per branch, each batch pure and free of duplicate questions', async (t) => {
  const { out } = await exported();
  // QA rows follow the strategy; dictionary rows are the warm-up's cross-lingual batches, in every branch.
  const parts = await duckRows(
    `SELECT strategy, batch_size::INTEGER AS batch_size, count(*)::INTEGER AS n,
            count(DISTINCT kind) FILTER (WHERE source = 'qa')::INTEGER AS qa_kinds,
            list(DISTINCT kind) FILTER (WHERE source = 'dictionary') AS dictionary_kinds
     FROM ${scan(out, 'batches')} GROUP BY ALL ORDER BY strategy, batch_size`,
  );
  t.deepEqual(
    parts.map((p) => `${p.strategy}/${p.batch_size}`),
    ['hybrid/32', 'hybrid/64', 'mono/32', 'mono/64'],
  );
  t.deepEqual(
    parts.map((p) => p.qa_kinds),
    [2, 2, 1, 1],
  );
  t.deepEqual(
    parts.map((p) => p.dictionary_kinds),
    [['cross'], ['cross'], ['cross'], ['cross']],
  );
  const impure = await duckRows(
    `SELECT count(*)::INTEGER AS n FROM (SELECT strategy, batch_size, batch_id FROM ${scan(out, 'batches')}
     GROUP BY ALL HAVING count(DISTINCT kind) > 1 OR count(DISTINCT question_id) < count(*))`,
  );
  t.is(impure[0].n, 0);
});

test('SHA256SUMS lists every file with its digest, and the data card names licenses, languages and fingerprints', async (t) => {
  const { out } = await exported();
  const sums = (await readFile(join(out, 'SHA256SUMS'), 'utf8')).trim().split('\n');
  const listed = new Map(sums.map((line) => [line.slice(66), line.slice(0, 64)] as const));
  const files = (await readdir(out, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(out.length + 1))
    .filter((p) => p !== 'SHA256SUMS')
    .sort();
  t.deepEqual([...listed.keys()], files);
  for (const path of files)
    t.is(
      createHash('sha256')
        .update(await readFile(join(out, path)))
        .digest('hex'),
      listed.get(path) ?? 'not listed',
      path,
    );

  const card = await readFile(join(out, 'README.md'), 'utf8');
  const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
  t.truthy(match, 'YAML front matter');
  const meta = parse(match![1]);
  t.is(meta.license, 'other');
  t.regex(meta.license_name, /CC-BY-SA-3\.0.*CC-BY-SA-4\.0.*CC-BY-NC-4\.0/);
  t.deepEqual(meta.language, ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh']);
  t.deepEqual(meta.size_categories, ['100K<n<1M']);
  t.true(meta.tags.includes('non-commercial'));
  t.deepEqual(
    meta.configs.map((c: { config_name: string }) => c.config_name),
    ['pairs', 'candidates', 'queries', 'batches', 'batch_composition'],
  );
  const schema = JSON.parse(await readFile(join(out, 'schema.json'), 'utf8'));
  t.regex(schema.datasetFingerprint, /^[0-9a-f]{64}$/);
  t.true(card.includes(schema.datasetFingerprint));
  t.regex(card, /arXiv:1910\.07475/);
  t.regex(card, /strategy=mono\/batch_size=32\/seed=0/);
  // The default study trains on MUSE dictionaries (CC BY-NC 4.0), so its export says so at the top.
  t.regex(card, /> \*\*NON-COMMERCIAL:\*\* derived from muse \(CC BY-NC 4\.0\)/);
});

test('an existing export is kept unless --replace; the replacement is byte-identical', async (t) => {
  const { out, code } = await exported();
  t.is(code, 0);
  const before = await readFile(join(out, 'SHA256SUMS'), 'utf8');
  const refused = await exportTo(out);
  t.is(refused.code, 2, refused.stdout + refused.stderr);
  t.regex(refused.stderr + refused.stdout, /folder exists and is not empty; remove it or pass --replace/);
  t.is(await readFile(join(out, 'SHA256SUMS'), 'utf8'), before);
  await writeFile(join(out, 'stale.txt'), 'from an older export');
  const replaced = await exportTo(out, ['--replace']);
  t.is(replaced.code, 0, replaced.stdout + replaced.stderr);
  t.regex(replaced.stdout, /Everything up to date|0 ran/);
  t.regex(replaced.stdout, /replaced the previous export/);
  t.is(await readFile(join(out, 'SHA256SUMS'), 'utf8'), before);
  t.false((await readdir(out)).includes('stale.txt'));
  t.deepEqual(
    (await readdir(join(out, '..'))).filter((n) => n.startsWith('.')),
    [],
    'no partial or old folder left behind',
  );
});

test('batches branches that would share a partition fail the export with both named', async (t) => {
  const out = join(await project(), 'out', 'collide');
  const r = await cli(
    await project(),
    [
      'export',
      '--pipeline',
      PIPELINE,
      '--root',
      await project(),
      '--out',
      out,
      '--wait',
      '--sweep',
      'batches.alpha=0.3,0.7',
    ],
    { timeoutMs: 170_000 },
  );
  t.is(r.code, 1);
  t.regex(
    r.stdout + r.stderr,
    /batches\[alpha=0\.3\] and batches\[alpha=0\.7\] both map to partition strategy=hybrid\/batch_size=128\/seed=0/,
  );
  await t.throwsAsync(readdir(out));
});
