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
