// Parser and input validation: malformed files name the file and JSON path; data problems are counted, not hidden.
import test from 'ava';
import { runStage } from '../../pipelines/engine/testing.ts';
import { pairsStage } from '../../stages/pairs/index.ts';
import { parseSquad, SquadFormatError } from '../../stages/pairs/squad.ts';
import { museTask } from '../../stages/pairs/tasks.ts';
import { cleanup, makeRawFiles, squad, tempDir } from './raw.ts';

test.after.always(cleanup);

const FILE = 'mlqa-dev/dev-context-de-question-en.json';

function doc(mutate: (d: any) => void): string {
  const d = JSON.parse(
    squad([
      {
        title: 'A',
        context: 'Berlin ist groß. Es liegt an der Spree.',
        qas: [{ id: 'q1', question: 'Where?', answer: 'Spree' }],
      },
      { title: 'B', context: 'Der Rhein fließt. Er ist lang.', qas: [{ id: 'q2', question: 'What?', answer: 'lang' }] },
    ]),
  );
  mutate(d);
  return JSON.stringify(d);
}

test('a wrong type names the file and the JSON path', (t) => {
  const text = doc((d) => (d.data[1].paragraphs[0].qas[0].answers[0].answer_start = '12'));
  const err = t.throws(() => parseSquad(text, FILE), { instanceOf: SquadFormatError });
  t.is(
    err?.message,
    `${FILE}: data[1].paragraphs[0].qas[0].answers[0].answer_start: expected integer >= 0, got string`,
  );
});

test('missing fields, negative offsets and invalid JSON are errors with a path', (t) => {
  t.throws(
    () =>
      parseSquad(
        doc((d) => delete d.data[0].paragraphs[0].context),
        FILE,
      ),
    { message: `${FILE}: data[0].paragraphs[0].context: expected string, got undefined` },
  );
  t.throws(
    () =>
      parseSquad(
        doc((d) => (d.data[0].paragraphs[0].qas[0].answers[0].answer_start = -1)),
        FILE,
      ),
    { message: /answers\[0\]\.answer_start: expected integer >= 0, got negative -1/ },
  );
  t.throws(
    () =>
      parseSquad(
        doc((d) => (d.data = {})),
        FILE,
      ),
    { message: `${FILE}: data: expected array, got object` },
  );
  t.throws(() => parseSquad('{"data": [', FILE), { message: new RegExp(`^${FILE}: \\$: not valid JSON`) });
});

test('a duplicate id within a file is an error naming both places', (t) => {
  const text = doc((d) => (d.data[1].paragraphs[0].qas[0].id = 'q1'));
  t.throws(() => parseSquad(text, FILE), {
    message: `${FILE}: data[1].paragraphs[0].qas[0].id: duplicate id "q1" (first at data[0].paragraphs[0].qas[0])`,
  });
});

test('answers not at answer_start are counted with an example, and not used', (t) => {
  const text = doc((d) => (d.data[0].paragraphs[0].qas[0].answers[0].answer_start = 3));
  const parsed = parseSquad(text, FILE);
  t.is(parsed.issues.answerMismatches, 1);
  t.is(parsed.issues.examples[0].id, 'q1');
  t.regex(parsed.issues.examples[0].detail, /"Spree" not at 3/);
});

test('empty contexts are counted and their questions dropped', (t) => {
  const parsed = parseSquad(
    doc((d) => (d.data[1].paragraphs[0].context = '  ')),
    FILE,
  );
  t.is(parsed.issues.emptyContexts, 1);
  t.is(parsed.issues.questionsInEmptyContexts, 1);
});

test('U+FEFF inside a context is kept, so answer_start still points at the answer', (t) => {
  const context = '\uFEFFDer Rhein fließt. Er ist lang.';
  const parsed = parseSquad(squad([{ title: 'A', context, qas: [{ id: 'x', question: '?', answer: 'lang' }] }]), FILE);
  t.is(parsed.articles[0].paragraphs[0].context, context);
  t.is(parsed.issues.answerMismatches, 0);
});

test('LAReQA sentence_breaks are validated', (t) => {
  const bad = squad([
    {
      title: 'A',
      context: 'One. Two.',
      qas: [],
      breaks: [
        [0, 4],
        [5, 99],
      ],
    },
  ]);
  t.throws(() => parseSquad(bad, 'xquad-r/en.json', { requireSentences: true }), {
    message:
      /xquad-r\/en\.json: data\[0\]\.paragraphs\[0\]\.sentence_breaks\[1\]: expected start < end <= context length 9/,
  });
  const missing = squad([{ title: 'A', context: 'One. Two.', qas: [] }]);
  t.throws(() => parseSquad(missing, 'xquad-r/en.json', { requireSentences: true }), {
    message: /sentences: expected array, got undefined/,
  });
});

test('MUSE: identity pairs, duplicates and malformed lines are dropped and counted; the cap keeps file order', (t) => {
  const r = museTask(
    { kind: 'muse', file: 'muse/en-de.tsv', path: '', lang: 'de', max: 2 },
    'the\tdie\nthe\tdie\nberlin\tberlin\nbad line\nhouse\thaus\ncat\tkatze\n',
  );
  t.like(r, { lines: 6, identity: 1, duplicates: 1, malformed: 1, capped: 1 });
  t.is(r.columns.ints.line.length, 2);
});

