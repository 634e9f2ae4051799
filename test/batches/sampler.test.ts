// planBatches on synthetic inputs: batch purity, no shared question/passage inside a batch, every row at most once
// per epoch (exactly once without dropLast), row accounting, the hybrid mono share, determinism, and the shared
// pair order that lets a batch-size or alpha sweep change one variable only.
import test, { type ExecutionContext } from 'ava';
import {
  planBatches,
  type BatchPlan,
  type SamplerInput,
  type SamplerParams,
  type Strategy,
} from '../../stages/batches/sampler.ts';
import { createRng } from '../../stages/common/random.ts';

/** Deterministic generator for the synthetic inputs: its own stream, independent of the sampler's. */
function prng(seed: number): () => number {
  const rng = createRng(seed, 'test/sampler');
  return () => rng.float();
}

/**
 * Pairs laid out like the real data, full of conflicts: every question exists in `langs` languages (one question
 * key for all its translations) and is paired with the passage of its article in every language; three questions
 * share an article, so a passage key is reused by three questions and by mono and cross rows alike. `keep` thins
 * the grid at random so pools are irregular. Keys are scattered (not 0..n-1) so nothing relies on dense keys.
 */
function conflicted(questions: number, langs: number, keep: number, seed: number): SamplerInput {
  const r = prng(seed);
  const kind: number[] = [];
  const questionKey: number[] = [];
  const passageKey: number[] = [];
  for (let q = 0; q < questions; q++) {
    for (let ql = 0; ql < langs; ql++) {
      for (let pl = 0; pl < langs; pl++) {
        if (r() >= keep) continue;
        kind.push(ql === pl ? 0 : 1);
        questionKey.push(q * 3 + 1);
        passageKey.push(Math.floor(q / 3) * langs + pl);
      }
    }
  }
  return {
    kind: Uint8Array.from(kind),
    questionKey: Int32Array.from(questionKey),
    passageKey: Int32Array.from(passageKey),
  };
}

/** `n` rows, none sharing a question or a passage; each row mono with probability `monoShare`. */
function conflictFree(n: number, monoShare: number, seed: number): SamplerInput {
  const r = prng(seed);
  const kind = new Uint8Array(n);
  const questionKey = new Int32Array(n);
  const passageKey = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    kind[i] = r() < monoShare ? 0 : 1;
    questionKey[i] = n - 1 - i;
    passageKey[i] = i * 2;
  }
  return { kind, questionKey, passageKey };
}

const BASE: SamplerParams = { strategy: 'hybrid', batchSize: 32, alpha: 0.5, epochs: 2, seed: 7, dropLast: true };
const STRATEGIES: Strategy[] = ['mono', 'cross', 'hybrid'];
const KIND_NAMES = ['mono', 'cross'] as const;

function kindsUsed(strategy: Strategy): (0 | 1)[] {
  return strategy === 'mono' ? [0] : strategy === 'cross' ? [1] : [0, 1];
}

function eligibleRows(input: SamplerInput, strategy: Strategy): number[] {
  const used = kindsUsed(strategy);
  const out: number[] = [];
  for (let i = 0; i < input.kind.length; i++) if (used.includes(input.kind[i] as 0 | 1)) out.push(i);
  return out;
}

function batchRows(plan: BatchPlan, b: number): number[] {
  return Array.from(plan.row.subarray(plan.offsets[b], plan.offsets[b + 1]));
}

/** Rows of one epoch, in output order, split by the kind of their batch. */
function perKind(plan: BatchPlan, epoch: number): { mono: number[]; cross: number[] } {
  const out = { mono: [] as number[], cross: [] as number[] };
  for (let b = 0; b < plan.batchKind.length; b++) {
    if (plan.batchEpoch[b] === epoch) out[KIND_NAMES[plan.batchKind[b]]].push(...batchRows(plan, b));
  }
  return out;
}

function epochRows(plan: BatchPlan, epoch: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < plan.batchKind.length; b++) if (plan.batchEpoch[b] === epoch) out.push(...batchRows(plan, b));
  return out;
}

