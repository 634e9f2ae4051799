// The data card on its own: licenses (single, mixed, non-commercial up front), YAML that PyYAML-style 1.1 readers
// parse as meant, and the build section naming every fingerprint.
import test from 'ava';
import { parse } from 'yaml';
import type { DatasetRecord } from '../../stages/download/index.ts';
import { dataCard, type DataCardInput } from '../../stages/export/data-card.ts';

const source = (license: string, nonCommercial: boolean): DatasetRecord => ({
  title: `a ${license} set`,
  source: 'local data/ (offline)',
  official: `https://example.org/${license}`,
  license,
  licenseUrl: `https://example.org/${license}/legal`,
  nonCommercial,
  format: 'json',
  citation: `Someone (2020). A ${license} set.`,
  files: 1,
  bytes: 1,
});

const input = (sources: Record<string, DatasetRecord>, languages = ['en', 'no']): DataCardInput => ({
  tables: [
    {
      name: 'pairs',
      schema: {
        name: 'pairs',
        description: 'Pairs.',
        columns: [{ name: 'question', type: 'utf8', description: 'Query text.' }],
      },
      partitioning: [{ name: 'split', type: 'utf8', description: 'train or dev.' }],
      rows: 12_345,
      files: [{ path: 'pairs/split=train/part-0.parquet', rows: 12_345 }],
    },
  ],
  sources,
  languages,
  build: {
    fingerprints: { pairs: ['aaaaaaaaaaaaaaaaaaaa'], batches: ['bbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc'] },
    datasetFingerprint: 'f'.repeat(64),
    pairsParams: { train: 'mlqa-dev' },
    batchConfigs: [
      { partition: 'strategy=hybrid/batch_size=128/seed=0', params: { batchSize: 128 }, rows: 100, batches: 1 },
    ],
  },
});

function frontMatter(card: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
  if (!match) throw new Error('no front matter');
  // YAML 1.1, as PyYAML reads Hugging Face cards: an unquoted `no` would come back as false.
  return parse(match[1], { version: '1.1' }) as Record<string, unknown>;
}

test('one license: its id; languages survive YAML 1.1 readers; sizes and configs', (t) => {
  const card = dataCard(input({ a: source('CC-BY-SA-4.0', false) }));
  const meta = frontMatter(card);
  t.is(meta.license, 'cc-by-sa-4.0');
  t.deepEqual(meta.language, ['en', 'no']);
  t.deepEqual(meta.size_categories, ['10K<n<100K']);
  t.deepEqual(meta.configs, [{ config_name: 'pairs', data_files: 'pairs/**/*.parquet' }]);
  t.false(card.includes('NON-COMMERCIAL'));
  for (const fp of ['aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc', 'f'.repeat(64)])
    t.true(card.includes(fp), fp);
  t.regex(card, /\| `pairs\/` \| 12,345 \| 1 \| `split` \|/);
});

test('mixed licenses with non-commercial data: "other", a tag, and a warning before anything else', (t) => {
  const card = dataCard(input({ a: source('CC-BY-SA-3.0', false), b: source('CC-BY-NC-4.0', true) }));
  const meta = frontMatter(card);
  t.is(meta.license, 'other');
  t.is(meta.license_name, 'mixed: CC-BY-SA-3.0, CC-BY-NC-4.0');
  t.true((meta.tags as string[]).includes('non-commercial'));
  const warning = card.indexOf('**NON-COMMERCIAL:** derived from b');
  t.true(warning > 0 && warning < card.indexOf('## Reading it'));
  t.regex(card, /Someone \(2020\)\. A CC-BY-NC-4\.0 set\./);
});