// Stage-level validation: small crafted raw folders, default params otherwise.
const MLQA_EN = squad([
  {
    title: 'T',
    context: 'Paris is big. It is in France.',
    qas: [{ id: 'a'.repeat(40), question: 'Where is Paris?', answer: 'France' }],
  },
]);

test('an unknown language code in a file name fails and names the file', async (t) => {
  const raw = await makeRawFiles({
    'mlqa-dev/dev-context-en-question-en.json': MLQA_EN,
    'mlqa-dev/dev-context-xx-question-en.json': MLQA_EN,
  });
  await t.throwsAsync(
    runStage(pairsStage, { params: { trainLanguages: ['en'], workers: 1 }, inputs: { raw }, outDir: await tempDir() }),
    {
      message: /unknown language code "xx" in file name mlqa-dev\/dev-context-xx-question-en\.json/,
    },
  );
});

test('params: unknown language codes and bad combinations name the param', async (t) => {
  const raw = await makeRawFiles({ 'mlqa-dev/dev-context-en-question-en.json': MLQA_EN });
  const run = async (params: Record<string, unknown>) =>
    runStage(pairsStage, { params: { workers: 1, ...params }, inputs: { raw }, outDir: await tempDir() });
  await t.throwsAsync(run({ trainLanguages: ['en', 'xx'] }), { message: /invalid param pairs\.trainLanguages\.1/ });
  await t.throwsAsync(run({ eval: 'mlqa-r' }), {
    message: /invalid param pairs\.eval .*same questions as train "mlqa-dev"/,
  });
  await t.throwsAsync(run({ train: 'xquad', eval: 'xquad-r' }), { message: /invalid param pairs\.eval/ });
  await t.throwsAsync(run({ trainLanguages: ['en', 'el'] }), {
    message: /invalid param pairs\.trainLanguages .*train "mlqa-dev" has no el/,
  });
  await t.throwsAsync(run({ train: 'xquad', eval: 'mlqa-r', evalLanguages: ['th'] }), {
    message: /invalid param pairs\.evalLanguages .*eval "mlqa-r" has no th/,
  });
  await t.throwsAsync(run({ devFraction: 1 }), { message: /invalid param pairs\.devFraction/ });
  await t.throwsAsync(run({ colour: 'red' }), { message: /unknown param pairs\.colour/ });
});

test('a question id in both training and evaluation data fails clearly', async (t) => {
  const id = '56beb4343aeaaa14008c925b';
  const context = 'Paris is big. It is in France.';
  const raw = await makeRawFiles({
    'mlqa-dev/dev-context-en-question-en.json': squad([
      { title: 'T', context, qas: [{ id, question: 'Where?', answer: 'France' }] },
    ]),
    'xquad-r/en.json': squad([
      {
        title: 'T',
        context,
        qas: [{ id, question: 'Where?', answer: 'France' }],
        breaks: [
          [0, 13],
          [14, 30],
        ],
      },
    ]),
  });
  await t.throwsAsync(
    runStage(pairsStage, {
      params: { trainLanguages: ['en'], evalLanguages: ['en'], workers: 1 },
      inputs: { raw },
      outDir: await tempDir(),
    }),
    {
      message: new RegExp(`train "mlqa-dev" and eval "xquad-r" share 1 question ids \\(e\\.g\\. ${id}\\)`),
    },
  );
});

test('answer mismatches in the input are reported in the summary and report.json', async (t) => {
  const context = 'Paris is big. It is in France.';
  const raw = await makeRawFiles({
    'mlqa-dev/dev-context-en-question-en.json': squad([
      {
        title: 'T',
        context,
        qas: [
          { id: 'b'.repeat(40), question: 'Where?', answer: 'France', start: 2 },
          { id: 'c'.repeat(40), question: 'What?', answer: 'big' },
        ],
      },
    ]),
    'xquad-r/en.json': squad([
      {
        title: 'U',
        context,
        qas: [{ id: 'd'.repeat(24), question: 'Where?', answer: 'France' }],
        breaks: [
          [0, 13],
          [14, 30],
        ],
      },
    ]),
  });
  const { summary, outDir } = await runStage(pairsStage, {
    params: { trainLanguages: ['en'], evalLanguages: ['en'], workers: 1 },
    inputs: { raw },
    outDir: await tempDir(),
  });
  t.is(summary.answerMismatches, 1);
  t.is(summary.rows.pairs, 1);
  const { readFile } = await import('node:fs/promises');
  const report = JSON.parse(await readFile(`${outDir}/report.json`, 'utf8'));
  t.is(report.train.issues.answerMismatches, 1);
  t.regex(
    report.train.issues.examples[0].path,
    /^mlqa-dev\/dev-context-en-question-en\.json: data\[0\]\.paragraphs\[0\]\.qas\[0\]\.answers\[0\]$/,
  );
});