/** The plan restricted to its first epoch, as a plan of its own (for comparing with an epochs=1 run). */
function firstEpoch(plan: BatchPlan): Omit<BatchPlan, 'stats'> {
  let batches = 0;
  while (batches < plan.batchEpoch.length && plan.batchEpoch[batches] === 0) batches++;
  return {
    row: plan.row.slice(0, plan.offsets[batches]),
    offsets: plan.offsets.slice(0, batches + 1),
    batchEpoch: plan.batchEpoch.slice(0, batches),
    batchKind: plan.batchKind.slice(0, batches),
  };
}

/** Where two row sequences part (null when equal): keeps failure output short instead of dumping thousands of rows. */
function seqDiff(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++)
    if (a[i] !== b[i]) return `first difference at ${i} of ${a.length} / ${b.length}: ${a[i]} vs ${b[i]}`;
  return a.length === b.length ? null : `lengths ${a.length} / ${b.length}, equal up to ${n}`;
}

/**
 * Every structural invariant of a plan, collected as messages (so a broken plan fails with a readable list, not
 * thousands of assertions): offsets, purity, no shared key in a batch, rows at most once per epoch, batch sizes
 * against stats.shortBatches, stats against the rows emitted.
 */
function violations(input: SamplerInput, p: SamplerParams, plan: BatchPlan): string[] {
  const out: string[] = [];
  const add = (msg: string) => {
    if (out.length < 20) out.push(msg);
  };
  const batches = plan.batchKind.length;
  const used = kindsUsed(p.strategy);
  if (plan.offsets.length !== batches + 1 || plan.batchEpoch.length !== batches) add('array lengths disagree');
  if (plan.offsets[0] !== 0 || plan.offsets[batches] !== plan.row.length) add('offsets do not span the rows');
  if (plan.stats.rows !== plan.row.length) add(`stats.rows ${plan.stats.rows} != ${plan.row.length}`);
  const counts = { mono: 0, cross: 0 };
  let nonFull = 0;
  let nonFullNotLast = 0;
  for (let b = 0; b < batches; b++) {
    const rows = batchRows(plan, b);
    const kind = plan.batchKind[b];
    counts[KIND_NAMES[kind]]++;
    if (!used.includes(kind as 0 | 1)) add(`batch ${b}: kind ${kind} not allowed by strategy ${p.strategy}`);
    if (b > 0 && plan.batchEpoch[b] < plan.batchEpoch[b - 1]) add(`batch ${b}: epoch goes back`);
    if (plan.batchEpoch[b] < 0 || plan.batchEpoch[b] >= p.epochs)
      add(`batch ${b}: epoch ${plan.batchEpoch[b]} out of range`);
    if (rows.length === 0 || rows.length > p.batchSize) add(`batch ${b}: size ${rows.length}`);
    const qs = new Set<number>();
    const ps = new Set<number>();
    for (const r of rows) {
      if (!(r >= 0 && r < input.kind.length)) add(`batch ${b}: row ${r} out of range`);
      if (input.kind[r] !== kind) add(`batch ${b} (${KIND_NAMES[kind]}): row ${r} has kind ${input.kind[r]}`);
      if (qs.has(input.questionKey[r])) add(`batch ${b}: question key ${input.questionKey[r]} twice`);
      if (ps.has(input.passageKey[r])) add(`batch ${b}: passage key ${input.passageKey[r]} twice`);
      qs.add(input.questionKey[r]);
      ps.add(input.passageKey[r]);
    }
    if (rows.length !== p.batchSize) {
      nonFull++;
      const lastOfPool = !Array.from(plan.batchKind.subarray(b + 1)).some(
        (k, i) => k === kind && plan.batchEpoch[b + 1 + i] === plan.batchEpoch[b],
      );
      if (!lastOfPool) nonFullNotLast++;
    }
  }
  if (counts.mono !== plan.stats.batches.mono || counts.cross !== plan.stats.batches.cross) {
    add(`stats.batches ${JSON.stringify(plan.stats.batches)} != counted ${JSON.stringify(counts)}`);
  }
  // Batches below batchSize: with dropLast only the reported short ones; without it also each pool's last batch.
  if (p.dropLast && nonFull !== plan.stats.shortBatches)
    add(`dropLast: ${nonFull} batches below batchSize, stats.shortBatches ${plan.stats.shortBatches}`);
  if (!p.dropLast && nonFullNotLast !== plan.stats.shortBatches)
    add(`${nonFullNotLast} non-final batches below batchSize, stats.shortBatches ${plan.stats.shortBatches}`);
  const eligible = new Set(eligibleRows(input, p.strategy));
  for (let e = 0; e < p.epochs; e++) {
    const rows = epochRows(plan, e);
    if (new Set(rows).size !== rows.length) add(`epoch ${e}: a row appears twice`);
    for (const r of rows) if (!eligible.has(r)) add(`epoch ${e}: row ${r} not eligible`);
    // Without dropLast nothing is left out: every eligible row exactly once per epoch.
    if (!p.dropLast && rows.length !== eligible.size)
      add(`epoch ${e}: ${rows.length} rows of ${eligible.size} eligible`);
  }
  const expectedEligible = { mono: 0, cross: 0 };
  for (const k of input.kind) expectedEligible[KIND_NAMES[k]]++;
  if (plan.stats.eligible.mono !== expectedEligible.mono || plan.stats.eligible.cross !== expectedEligible.cross)
    add('stats.eligible wrong');
  // Accounting: every eligible row of each epoch is either emitted or counted as dropped.
  if (plan.row.length + plan.stats.droppedLastPartial !== eligible.size * p.epochs) {
    add(
      `emitted ${plan.row.length} + dropped ${plan.stats.droppedLastPartial} != ${eligible.size} eligible × ${p.epochs} epochs`,
    );
  }
  if (!p.dropLast && plan.stats.droppedLastPartial !== 0) add('rows dropped without dropLast');
  return out;
}

