import * as ort from 'onnxruntime-node'
import { CLASS_COUNT, PIXELS_PER_DIGIT } from './data.ts'
import { INPUT_NAME, OUTPUT_NAME } from './onnx-export.ts'

/**
 * Maximum absolute difference allowed between a probability from onnxruntime
 * and the same one from TensorFlow.js. Both compute in float32 but sum in
 * different orders. The default training run measured 9.5e-7 on 2,000 digits.
 */
export const PARITY_TOLERANCE = 1e-4

/** Creates an onnxruntime-node session on the CPU execution provider. */
export function createOnnxSession(model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' })
}

/** Runs `count` digits through the session in batches of `batchSize` and returns the probabilities [count, 10]. */
export async function runOnnxModel(
  session: ort.InferenceSession,
  pixels: Float32Array,
  count: number,
  batchSize: number,
): Promise<Float32Array> {
  const probabilities = new Float32Array(count * CLASS_COUNT)
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start)
    const input = new ort.Tensor('float32', pixels.slice(start * PIXELS_PER_DIGIT, (start + size) * PIXELS_PER_DIGIT), [
      size,
      PIXELS_PER_DIGIT,
    ])
    const outputs = await session.run({ [INPUT_NAME]: input })
    const output = outputs[OUTPUT_NAME]
    if (!output || output.type !== 'float32' || output.dims.join(',') !== `${size},${CLASS_COUNT}`) {
      throw new Error(
        `ONNX output "${OUTPUT_NAME}" is missing or not float32 [${size}, ${CLASS_COUNT}]: ` +
          (output ? `${output.type} [${output.dims.join(', ')}]` : 'missing'),
      )
    }
    probabilities.set(output.data as Float32Array, start * CLASS_COUNT)
    input.dispose()
    output.dispose()
  }
  return probabilities
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`cannot compare arrays of ${a.length} and ${b.length} values`)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!))
  return max
}

/** Overall and per-class accuracy of the most probable class against `labels`. */
export function accuracyByClass(
  probabilities: Float32Array,
  labels: Uint8Array,
): { accuracy: number; perClass: number[] } {
  const correct = new Array<number>(CLASS_COUNT).fill(0)
  const total = new Array<number>(CLASS_COUNT).fill(0)
  labels.forEach((label, row) => {
    let best = 0
    for (let k = 1; k < CLASS_COUNT; k++) {
      if (probabilities[row * CLASS_COUNT + k]! > probabilities[row * CLASS_COUNT + best]!) best = k
    }
    total[label]!++
    if (best === label) correct[label]!++
  })
  const correctSum = correct.reduce((sum, n) => sum + n, 0)
  return {
    accuracy: labels.length > 0 ? correctSum / labels.length : 0,
    perClass: correct.map((n, label) => (total[label]! > 0 ? n / total[label]! : 0)),
  }
}
