// Retry delays: exponential backoff with jitter drawn from a seeded generator (stages/common/random.ts), so that a test
// (or a rerun) sees the
// same delays, while many clients retrying at once still spread out instead of hammering a server in lockstep.

import { createRng } from '../common/random.ts';

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Cap on any single delay (Retry-After included), so a hostile header cannot park the run for hours. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `retry` (1-based): "equal jitter", half fixed and half random, so a retry never fires
 * immediately yet two clients rarely collide. A server's Retry-After (ms) is honoured as a floor, within `maxMs`.
 */
export function backoffDelay(
  retry: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  const jittered = exp / 2 + (exp / 2) * random();
  const floor = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? retryAfterMs : 0;
  return Math.round(Math.min(options.maxMs, Math.max(jittered, floor)));
}

/** Parse a Retry-After header (seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A sleep that an abort cuts short (rejecting with the signal's reason), so Ctrl-C does not wait out a backoff. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The retry jitter's draws: the project's seeded generator family, on a stream of its own. */
export function jitterRandom(seed: number): () => number {
  const rng = createRng(seed, 'download/backoff-jitter');
  return () => rng.float();
}