const CONFLICTED = conflicted(400, 5, 0.8, 1);
const FREE = conflictFree(6000, 0.35, 2);

test('the synthetic inputs are what the tests assume', (t) => {
  const n = CONFLICTED.kind.length;
  const mono = CONFLICTED.kind.reduce((s, k) => s + (k === 0 ? 1 : 0), 0);
  t.true(n > 7000 && n < 9000, `${n} rows`);
  t.true(mono > 1400 && mono < 1800, `${mono} mono rows`);
  // Conflicts of both sorts, inside each kind and across kinds.
  t.true(new Set(CONFLICTED.questionKey).size < n / 15);
  t.true(new Set(CONFLICTED.passageKey).size < n / 8);
  t.is(new Set(FREE.questionKey).size, FREE.kind.length);
  t.is(new Set(FREE.passageKey).size, FREE.kind.length);
});

for (const strategy of STRATEGIES) {
  for (const batchSize of [8, 32, 128]) {
    for (const dropLast of [true, false]) {
      test(`invariants: ${strategy}, batchSize ${batchSize}, dropLast ${dropLast}, 2 epochs, conflicting keys`, (t) => {
        const p: SamplerParams = { ...BASE, strategy, batchSize, dropLast, alpha: 0.3 };
        const plan = planBatches(CONFLICTED, p);
        t.deepEqual(violations(CONFLICTED, p, plan), []);
        const eligible = eligibleRows(CONFLICTED, strategy).length;
        // Conflicts are reported, and the big batches of this input cannot all be filled in one go.
        t.true(plan.stats.deferred > 0, 'no row was deferred on an input full of shared keys');
        t.true(plan.row.length >= eligible * 2 * (dropLast ? 0.75 : 1), `${plan.row.length} rows of ${eligible} × 2`);
        // Per-epoch accounting: epoch 0 does not depend on how many epochs follow, so an epochs=1 run gives its
        // dropped count; epoch 1 then follows from the totals above.
        const one = planBatches(CONFLICTED, { ...p, epochs: 1 });
        t.deepEqual(violations(CONFLICTED, { ...p, epochs: 1 }, one), []);
        const { stats: _stats, ...onePlan } = one;
        const head = firstEpoch(plan);
        t.is(seqDiff(head.row, onePlan.row), null);
        t.is(seqDiff(head.offsets, onePlan.offsets), null);
        t.deepEqual(head.batchKind, onePlan.batchKind);
        t.deepEqual(head.batchEpoch, onePlan.batchEpoch);
        t.is(one.row.length + one.stats.droppedLastPartial, eligible);
        t.is(plan.row.length - one.row.length + plan.stats.droppedLastPartial - one.stats.droppedLastPartial, eligible);
        if (strategy !== 'hybrid') t.is(plan.stats.forcedKind, 0);
      });
    }
  }
}

