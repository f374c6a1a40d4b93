import { DIGITS_MODEL } from '../../functions/digits/pipeline.ts'
import { mnistPixels } from '../../functions/digits/preprocess.ts'
import { decodeImage, type ImageMediaType } from '../../functions/image/decode.ts'
import { runJobLine, type JobLineContext } from '../../functions/jobs/line.ts'
import type { ModelRegistry } from '../../functions/runtime/registry.ts'
import { tensor } from '../../functions/runtime/tensor.ts'
import { DIGIT_SIZE, type DigitsResponse } from '../../schemas/digits.ts'
import type { JobLine, JobResult } from '../../schemas/jobs.ts'

const PIXELS_PER_DIGIT = DIGIT_SIZE * DIGIT_SIZE

/** A digits job line with its 1-based line number. */
export interface DigitsLine {
  number: number
  line: Extract<JobLine, { function: 'digits' }>
}

function mediaTypeOf(key: string, given: ImageMediaType | undefined): ImageMediaType | undefined {
  if (given) return given
  if (/\.png$/i.test(key)) return 'image/png'
  if (/\.jpe?g$/i.test(key)) return 'image/jpeg'
  return undefined
}

/**
 * Preprocesses a line as the digits pipeline does; returns undefined for any
 * line it cannot prepare (missing object, unknown type, bad image, no ink).
 */
async function preparePixels(line: DigitsLine['line'], context: JobLineContext): Promise<Float32Array | undefined> {
  const { input } = line
  if ('pixels' in input) return Float32Array.from(input.pixels)
  try {
    let bytes: Uint8Array | null
    let mediaType: ImageMediaType | undefined
    if ('key' in input) {
      bytes = await context.readObject(input.key)
      mediaType = mediaTypeOf(input.key, input.mediaType)
    } else {
      bytes = Uint8Array.from(atob(input.imageBase64), (char) => char.charCodeAt(0))
      mediaType = input.mediaType
    }
    if (!bytes || !mediaType) return undefined
    return mnistPixels(decodeImage(bytes, mediaType, context.maxImagePixels))
  } catch {
    return undefined
  }
}

/**
 * Runs digits lines as one [N, 784] batch through the registry's digits model
 * and returns their result entries in the order given, with the output the
 * pipeline returns for one input. A line that cannot be preprocessed runs alone
 * through {@link runJobLine}, so its error entry is exactly the pipeline's.
 * The batch skips the call path's hooks, which the runner does not use.
 */
export async function runDigitsBatch(
  lines: readonly DigitsLine[],
  context: JobLineContext,
  registry: ModelRegistry,
  requestId: string,
): Promise<JobResult[]> {
  const results: Array<JobResult | undefined> = new Array(lines.length)
  const prepared: Array<{ index: number; pixels: Float32Array }> = []
  for (const [index, { number, line }] of lines.entries()) {
    const pixels = await preparePixels(line, context)
    if (pixels) prepared.push({ index, pixels })
    else results[index] = await runJobLine(line, number, context, `${requestId}/${number}`)
  }

  if (prepared.length > 0) {
    const batch = new Float32Array(prepared.length * PIXELS_PER_DIGIT)
    prepared.forEach(({ pixels }, row) => batch.set(pixels, row * PIXELS_PER_DIGIT))

    const model = await registry.acquire(DIGITS_MODEL)
    const outputs = await model.run({ pixels: tensor('FP32', [prepared.length, PIXELS_PER_DIGIT], batch) })
    const probabilities = outputs.probabilities!.data as Float32Array
    const classes = probabilities.length / prepared.length
    const { name, version, sha256 } = model.entry

    prepared.forEach(({ index }, row) => {
      const rowProbabilities = Array.from(probabilities.subarray(row * classes, (row + 1) * classes))
      const digit = rowProbabilities.indexOf(Math.max(...rowProbabilities))
      const output: DigitsResponse = { digit, probabilities: rowProbabilities, model: { name, version, sha256 } }
      const { number, line } = lines[index]!
      results[index] = { line: number, id: line.id, ok: true, output }
    })
  }
  return results as JobResult[]
}
