// Test helper: builds a `raw` folder laid out like the download stage's artifact from ../shared/datasets (beside the
// repo root, here and in CI). Files are copied, not symlinked: the artifact walker lists regular files only.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));

/** Folders of the raw artifact and where they come from in shared/datasets. */
const SOURCES = {
  'mlqa-dev': 'mlqa/dev',
  'xquad-r': 'xquad-r',
  'mlqa-r': 'mlqa-r',
  muse: 'muse-dictionaries',
} as const;
export type RawFolder = keyof typeof SOURCES;

const created: string[] = [];

/** A temp folder removed by `cleanup()`. */
export async function tempDir(prefix = 'hxlr-pairs-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Remove every folder made by this module (call from `test.after.always`). */
export async function cleanup(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A fresh raw folder with the given dataset folders copied whole. */
export async function makeRaw(
  folders: readonly RawFolder[] = ['mlqa-dev', 'xquad-r', 'mlqa-r', 'muse'],
): Promise<string> {
  const dir = await tempDir('hxlr-raw-');
  for (const f of folders) await cp(join(SHARED, SOURCES[f]), join(dir, f), { recursive: true });
  return dir;
}

/** A raw folder with only the given files (`{ 'mlqa-dev/x.json': contents }`), for small crafted cases. */
export async function makeRawFiles(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('hxlr-raw-');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

export async function readShared(path: string): Promise<string> {
  return readFile(join(SHARED, path), 'utf8');
}

/** A tiny SQuAD document: one article per entry, one paragraph each. */
export function squad(
  articles: {
    title: string;
    context: string;
    qas: { id: string; question: string; answer: string; start?: number }[];
    breaks?: [number, number][];
  }[],
): string {
  return JSON.stringify({
    version: '1.0',
    data: articles.map((a) => ({
      title: a.title,
      paragraphs: [
        {
          context: a.context,
          qas: a.qas.map((q) => ({
            id: q.id,
            question: q.question,
            answers: [{ text: q.answer, answer_start: q.start ?? a.context.indexOf(q.answer) }],
          })),
          ...(a.breaks
            ? { sentence_breaks: a.breaks, sentences: a.breaks.map(([s, e]) => a.context.slice(s, e)) }
            : {}),
        },
      ],
    })),
  });
}