for (const strategy of STRATEGIES) {
  test(`conflict-free input, ${strategy}: nothing deferred, no short batch, only the tail dropped`, (t) => {
    for (const batchSize of [8, 32, 128]) {
      for (const dropLast of [true, false]) {
        const p: SamplerParams = { ...BASE, strategy, batchSize, dropLast, epochs: 3 };
        const plan = planBatches(FREE, p);
        t.deepEqual(violations(FREE, p, plan), [], `batchSize ${batchSize}, dropLast ${dropLast}`);
        t.is(plan.stats.deferred, 0, `batchSize ${batchSize}, dropLast ${dropLast}: deferred`);
        t.is(plan.stats.shortBatches, 0);
        if (dropLast) {
          // Exactly the remainder of each pool in each epoch.
          const remainder = kindsUsed(strategy)
            .map((k) => FREE.kind.filter((x) => x === k).length % batchSize)
            .reduce((a, b) => a + b, 0);
          t.is(plan.stats.droppedLastPartial, remainder * 3, `batchSize ${batchSize}`);
        }
      }
    }
  });
}

test('dropLast drops the tail of an epoch only: the next epoch still walks its own shuffled order', (t) => {
  // 12 conflict-free rows, batches of 8: each epoch emits 8 rows and drops 4. The dropped rows must not be held
  // back in the next epoch (they share nothing with anything), so each epoch's rows are the first 8 of the order
  // the same epoch walks without dropLast.
  const input = conflictFree(12, 1, 3);
  for (const seed of [0, 1, 2, 3, 4]) {
    const p: SamplerParams = { strategy: 'mono', batchSize: 8, alpha: 0.5, epochs: 4, seed, dropLast: true };
    const dropped = planBatches(input, p);
    const kept = planBatches(input, { ...p, dropLast: false });
    t.is(dropped.stats.deferred, 0, `seed ${seed}`);
    t.is(dropped.stats.droppedLastPartial, 16);
    t.deepEqual(Array.from(dropped.batchEpoch), [0, 1, 2, 3]);
    for (let e = 0; e < 4; e++)
      t.is(seqDiff(epochRows(dropped, e), epochRows(kept, e).slice(0, 8)), null, `seed ${seed}, epoch ${e}`);
  }
});

