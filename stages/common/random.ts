// Seeded randomness for stages: every random choice in an artifact comes from here, from the stage's seed and a
// named stream, so adding a new random choice never shifts the numbers an existing one draws.
import { createHash } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Rng {
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Uniform float in [0, 1). */
  float(): number;
}

/** A generator for `(seed, stream)`: independent streams per name, identical on every machine. */
export function createRng(seed: number, stream: string): Rng {
  const digest = createHash('sha256').update(`${seed}\0${stream}`).digest();
  const generator = xoroshiro128plus(digest.readInt32LE(0));
  return {
    int: (min, max) => uniformInt(generator, min, max),
    float: () => uniformFloat64(generator),
  };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/**
 * Fills `out` with normal(0, std) values from `(seed, stream)`. Millions of values (an embedding table) must be
 * cheap, so this runs a 32-bit xorshift128 seeded from the stream's digest rather than pure-rand per value; the
 * output is the same on every machine (integer math, then one Box–Muller per two values).
 */
export function fillNormal(out: Float32Array, seed: number, stream: string, std = 1): Float32Array {
  const digest = createHash('sha256').update(`${seed}\0${stream}\0normal`).digest();
  let x = digest.readInt32LE(0) | 1;
  let y = digest.readInt32LE(4);
  let z = digest.readInt32LE(8);
  let w = digest.readInt32LE(12);
  const next = (): number => {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
    // 2^-32 steps in (0, 1]: never 0, so log() below stays finite.
    return ((w >>> 0) + 1) / 4294967296;
  };
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next())) * std;
    const a = 2 * Math.PI * next();
    out[i] = r * Math.cos(a);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** Fills `out` with uniform values in [-bound, bound) from `(seed, stream)`; meant for small arrays (a dense layer). */
export function fillUniform(out: Float32Array, seed: number, stream: string, bound: number): Float32Array {
  const rng = createRng(seed, stream);
  for (let i = 0; i < out.length; i++) out[i] = (rng.float() * 2 - 1) * bound;
  return out;
}
