// Safe extraction: good archives extract whole; zip-slip, symlinks, bombs and lying headers are refused with
// nothing written outside (or, for that matter, inside) the target.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { UnsafeZipError, extractZip, safeRelativePath } from '../../stages/download/zip.ts';
import { bytesOf, makeZip, scratchDir, type ZipEntrySpec } from './helpers.ts';

const MiB = 1024 * 1024;

/** Write the archive into <root>/in/, extract to <root>/work/out; returns the promise and paths. */
async function setup(t: import('ava').ExecutionContext, entries: ZipEntrySpec[]) {
  const root = await scratchDir(t);
  const archive = join(root, 'archive.zip');
  await writeFile(archive, makeZip(entries));
  const work = join(root, 'work');
  return { root, archive, work, target: join(work, 'out') };
}

async function refused(
  t: import('ava').ExecutionContext,
  entries: ZipEntrySpec[],
  pattern: RegExp,
  limits?: Parameters<typeof extractZip>[2],
) {
  const { root, archive, work, target } = await setup(t, entries);
  const error = await t.throwsAsync(extractZip(archive, target, limits), { instanceOf: UnsafeZipError });
  t.regex(error!.message, pattern);
  t.true(error!.message.includes(archive), 'names the archive');
  // Nothing outside, and no half-extracted target or temp folder inside.
  t.deepEqual((await readdir(root)).sort(), ['archive.zip', 'work']);
  t.deepEqual(await readdir(work), []);
  return error!;
}

test('extracts files and folders (deflated and stored), honouring `include`', async (t) => {
  const big = Buffer.from('{"text": "hello"}\n'.repeat(5000));
  const { archive, target } = await setup(t, [
    { name: 'MLQA_V1/' },
    { name: 'MLQA_V1/dev/' },
    { name: 'MLQA_V1/dev/a.json', data: big },
    { name: 'MLQA_V1/dev/b.bin', data: bytesOf(3000), method: 'store' },
    { name: 'MLQA_V1/test/c.json', data: Buffer.from('secret') },
  ]);
  const result = await extractZip(archive, target, { include: (name) => name.startsWith('MLQA_V1/dev/') });
  t.deepEqual(result.files, ['MLQA_V1/dev/a.json', 'MLQA_V1/dev/b.bin']);
  t.is(result.bytes, big.length + 3000);
  t.deepEqual(await readFile(join(target, 'MLQA_V1/dev/a.json')), big);
  t.deepEqual(await readFile(join(target, 'MLQA_V1/dev/b.bin')), bytesOf(3000));
  t.deepEqual(await readdir(join(target, 'MLQA_V1')), ['dev']);
});

for (const [name, pattern] of [
  ['../evil.txt', /"\.\." path segment/],
  ['a/../../evil.txt', /"\.\." path segment/],
  ['/tmp/evil.txt', /absolute path/],
  ['C:/evil.txt', /drive letter/],
  ['C:evil.txt', /drive letter/],
  ['..\\evil.txt', /backslash/],
  ['a\\..\\..\\evil.txt', /backslash/],
] as const) {
  test(`zip-slip: refuses ${JSON.stringify(name)}`, async (t) => {
    const error = await refused(
      t,
      [
        { name: 'ok.txt', data: Buffer.from('fine') },
        { name, data: Buffer.from('pwned') },
      ],
      pattern,
    );
    t.true(error.message.includes(name), 'names the entry');
  });
}

test('zip-slip is refused even when the entry is not selected by `include`', async (t) => {
  await refused(t, [{ name: '../evil.txt', data: Buffer.from('x') }], /escapes/, { include: () => false });
});

test('refuses symlink entries', async (t) => {
  const error = await refused(
    t,
    [{ name: 'link', data: Buffer.from('/etc/passwd'), method: 'store', mode: 0o120777 }],
    /symbolic links are not allowed/,
  );
  t.is(error.entry, 'link');
});

test('refuses other special files (a FIFO)', async (t) => {
  await refused(t, [{ name: 'fifo', mode: 0o010644 }], /special file type/);
});

test('refuses an entry whose declared size is over the per-entry limit', async (t) => {
  await refused(t, [{ name: 'big.bin', data: bytesOf(4096) }], /over the per-entry limit of 1000/, {
    limits: { maxEntryBytes: 1000 },
  });
});

test('refuses a total over the limit', async (t) => {
  await refused(
    t,
    [
      { name: 'a', data: bytesOf(800, 1) },
      { name: 'b', data: bytesOf(800, 2) },
    ],
    /over the limit of 1000 bytes/,
    { limits: { maxTotalBytes: 1000 } },
  );
});

test('refuses a zip bomb by compression ratio (header check)', async (t) => {
  // 20 MiB of zeros deflates to ~20 KiB: ratio ~1000:1.
  await refused(
    t,
    [{ name: 'bomb.bin', data: Buffer.alloc(20 * MiB) }],
    /compression ratio \d+:1 is over the limit of 200:1/,
  );
});

test('refuses an entry that inflates to more than its header declares (bytes are counted, not trusted)', async (t) => {
  const error = await refused(
    t,
    [{ name: 'liar.bin', data: Buffer.alloc(4 * MiB), declaredSize: 1000 }],
    /inflates to more than the 1000 bytes its header declares/,
  );
  t.is(error.entry, 'liar.bin');
});

test('refuses an entry that inflates to fewer bytes than declared, and a CRC mismatch', async (t) => {
  await refused(
    t,
    [{ name: 'short.bin', data: bytesOf(1000), declaredSize: 2000 }],
    /inflates to 1000 bytes but its header declares 2000/,
  );
  await refused(t, [{ name: 'crc.bin', data: bytesOf(1000), crc: 12345 }], /CRC-32 mismatch/);
});

test('refuses too many entries', async (t) => {
  const entries = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') }));
  await refused(t, entries, /5 entries, over the limit of 3/, { limits: { maxEntries: 3 } });
});

test('refuses duplicate entries and non-zip input', async (t) => {
  await refused(
    t,
    [
      { name: 'a.txt', data: Buffer.from('1') },
      { name: './a.txt', data: Buffer.from('2') },
    ],
    /duplicate entry/,
  );
  const root = await scratchDir(t);
  await writeFile(join(root, 'not.zip'), 'hello');
  await t.throwsAsync(extractZip(join(root, 'not.zip'), join(root, 'out')), { message: /not a readable zip/ });
  t.deepEqual(await readdir(root), ['not.zip']);
});

test('safeRelativePath normalises harmless names', (t) => {
  const refuse = (reason: string) => new Error(reason);
  t.is(safeRelativePath('a/./b.txt', refuse), 'a/b.txt');
  t.is(safeRelativePath('dir/', refuse), 'dir');
  t.throws(() => safeRelativePath('', refuse), { message: /empty/ });
  t.throws(() => safeRelativePath('./', refuse), { message: /target folder itself/ });
  t.throws(() => safeRelativePath('a\0b', refuse), { message: /NUL/ });
});