test('a pool smaller than batchSize gives no batch with dropLast, and everything is reported as dropped', (t) => {
  // 160 mono rows over 40 questions; batches of 256 can never be filled, so every batch would be a partial one.
  const input = conflicted(40, 4, 1, 4);
  const mono = input.kind.filter((k) => k === 0).length;
  t.is(mono, 160);
  const p: SamplerParams = { ...BASE, strategy: 'mono', batchSize: 256 };
  const plan = planBatches(input, p);
  t.is(plan.row.length, 0);
  t.is(plan.batchKind.length, 0);
  t.is(plan.stats.droppedLastPartial, mono * 2);
  t.is(plan.stats.shortBatches, 0);
  // Without dropLast the same rows all come out, in batches of at most 40 (one row per question).
  const kept = planBatches(input, { ...p, dropLast: false });
  t.deepEqual(violations(input, { ...p, dropLast: false }, kept), []);
  t.is(kept.row.length, mono * 2);
  const sizes = Array.from(kept.offsets.subarray(1), (o, b) => o - kept.offsets[b]);
  t.true(
    sizes.every((size) => size <= 40),
    sizes.join(' '),
  );
  // Batches of 64 from the same pool: more rows than a batch, but conflicts cap a batch at 40 rows. Those batches
  // come out short and are reported as such; the rows of the last one are reported as dropped.
  const capped = planBatches(input, { ...p, batchSize: 64 });
  t.deepEqual(violations(input, { ...p, batchSize: 64 }, capped), []);
  t.true(capped.stats.shortBatches > 0);
  t.is(capped.stats.shortBatches, capped.batchKind.length);
  t.true(capped.stats.droppedLastPartial > 0);
  // Hybrid: a mono pool smaller than a batch (24 rows) beside 400 conflict-free cross rows: only cross batches come
  // out, and the whole mono pool is reported as dropped, with the cross remainder.
  const mixed: SamplerInput = {
    kind: Uint8Array.from({ length: 424 }, (_, i) => (i < 24 ? 0 : 1)),
    questionKey: Int32Array.from({ length: 424 }, (_, i) => (i < 24 ? i % 6 : 100 + i)),
    passageKey: Int32Array.from({ length: 424 }, (_, i) => i),
  };
  const hp: SamplerParams = { ...p, strategy: 'hybrid', batchSize: 32 };
  const hybrid = planBatches(mixed, hp);
  t.deepEqual(violations(mixed, hp, hybrid), []);
  t.is(hybrid.stats.batches.mono, 0);
  t.is(hybrid.stats.batches.cross, 12 * 2);
  t.is(hybrid.stats.droppedLastPartial, (24 + 400 - 12 * 32) * 2);
  t.is(hybrid.stats.shortBatches, 0);
});

test('hybrid: the share of mono batches follows alpha while both pools last', (t) => {
  // 40,000 conflict-free rows, half mono: 2,500 batches of 8 per pool and epoch. With alpha = 0.3 the cross pool
  // runs out after ~3,570 batches; before that each batch is mono with probability 0.3 independently, so the
  // share over n ≈ 3,500 batches has standard deviation sqrt(0.3 × 0.7 / n) ≈ 0.0078. A tolerance of 0.035
  // (≈ 4.5 σ) would fail by chance about once in 10⁵ seeds, and still catches alpha being ignored or inverted
  // (0.5 or 0.7) or applied to the wrong kind by a wide margin.
  const input = conflictFree(40_000, 0.5, 5);
  for (const seed of [0, 1, 2]) {
    for (const alpha of [0.3, 0.8]) {
      const p: SamplerParams = { strategy: 'hybrid', batchSize: 8, alpha, epochs: 2, seed, dropLast: false };
      const plan = planBatches(input, p);
      for (let e = 0; e < 2; e++) {
        const kinds = Array.from(plan.batchKind).filter((_, b) => plan.batchEpoch[b] === e);
        const total = { mono: kinds.filter((k) => k === 0).length, cross: kinds.filter((k) => k === 1).length };
        // The prefix in which neither pool has run out: up to the last batch of the first pool to finish.
        const seen = { mono: 0, cross: 0 };
        let prefix = 0;
        while (seen.mono < total.mono && seen.cross < total.cross) seen[KIND_NAMES[kinds[prefix++]]]++;
        t.true(prefix > 2500, `prefix ${prefix}`);
        const share = seen.mono / prefix;
        t.true(
          Math.abs(share - alpha) < 0.035,
          `seed ${seed}, alpha ${alpha}, epoch ${e}: mono share ${share.toFixed(4)} over ${prefix}`,
        );
      }
      // After the prefix one pool is empty: the remaining batches are forced, and there are some.
      t.true(plan.stats.forcedKind > 100);
    }
  }
});

