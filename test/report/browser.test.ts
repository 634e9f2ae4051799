// report.html as a person sees it: opened from disk in headless Chromium (Debian's `chromium`, driven by
// puppeteer-core), with every network request refused. Checks that each figure rendered (an SVG with marks:
// paths, rects, symbols, text), that absent sections say why, that the console stayed clean, and saves a full-page
// screenshot under artifacts/test-report/ for a human to look at.
import test from 'ava';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { runStage } from '../../pipelines/engine/testing.ts';
import { reportStage, REPORT_FILES } from '../../stages/report/index.ts';
import { attackedFixtures, classifyFixture, scoreFixture, trainFixtures } from './fixture.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = resolve('artifacts', 'test-report');

async function chromium(): Promise<string> {
  try {
    await access(CHROMIUM);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH. This test does not skip.`,
    );
  }
  return CHROMIUM;
}

interface FigureState {
  id: string;
  status: string;
  svgs: number;
  marks: number;
  width: number;
  text: string;
}

async function inspect(
  htmlPath: string,
  screenshot: string,
): Promise<{ figures: FigureState[]; console: string[]; requests: string[] }> {
  const browser = await puppeteer.launch({
    executablePath: await chromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (r.url().startsWith('file:')) return void r.continue();
      requests.push(r.url());
      void r.abort();
    });
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    const figures = await page.$$eval('section.figure', (sections) =>
      sections.map((s) => {
        const svgs = [...s.querySelectorAll('svg')];
        const marks = svgs.reduce(
          (n, svg) =>
            n +
            svg.querySelectorAll(
              'g[class*="mark-"] path, g[class*="mark-"] rect, g[class*="mark-"] line, g[class*="mark-"] text',
            ).length,
          0,
        );
        return {
          id: s.getAttribute('data-figure') ?? '',
          status: s.getAttribute('data-status') ?? '',
          svgs: svgs.length,
          marks,
          width: svgs[0]?.getBoundingClientRect().width ?? 0,
          text: (s.textContent ?? '').trim(),
        };
      }),
    );
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { figures, console: consoleErrors, requests };
  } finally {
    await browser.close();
  }
}

test('every figure of a full report renders in Chromium, offline, with a clean console; screenshot saved', async (t) => {
  const { outDir } = await runStage(reportStage, {
    inputs: { ...(await attackedFixtures()), models: await trainFixtures(), classify: await classifyFixture() },
    params: { resamples: 1000 },
  });
  const shot = join(SHOTS, 'report-full.png');
  const { figures, console: messages, requests } = await inspect(join(outDir, REPORT_FILES.html), shot);
  t.is(figures.length, 8);
  for (const f of figures) {
    t.is(f.status, 'rendered', f.id);
    t.is(f.svgs, 1, `${f.id}: one inline SVG`);
    t.true(f.marks > 10, `${f.id}: ${f.marks} marks drawn`);
    t.true(f.width > 150, `${f.id}: ${f.width}px wide`);
  }
  t.deepEqual(messages, [], 'no console error or warning');
  t.deepEqual(requests, [], 'no request leaves the file');
  t.log(`screenshot: ${shot}`);
});

test('a report on score alone shows the absent sections in words, not as broken plots', async (t) => {
  const { outDir } = await runStage(reportStage, {
    inputs: { score: await scoreFixture(), models: await trainFixtures() },
    params: { resamples: 1000 },
  });
  const { figures, console: messages } = await inspect(
    join(outDir, REPORT_FILES.html),
    join(SHOTS, 'report-score-only.png'),
  );
  const absent = figures.filter((f) => f.status === 'absent');
  t.deepEqual(
    absent.map((f) => f.id),
    ['quality-attacked', 'robustness-drop', 'transfer-matrix', 'xnli-accuracy'],
  );
  for (const f of absent) {
    t.is(f.svgs, 0);
    t.regex(f.text, /not in this pipeline/);
  }
  for (const f of figures.filter((x) => x.status === 'rendered')) t.true(f.marks > 10, f.id);
  t.deepEqual(messages, []);
});
