// Accuracy and the transfer summary on hand-made predictions, with the numbers worked out by hand.
import test from 'ava';
import { accuracy, transferSummary } from '../../stages/classify/metrics.ts';
import { NO_LABEL } from '../../stages/classify/xnli.ts';

test('accuracy counts correct rows among the labelled ones, and counts the unlabelled apart', (t) => {
  t.deepEqual(accuracy([0, 1, 2, 2], [0, 1, 1, 2]), { accuracy: 0.75, correct: 3, examples: 4, unlabelled: 0 });
  t.deepEqual(accuracy([0, 1, 2, 0, 1], [0, NO_LABEL, 1, NO_LABEL, 1]), {
    accuracy: 2 / 3,
    correct: 2,
    examples: 3,
    unlabelled: 2,
  });
  t.true(Number.isNaN(accuracy([1], [NO_LABEL]).accuracy), 'nothing to score is NaN, not 0');
  t.throws(() => accuracy([0, 1], [0]), { message: /2 predictions for 1 gold labels/ });
});

test('transfer summary: source, zero-shot mean, gap, seen and unseen groups', (t) => {
  const s = transferSummary({ en: 0.8, de: 0.6, sw: 0.4, fr: 0.5 }, 'en', ['en', 'de']);
  t.is(s.source, 0.8);
  t.is(s.macro, (0.8 + 0.6 + 0.4 + 0.5) / 4);
  t.is(s.zeroShot, (0.6 + 0.4 + 0.5) / 3);
  t.is(s.gap, 0.8 - (0.6 + 0.4 + 0.5) / 3);
  t.is(s.seen, 0.6);
  t.is(s.unseen, (0.4 + 0.5) / 2);
  t.deepEqual(s.seenLanguages, ['de']);
  t.deepEqual(s.unseenLanguages, ['sw', 'fr']);
  const unknown = transferSummary({ en: 0.8, de: 0.6 }, 'en', null);
  t.is(unknown.seen, null);
  t.is(unknown.unseen, null);
  t.is(transferSummary({ en: 0.5, de: 0.6 }, 'en', ['en']).seen, null, 'an empty group is null');
  t.throws(() => transferSummary({ de: 0.6, fr: 0.5 }, 'en', null), {
    message: /no accuracy for the source language en/,
  });
  t.throws(() => transferSummary({ en: 0.6 }, 'en', null), { message: /only the source language/ });
});