test('hybrid: alpha 1 gives mono batches only, except the forced ones; alpha 0 the reverse', (t) => {
  for (const dropLast of [false, true]) {
    for (const input of [CONFLICTED, FREE]) {
      const p: SamplerParams = { ...BASE, alpha: 1, dropLast };
      const plan = planBatches(input, p);
      t.deepEqual(violations(input, p, plan), []);
      t.true(plan.stats.batches.cross > 0);
      // Every cross batch was forced (the mono pool of its epoch had run out), and forcedKind counts exactly them.
      t.is(plan.stats.forcedKind, plan.stats.batches.cross, `dropLast ${dropLast}`);
      for (let e = 0; e < 2; e++) {
        const kinds = Array.from(plan.batchKind).filter((_, b) => plan.batchEpoch[b] === e);
        const firstCross = kinds.indexOf(1);
        t.true(firstCross > 0);
        t.true(
          kinds.slice(firstCross).every((k) => k === 1),
          'a mono batch after the mono pool ran out',
        );
      }
      const zero = planBatches(input, { ...p, alpha: 0 });
      t.deepEqual(violations(input, { ...p, alpha: 0 }, zero), []);
      t.is(zero.stats.forcedKind, zero.stats.batches.mono);
      const kinds0 = Array.from(zero.batchKind).filter((_, b) => zero.batchEpoch[b] === 0);
      t.true(kinds0.slice(kinds0.indexOf(0)).every((k) => k === 0));
      t.is(kinds0[0], 1);
    }
  }
});

test('same seed gives the identical plan; another seed another one', (t) => {
  for (const strategy of STRATEGIES) {
    const p: SamplerParams = { ...BASE, strategy };
    const a = planBatches(CONFLICTED, p);
    const b = planBatches(CONFLICTED, { ...p });
    t.is(seqDiff(a.row, b.row), null);
    t.is(seqDiff(a.offsets, b.offsets), null);
    t.is(seqDiff(a.batchKind, b.batchKind), null);
    t.is(seqDiff(a.batchEpoch, b.batchEpoch), null);
    t.deepEqual(a.stats, b.stats);
    const c = planBatches(CONFLICTED, { ...p, seed: 8 });
    t.not(seqDiff(c.row, a.row), null);
    // Other order, same rows overall (the accounting does not depend on luck more than a little).
    t.deepEqual(violations(CONFLICTED, { ...p, seed: 8 }, c), []);
    const kept = planBatches(CONFLICTED, { ...p, dropLast: false });
    const keptOther = planBatches(CONFLICTED, { ...p, dropLast: false, seed: 8 });
    t.is(
      seqDiff(
        [...kept.row].sort((x, y) => x - y),
        [...keptOther.row].sort((x, y) => x - y),
      ),
      null,
    );
    if (strategy === 'hybrid')
      t.notDeepEqual(Array.from(c.batchKind), Array.from(a.batchKind), 'the mono/cross draws depend on the seed');
  }
});

test('each epoch is reshuffled: epoch 0 and epoch 1 orders differ, over the same rows', (t) => {
  for (const strategy of STRATEGIES) {
    const plan = planBatches(CONFLICTED, { ...BASE, strategy, dropLast: false });
    const [e0, e1] = [perKind(plan, 0), perKind(plan, 1)];
    for (const kind of kindsUsed(strategy).map((k) => KIND_NAMES[k])) {
      t.not(seqDiff(e0[kind], e1[kind]), null, `${strategy}/${kind}`);
      t.is(
        seqDiff(
          [...e0[kind]].sort((a, b) => a - b),
          [...e1[kind]].sort((a, b) => a - b),
        ),
        null,
      );
      // A shuffle, not the input order.
      t.not(
        seqDiff(
          e0[kind],
          [...e0[kind]].sort((a, b) => a - b),
        ),
        null,
      );
    }
  }
});

test('same pair order across batch sizes: per-kind row sequences agree (conflict-free input)', (t) => {
  for (const strategy of STRATEGIES) {
    for (const dropLast of [true, false]) {
      for (let epoch = 0; epoch < 2; epoch++) {
        const seqs = [8, 32, 128].map((batchSize) =>
          perKind(planBatches(FREE, { ...BASE, strategy, batchSize, dropLast }), epoch),
        );
        for (const kind of kindsUsed(strategy).map((k) => KIND_NAMES[k])) {
          const [s8, s32, s128] = seqs.map((s) => s[kind]);
          t.true(s128.length > 1000);
          if (!dropLast) {
            // Nothing is dropped: the three sequences are one and the same.
            t.is(seqDiff(s8, s32), null, `${strategy}/${kind} epoch ${epoch}`);
            t.is(seqDiff(s8, s128), null, `${strategy}/${kind} epoch ${epoch}`);
          } else {
            // Only the tails differ (each size drops its own remainder): compare up to the shorter length.
            t.is(seqDiff(s32, s8.slice(0, s32.length)), null, `${strategy}/${kind} epoch ${epoch}`);
            t.is(seqDiff(s128, s8.slice(0, s128.length)), null, `${strategy}/${kind} epoch ${epoch}`);
          }
        }
      }
    }
  }
});

