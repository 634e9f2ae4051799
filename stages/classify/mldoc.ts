// Reader of MLDoc (Schwenk & Li 2018), which cannot be shipped: it is built from Reuters RCV1/RCV2 under their
// licence, so the user points at a folder of the published files (`english.train.1000`, `english.dev`,
// `german.test`, …; one document per line, `label<TAB>text`, labels CCAT/ECAT/GCAT/MCAT). Errors name the file and
// the 1-based line.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

export const MLDOC_LABELS = ['CCAT', 'ECAT', 'GCAT', 'MCAT'] as const;
/** MLDoc's file-name languages and our codes. */
export const MLDOC_LANGUAGES = {
  english: 'en',
  german: 'de',
  french: 'fr',
  spanish: 'es',
  italian: 'it',
  japanese: 'ja',
  russian: 'ru',
  chinese: 'zh',
} as const;
export type MldocLanguage = (typeof MLDOC_LANGUAGES)[keyof typeof MLDOC_LANGUAGES];
export const MLDOC_CODES = Object.values(MLDOC_LANGUAGES) as MldocLanguage[];
export const MLDOC_TRAIN_SIZES = [1000, 2000, 5000, 10000] as const;
export const MLDOC_ENV = 'HXLR_MLDOC_DIR';

export interface MldocFile {
  path: string;
  labels: Int32Array;
  texts: string[];
}

export interface MldocFiles {
  dir: string;
  train: string;
  dev: string;
  /** Test file per language code, in MLDOC_CODES order. */
  test: Partial<Record<MldocLanguage, string>>;
  /** Languages asked for by default whose test file is absent. */
  missing: MldocLanguage[];
}

function fileLanguage(code: string): string {
  const entry = Object.entries(MLDOC_LANGUAGES).find(([, c]) => c === code);
  if (!entry) throw new Error(`MLDoc has no language "${code}" (known: ${MLDOC_CODES.join(', ')})`);
  return entry[0];
}

/** The folder to read: the param wins over the environment variable; undefined when neither names one. */
export function mldocDirOf(
  param: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string | undefined {
  const dir = param ?? (env[MLDOC_ENV] || undefined);
  if (dir === undefined) return undefined;
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}

/**
 * Which files a run reads. `languages` undefined: every MLDoc language whose test file is there (English's must
 * be); a listed language whose test file is absent is an error, as is a missing folder, training or dev file.
 */
export function locateMldoc(dir: string, trainSize: number, languages?: readonly string[]): MldocFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`MLDoc folder ${dir} does not exist (set by classify.mldocDir or ${MLDOC_ENV})`);
  const need = (name: string): string => {
    const path = join(dir, name);
    if (!existsSync(path)) throw new Error(`MLDoc: ${path} is missing`);
    return path;
  };
  const train = need(`english.train.${trainSize}`);
  const dev = need('english.dev');
  const test: MldocFiles['test'] = {};
  const missing: MldocLanguage[] = [];
  const wanted = languages ?? MLDOC_CODES;
  for (const code of MLDOC_CODES) {
    if (!wanted.includes(code)) continue;
    const path = join(dir, `${fileLanguage(code)}.test`);
    if (existsSync(path)) test[code] = path;
    else if (languages !== undefined || code === 'en') need(`${fileLanguage(code)}.test`);
    else missing.push(code);
  }
  for (const code of wanted) fileLanguage(code);
  return { dir, train, dev, test, missing };
}

/** Parses one file: every non-empty line is `label<TAB>text` (the text may hold further tabs). */
export function parseMldoc(text: string, path: string): MldocFile {
  const lines = text.split('\n');
  const labels: number[] = [];
  const texts: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`${path}:${i + 1}: expected "label<TAB>text", found no tab`);
    const label = line.slice(0, tab);
    const code = (MLDOC_LABELS as readonly string[]).indexOf(label);
    if (code < 0) throw new Error(`${path}:${i + 1}: label "${label}" is not one of ${MLDOC_LABELS.join(', ')}`);
    labels.push(code);
    texts.push(line.slice(tab + 1));
  });
  if (labels.length === 0) throw new Error(`${path}: no documents`);
  return { path, labels: Int32Array.from(labels), texts };
}

export async function readMldoc(path: string): Promise<MldocFile> {
  return parseMldoc(await readFile(path, 'utf8'), path);
}

/**
 * The fingerprint's view of MLDoc: the sha256 of every file a run would read, by name (the data is outside the
 * store, so its content decides the cache key; where the folder lies does not); `none` when no folder is set. A
 * folder that cannot be read is left for the run to report, with the reason in the value.
 */
export function mldocEnv(
  dir: string | undefined,
  trainSize: number,
  languages?: readonly string[],
): Record<string, string> {
  if (dir === undefined) return { mldoc: 'none' };
  let files: MldocFiles;
  try {
    files = locateMldoc(dir, trainSize, languages);
  } catch (error) {
    return { mldoc: `unreadable: ${(error as Error).message}` };
  }
  const hash = createHash('sha256');
  for (const path of [files.train, files.dev, ...Object.values(files.test)]) {
    hash
      .update(`${path.slice(dir.length)}\0`)
      .update(readFileSync(path))
      .update('\0');
  }
  return { mldoc: `sha256:${hash.digest('hex')}` };
}
