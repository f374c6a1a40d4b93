/**
 * Seeded pseudo-random numbers, so that the split, the initial weights, the
 * shuffling and the augmentation of a training run repeat exactly for a seed.
 */

/** A generator of uniform floats in [0, 1). */
export type Random = () => number

/** Creates a Mulberry32 generator (32-bit state, period 2^32) from an integer seed. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Returns an integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n)
}

/** Shuffles in place with the Fisher-Yates algorithm. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1)
    const swap = items[i]!
    items[i] = items[j]!
    items[j] = swap
  }
  return items
}

/** Returns a standard normal sample by the Box-Muller transform. */
export function randomNormal(random: Random): number {
  const u = 1 - random()
  const v = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}