test('same pair order across batch sizes with conflicts: the first batch of 8 opens the first batch of 32', (t) => {
  for (const strategy of STRATEGIES) {
    const small = planBatches(CONFLICTED, { ...BASE, strategy, batchSize: 8 });
    const big = planBatches(CONFLICTED, { ...BASE, strategy, batchSize: 32 });
    for (let epoch = 0; epoch < 2; epoch++) {
      for (const kind of kindsUsed(strategy)) {
        const first = (plan: BatchPlan) => {
          for (let b = 0; b < plan.batchKind.length; b++)
            if (plan.batchEpoch[b] === epoch && plan.batchKind[b] === kind) return batchRows(plan, b);
          return [];
        };
        t.is(first(small).length, 8);
        t.deepEqual(first(small), first(big).slice(0, 8), `${strategy}/${KIND_NAMES[kind]} epoch ${epoch}`);
      }
    }
  }
});

test('hybrid: the per-kind sequences do not depend on alpha (conflicting keys, with and without dropLast)', (t) => {
  for (const dropLast of [true, false]) {
    for (const batchSize of [8, 128]) {
      const [ref, ...others] = [0.5, 0.1, 0.9, 1].map((alpha) =>
        planBatches(CONFLICTED, { ...BASE, batchSize, alpha, dropLast }),
      );
      for (const plan of others) {
        t.notDeepEqual(Array.from(plan.batchKind), Array.from(ref.batchKind));
        for (let epoch = 0; epoch < 2; epoch++) {
          for (const kind of KIND_NAMES) {
            t.is(
              seqDiff(perKind(plan, epoch)[kind], perKind(ref, epoch)[kind]),
              null,
              `dropLast ${dropLast}, batchSize ${batchSize}, epoch ${epoch}, ${kind}`,
            );
          }
        }
        t.is(plan.stats.droppedLastPartial, ref.stats.droppedLastPartial);
        t.is(plan.stats.deferred, ref.stats.deferred);
        t.is(plan.stats.shortBatches, ref.stats.shortBatches);
      }
    }
  }
});

test('hybrid equals mono and cross run apart, kind by kind (with and without dropLast)', (t) => {
  // The pools do not interact: what a hybrid run emits of each kind is exactly what the single-kind run emits.
  const check = (t: ExecutionContext, dropLast: boolean) => {
    const p = { ...BASE, batchSize: 32, dropLast };
    const hybrid = planBatches(CONFLICTED, p);
    const mono = planBatches(CONFLICTED, { ...p, strategy: 'mono' });
    const cross = planBatches(CONFLICTED, { ...p, strategy: 'cross' });
    for (let epoch = 0; epoch < 2; epoch++) {
      t.is(
        seqDiff(perKind(hybrid, epoch).mono, perKind(mono, epoch).mono),
        null,
        `dropLast ${dropLast}, epoch ${epoch}, mono`,
      );
      t.is(
        seqDiff(perKind(hybrid, epoch).cross, perKind(cross, epoch).cross),
        null,
        `dropLast ${dropLast}, epoch ${epoch}, cross`,
      );
    }
    t.is(hybrid.stats.droppedLastPartial, mono.stats.droppedLastPartial + cross.stats.droppedLastPartial);
    t.is(hybrid.stats.shortBatches, mono.stats.shortBatches + cross.stats.shortBatches);
    t.is(hybrid.stats.deferred, mono.stats.deferred + cross.stats.deferred);
  };
  check(t, true);
  check(t, false);
});

