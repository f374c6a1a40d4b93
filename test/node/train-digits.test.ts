import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InferenceSession } from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manifestSchema, modelEntrySchema } from '../../schemas/manifest.ts'
import {
  CLASS_COUNT,
  PIXELS_PER_DIGIT,
  loadDigitClasses,
  splitDigits,
  type DigitSet,
} from '../../scripts/digits/data.ts'
import { DIGITS_MODEL_NAME, saveDigitsModel } from '../../scripts/digits/manifest.ts'
import { sha256Hex } from '../../scripts/lib/models.ts'
import {
  createModel,
  disposeModel,
  exportWeights,
  predictProbabilities,
  trainModel,
} from '../../scripts/digits/model.ts'
import {
  INPUT_NAME,
  OPSET_VERSION,
  OUTPUT_NAME,
  buildOnnxModel,
  decodeOnnxModel,
} from '../../scripts/digits/onnx-export.ts'
import { PARITY_TOLERANCE, createOnnxSession, maxAbsDifference, runOnnxModel } from '../../scripts/digits/parity.ts'
import { useWasmBackend } from '../../scripts/digits/tfjs.ts'

const SEED = 7
const record = { seed: SEED, epochs: 1, trainCount: 100, testCount: 50, accuracy: 0 }

let outDir: string
let test: DigitSet
let tfjsProbabilities: Float32Array
let onnxModel: Uint8Array
let saved: ReturnType<typeof saveDigitsModel>
let session: InferenceSession

// A small network trained for one epoch on 100 digits: accuracy does not
// matter here, only that the ONNX export computes what TensorFlow.js computes.
beforeAll(async () => {
  await useWasmBackend()
  const split = splitDigits(loadDigitClasses(), { seed: SEED, trainPerClass: 10, testPerClass: 5 })
  test = split.test
  const model = createModel({ conv1Filters: 4, conv2Filters: 8, hiddenUnits: 16 }, SEED)
  trainModel(model, split.train, {
    epochs: 1,
    batchSize: 25,
    learningRate: 0.03,
    momentum: 0.9,
    maxShift: 2,
    dropoutRate: 0.25,
    seed: SEED,
  })
  tfjsProbabilities = predictProbabilities(model, test.pixels, test.count)
  onnxModel = buildOnnxModel(exportWeights(model))
  disposeModel(model)

  outDir = mkdtempSync(join(tmpdir(), 'onnx-edge-digits-'))
  copyFileSync('models/manifest.json', join(outDir, 'manifest.json'))
  saved = saveDigitsModel(outDir, onnxModel, record)
  session = await createOnnxSession(readFileSync(saved.modelPath))
})

afterAll(async () => {
  await session?.release()
  if (outDir) rmSync(outDir, { recursive: true, force: true })
})

/** Lists a shape's dimensions as their symbolic names or sizes. */
function tensorDims(dims: Array<{ dimParam?: string | null; dimValue?: unknown }> | null | undefined) {
  return (dims ?? []).map((dim) => dim.dimParam || Number(dim.dimValue))
}

describe('digits ONNX export', () => {
  it('holds out 5 digits per class', () => {
    expect(test.count).toBe(50)
    for (let label = 0; label < CLASS_COUNT; label++) {
      expect(test.labels.filter((value) => value === label).length).toBe(5)
    }
  })

  for (const batchSize of [1, 5]) {
    it(`matches TensorFlow.js at batch size ${batchSize}`, async () => {
      const onnxProbabilities = await runOnnxModel(session, test.pixels, test.count, batchSize)
      expect(maxAbsDifference(onnxProbabilities, tfjsProbabilities)).toBeLessThanOrEqual(PARITY_TOLERANCE)
    })
  }

  it('returns probabilities that sum to 1', async () => {
    const probabilities = await runOnnxModel(session, test.pixels, test.count, 5)
    for (let row = 0; row < test.count; row++) {
      const values = probabilities.subarray(row * CLASS_COUNT, (row + 1) * CLASS_COUNT)
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
      expect(values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5)
    }
  })

  it('declares the input and output of the contract', () => {
    const model = decodeOnnxModel(onnxModel)
    expect(model.opsetImport.map((opset) => [opset.domain, Number(opset.version)])).toEqual([['', OPSET_VERSION]])

    const inputs = model.graph?.input ?? []
    const outputs = model.graph?.output ?? []
    expect(inputs.map((input) => input.name)).toEqual([INPUT_NAME])
    expect(outputs.map((output) => output.name)).toEqual([OUTPUT_NAME])

    const input = inputs[0]?.type?.tensorType
    expect(input?.elemType).toBe(1) // TensorProto.DataType.FLOAT
    expect(tensorDims(input?.shape?.dim)).toEqual(['batch', PIXELS_PER_DIGIT])

    const output = outputs[0]?.type?.tensorType
    expect(output?.elemType).toBe(1)
    expect(tensorDims(output?.shape?.dim)).toEqual(['batch', CLASS_COUNT])

    expect(session.inputNames).toEqual([INPUT_NAME])
    expect(session.outputNames).toEqual([OUTPUT_NAME])
  })

  it('writes a valid manifest entry', () => {
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(saved.manifestPath, 'utf8')))
    const entries = manifest.models.filter((model) => model.name === DIGITS_MODEL_NAME)
    expect(entries).toHaveLength(1)

    const entry = modelEntrySchema.parse(entries[0])
    const bytes = readFileSync(saved.modelPath)
    expect(entry.sha256).toBe(sha256Hex(bytes))
    expect(entry.sizeBytes).toBe(bytes.byteLength)
    expect(entry.inputs).toEqual([{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, PIXELS_PER_DIGIT] }])
    expect(entry.outputs).toEqual([{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, CLASS_COUNT] }])
  })

  it('keeps the other manifest entries', () => {
    const original = JSON.parse(readFileSync('models/manifest.json', 'utf8')) as { models: Array<{ name: string }> }
    const others = original.models.filter((model) => model.name !== DIGITS_MODEL_NAME)

    saveDigitsModel(outDir, onnxModel, record)
    const text = readFileSync(saved.manifestPath, 'utf8')
    const written = JSON.parse(text) as { models: Array<{ name: string }> }
    expect(written.models.filter((model) => model.name !== DIGITS_MODEL_NAME)).toEqual(others)
    expect(written.models.filter((model) => model.name === DIGITS_MODEL_NAME)).toHaveLength(1)
    expect(text).toBe(`${JSON.stringify(written, null, 2)}\n`)
  })
})
