// The XNLI and MLDoc readers on files the tests write: the real formats (CRLF TSV; `label<TAB>text`), rows without
// a label counted, and every malformed input refused with the file and line named.
import test from 'ava';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateMldoc, mldocDirOf, mldocEnv, parseMldoc, readMldoc } from '../../stages/classify/mldoc.ts';
import { checkXnliLanguage, NO_LABEL, parseXnli, readXnli } from '../../stages/classify/xnli.ts';

test('XNLI: CRLF rows parse, an empty label is kept in place and counted', (t) => {
  const f = parseXnli('P one\tH a\tentailment\r\nP one\tH b\t\r\nP two\tH c\tcontradiction\r\n', 'de', 'dev-de.tsv');
  t.deepEqual(f.premise, ['P one', 'P one', 'P two']);
  t.deepEqual(f.hypothesis, ['H a', 'H b', 'H c']);
  t.deepEqual([...f.label], [0, NO_LABEL, 2]);
  t.is(f.unlabelled, 1);
});

test('XNLI: a wrong field count or an unknown label names the file and line', (t) => {
  t.throws(() => parseXnli('a\tb\tneutral\r\na\tb\r\n', 'en', 'dev-en.tsv'), {
    message: 'dev-en.tsv:2: expected 3 tab-separated fields (premise, hypothesis, label), got 2',
  });
  t.throws(() => parseXnli('a\tb\tneutral\na\tb\tcontradictory\n', 'en', 'dev-en.tsv'), {
    message: 'dev-en.tsv:2: label "contradictory" is not one of entailment, neutral, contradiction',
  });
});

test('XNLI: unknown language, missing file and misaligned files are errors naming them', async (t) => {
  t.throws(() => checkXnliLanguage('xx'), { message: /XNLI has no language "xx" \(known: ar, bg, de/ });
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-xnli-'));
  await mkdir(join(dir, 'xnli-dev'));
  await writeFile(join(dir, 'xnli-dev', 'dev-en.tsv'), 'a\tb\tneutral\r\nc\td\tentailment\r\n');
  await writeFile(join(dir, 'xnli-dev', 'dev-de.tsv'), 'a\tb\tneutral\r\n');
  await writeFile(join(dir, 'xnli-dev', 'dev-fr.tsv'), 'a\tb\tneutral\r\nc\td\tneutral\r\n');
  const at = (f: string) => join(dir, 'xnli-dev', f);
  await t.throwsAsync(readXnli(['en', 'sw'], at), {
    message: new RegExp(`XNLI sw: cannot read ${join(dir, 'xnli-dev', 'dev-sw.tsv')} \\(ENOENT\\)`),
  });
  await t.throwsAsync(readXnli(['en', 'de'], at), { message: 'XNLI files are not aligned: en has 2 rows, de has 1' });
  await t.throwsAsync(readXnli(['en', 'fr'], at), {
    message: 'XNLI files are not aligned: line 2 is entailment in en but neutral in fr',
  });
  await t.throwsAsync(readXnli(['en', 'xx'], at), { message: /no language "xx"/ });
});

async function mldocFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hxlr-mldoc-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

test('MLDoc: label<TAB>text lines, tabs inside the text kept, blank lines and CRLF tolerated', async (t) => {
  const dir = await mldocFolder({ 'english.dev': 'CCAT\tStocks rose.\tMore text\r\n\r\nMCAT\tOil fell.\r\n' });
  const f = await readMldoc(join(dir, 'english.dev'));
  t.deepEqual([...f.labels], [0, 3]);
  t.deepEqual(f.texts, ['Stocks rose.\tMore text', 'Oil fell.']);
});

test('MLDoc: malformed lines and labels outside the set name the file and line', (t) => {
  t.throws(() => parseMldoc('CCAT\tok\nno tab here\n', '/m/german.test'), {
    message: '/m/german.test:2: expected "label<TAB>text", found no tab',
  });
  t.throws(() => parseMldoc('CCAT\tok\n\nXCAT\tbad\n', '/m/german.test'), {
    message: '/m/german.test:3: label "XCAT" is not one of CCAT, ECAT, GCAT, MCAT',
  });
  t.throws(() => parseMldoc('\n\n', '/m/empty.test'), { message: '/m/empty.test: no documents' });
});

test('MLDoc: locating files — missing folder, training or dev file, requested language; absent optional ones listed', async (t) => {
  const line = 'ECAT\tx\n';
  const dir = await mldocFolder({
    'english.train.1000': line,
    'english.dev': line,
    'english.test': line,
    'german.test': line,
  });
  const found = locateMldoc(dir, 1000);
  t.deepEqual(Object.keys(found.test), ['en', 'de']);
  t.deepEqual(found.missing, ['fr', 'es', 'it', 'ja', 'ru', 'zh']);
  t.throws(() => locateMldoc(join(dir, 'nope'), 1000), {
    message: /MLDoc folder .*nope does not exist \(set by classify.mldocDir or HXLR_MLDOC_DIR\)/,
  });
  t.throws(() => locateMldoc(dir, 2000), { message: `MLDoc: ${join(dir, 'english.train.2000')} is missing` });
  t.throws(() => locateMldoc(dir, 1000, ['en', 'fr']), { message: `MLDoc: ${join(dir, 'french.test')} is missing` });
  t.throws(() => locateMldoc(dir, 1000, ['en', 'xx']), { message: /MLDoc has no language "xx"/ });
});

test('MLDoc: the param wins over the environment variable; the fingerprint value follows the content, not the path', async (t) => {
  t.is(mldocDirOf(undefined, {}), undefined);
  t.is(mldocDirOf(undefined, { HXLR_MLDOC_DIR: '' }), undefined);
  t.is(mldocDirOf(undefined, { HXLR_MLDOC_DIR: '/data/mldoc' }), '/data/mldoc');
  t.is(mldocDirOf('/x', { HXLR_MLDOC_DIR: '/data/mldoc' }), '/x');
  t.is(mldocDirOf('rel', {}, '/work'), '/work/rel');
  const files = { 'english.train.1000': 'ECAT\tx\n', 'english.dev': 'ECAT\tx\n', 'english.test': 'ECAT\tx\n' };
  const a = await mldocFolder(files);
  const b = await mldocFolder(files);
  const c = await mldocFolder({ ...files, 'english.test': 'GCAT\tx\n' });
  t.deepEqual(mldocEnv(undefined, 1000), { mldoc: 'none' });
  t.regex(mldocEnv(a, 1000).mldoc, /^sha256:[0-9a-f]{64}$/);
  t.deepEqual(mldocEnv(a, 1000), mldocEnv(b, 1000));
  t.notDeepEqual(mldocEnv(a, 1000), mldocEnv(c, 1000));
  t.regex(mldocEnv(join(a, 'nope'), 1000).mldoc, /^unreadable: MLDoc folder/);
});