/** conflicted() plus `words` dictionary-like rows (cross, their own keys) flagged for the warm-up. */
function withWarmup(base: SamplerInput, words: number): SamplerInput {
  const n = base.kind.length;
  const q0 = Math.max(...base.questionKey) + 1;
  const p0 = Math.max(...base.passageKey) + 1;
  const cat = <T extends Uint8Array | Int32Array>(a: T, extra: number[]): T => {
    const out = new (a.constructor as new (n: number) => T)(n + extra.length);
    out.set(a);
    out.set(extra, n);
    return out;
  };
  const idx = Array.from({ length: words }, (_, i) => i);
  return {
    kind: cat(
      base.kind,
      idx.map(() => 1),
    ),
    questionKey: cat(
      base.questionKey,
      idx.map((i) => q0 + i),
    ),
    passageKey: cat(
      base.passageKey,
      idx.map((i) => p0 + i),
    ),
    warmup: cat(
      new Uint8Array(n),
      idx.map(() => 1),
    ),
  };
}

test('dictionary warm-up: cross-lingual batches of the warm-up rows first, the same for every strategy, then the strategy on the other rows', (t) => {
  const input = withWarmup(conflicted(60, 4, 0.8, 3), 500);
  const n = input.kind.length;
  const params = { ...BASE, warmupEpochs: 2, dropLast: false };
  const plans = STRATEGIES.map((strategy) => planBatches(input, { ...params, strategy }));
  const warmBatches = (plan: BatchPlan) => [...plan.batchEpoch].filter((e) => e < 2).length;
  for (const [s, plan] of plans.entries()) {
    const strategy = STRATEGIES[s];
    t.is(plan.stats.warmup.eligible, 500);
    t.is(plan.stats.warmup.batches, warmBatches(plan), strategy);
    const seen = new Map<number, number>();
    for (let b = 0; b < plan.batchKind.length; b++) {
      const rows = [...plan.row.subarray(plan.offsets[b], plan.offsets[b + 1])];
      const warm = plan.batchEpoch[b] < 2;
      // Warm-up batches hold warm-up rows only, as cross-lingual batches; later ones none of them.
      t.true(
        rows.every((r) => (input.warmup![r] === 1) === warm),
        `${strategy}: batch ${b} mixes phases`,
      );
      if (warm) t.is(plan.batchKind[b], 1);
      else t.true(kindsUsed(strategy).includes(plan.batchKind[b] as 0 | 1));
      for (const r of rows) if (warm) seen.set(r, (seen.get(r) ?? 0) + 1);
    }
    // Without dropLast, every warm-up row once per warm-up epoch; the strategy's epochs are numbered after them.
    t.is(seen.size, 500);
    t.true([...seen.values()].every((c) => c === 2));
    t.deepEqual([...new Set(plan.batchEpoch)].sort(), [0, 1, 2, 3]);
    t.is(
      plan.row.length,
      2 * 500 + 2 * eligibleRows({ ...input, kind: input.kind.subarray(0, n - 500) }, strategy).length,
    );
  }
  // The warm-up does not depend on the strategy: one warm start for the whole comparison.
  const warmRows = (plan: BatchPlan) => [...plan.row.subarray(0, plan.offsets[warmBatches(plan)])];
  t.deepEqual(warmRows(plans[0]), warmRows(plans[1]));
  t.deepEqual(warmRows(plans[0]), warmRows(plans[2]));
});

test('no warm-up rows or warmupEpochs 0: the plan of the sampler without a warm-up', (t) => {
  const base = conflicted(40, 3, 0.9, 5);
  const none = planBatches(base, BASE);
  t.deepEqual(
    planBatches({ ...base, warmup: new Uint8Array(base.kind.length) }, { ...BASE, warmupEpochs: 3 }).row,
    none.row,
  );
  const flagged = withWarmup(base, 50);
  const zero = planBatches(flagged, { ...BASE, warmupEpochs: 0 });
  t.is(zero.stats.warmup.batches, 0);
  t.true(
    [...zero.row].every((r) => flagged.warmup![r] === 0),
    'warm-up rows never train when warmupEpochs is 0',
  );
});
