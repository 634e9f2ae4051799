// The premise split: every premise's rows land in one part, the parts cover the rows once, the seed decides the
// split (and only the seed), and an input too small for three parts is refused.
import test from 'ava';
import { splitByPremise } from '../../stages/classify/split.ts';

/** 40 premises with 3 hypotheses each, rows interleaved so a premise's rows are not contiguous. */
const KEYS = Array.from({ length: 120 }, (_, i) => `premise ${i % 40}`);

test('keeps every premise whole, covers every row once, sizes follow the shares', (t) => {
  const s = splitByPremise(KEYS, { seed: 7, testShare: 0.5, heldOutShare: 0.25 });
  const partOf = new Map<string, string>();
  for (const [part, rows] of Object.entries({ train: s.train, heldOut: s.heldOut, test: s.test })) {
    for (const r of rows) {
      const seen = partOf.get(KEYS[r]);
      t.true(seen === undefined || seen === part, `premise ${KEYS[r]} straddles ${seen} and ${part}`);
      partOf.set(KEYS[r], part);
    }
  }
  t.deepEqual(
    [...s.train, ...s.heldOut, ...s.test].sort((a, b) => a - b),
    KEYS.map((_, i) => i),
  );
  t.deepEqual(s.premises, { test: 20, heldOut: 5, train: 15 });
  t.is(s.test.length, 60);
  t.is(s.heldOut.length, 15);
  t.deepEqual(
    [...s.test],
    [...s.test].sort((a, b) => a - b),
    'rows ascending',
  );
});

test('the same seed gives the same split; another seed another one', (t) => {
  const opts = { testShare: 0.5, heldOutShare: 0.2 };
  const a = splitByPremise(KEYS, { seed: 1, ...opts });
  const b = splitByPremise([...KEYS], { seed: 1, ...opts });
  const c = splitByPremise(KEYS, { seed: 2, ...opts });
  t.deepEqual(a, b);
  t.notDeepEqual([...a.test], [...c.test]);
});

test('refuses shares outside (0, 1) and inputs too small for three parts', (t) => {
  t.throws(() => splitByPremise(KEYS, { seed: 0, testShare: 1, heldOutShare: 0.2 }), {
    message: /testShare must be in \(0, 1\), got 1/,
  });
  t.throws(() => splitByPremise(KEYS, { seed: 0, testShare: 0.5, heldOutShare: 0 }), { message: /heldOutShare/ });
  t.throws(() => splitByPremise(['a', 'a', 'b'], { seed: 0, testShare: 0.5, heldOutShare: 0.5 }), {
    message: /cannot split 2 premises/,
  });
});
