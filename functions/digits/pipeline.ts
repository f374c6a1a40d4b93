import { DIGIT_SIZE, type DigitsResponse } from '../../schemas/digits.ts'
import type { EdgeFunction } from '../runtime/call.ts'
import { tensor } from '../runtime/tensor.ts'
import { decodeImage, type ImageMediaType } from '../image/decode.ts'
import { mnistPixels } from './preprocess.ts'

/** Manifest name of the model this function runs. */
export const DIGITS_MODEL = 'digits'

/** Input of the digit classifier: an image to preprocess, or MNIST-ready pixels. */
export type DigitsInput =
  | { kind: 'image'; bytes: Uint8Array; mediaType: ImageMediaType; maxImagePixels: number }
  | { kind: 'pixels'; pixels: Float32Array }

/**
 * Handwritten digit recognition with the classifier trained by
 * scripts/train-digits.ts: preprocess an image as MNIST was made (or take 784
 * pixels as they are), run the model, and report the most probable digit.
 */
export const digitsFunction: EdgeFunction<DigitsInput, DigitsResponse> = {
  name: 'digits',
  model: DIGITS_MODEL,

  async run(input, { model: loadModel, timer }) {
    let pixels: Float32Array
    if (input.kind === 'pixels') {
      pixels = input.pixels
    } else {
      const image = await timer.measure('decode', () => decodeImage(input.bytes, input.mediaType, input.maxImagePixels))
      pixels = await timer.measure('preprocess', () => mnistPixels(image))
    }

    const model = await loadModel()
    const outputs = await model.run({ pixels: tensor('FP32', [1, DIGIT_SIZE * DIGIT_SIZE], pixels) }, timer)

    const probabilities = Array.from(outputs.probabilities!.data as Float32Array)
    const digit = probabilities.indexOf(Math.max(...probabilities))
    const { name, version, sha256 } = model.entry
    return { digit, probabilities, model: { name, version, sha256 } }
  },
}
