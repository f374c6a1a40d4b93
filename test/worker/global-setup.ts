/**
 * Runs in Node before the workerd tests: reads the models, the manifest and the
 * audio fixtures, and computes onnxruntime-node reference outputs, then provides
 * them to the tests, which cannot read files or load native modules.
 */
import { localRegistry } from '../../scripts/node/local-models.ts'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { TestProject } from 'vitest/node'
import { decodeWav } from '../../functions/vad/audio.ts'
import { digitsFunction } from '../../functions/digits/pipeline.ts'
import { facesFunction } from '../../functions/faces/pipeline.ts'
import { CallPath } from '../../functions/runtime/call.ts'
import { ModelRegistry } from '../../functions/runtime/registry.ts'
import { faceParametersSchema, type FacesResponse } from '../../schemas/faces.ts'
import type { ReferenceCase } from '../provided.ts'

const MODELS_DIR = 'models'
const DATA_DIR = 'test/data'

/** Reads the files of `dir` that pass `filter` as base64, keyed by `prefix` + name. */
function base64Files(dir: string, filter: (name: string) => boolean, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {}
  for (const name of readdirSync(dir).filter(filter)) {
    files[prefix + name] = readFileSync(join(dir, name)).toString('base64')
  }
  return files
}

const DATA_EXTENSIONS = ['.wav', '.json', '.png', '.jpg']

/** Builds the functions' own call path in Node, with onnxruntime-node and the files under models/. */
function nodeCallPath(): { callPath: CallPath; registry: ModelRegistry } {
  const registry = localRegistry()
  return { callPath: new CallPath(registry, []), registry }
}

/** Runs the digit classifier in Node on the JSON digits of digits-sample.json. */
async function digitReferences(): Promise<number[][]> {
  const { callPath, registry } = nodeCallPath()
  const sample = JSON.parse(readFileSync(join(DATA_DIR, 'digits-sample.json'), 'utf8')) as {
    digits: Array<{ pixels: number[] }>
  }
  const references: number[][] = []
  for (const [index, digit] of sample.digits.entries()) {
    const input = { kind: 'pixels' as const, pixels: Float32Array.from(digit.pixels) }
    references.push((await callPath.call(digitsFunction, input, `reference-${index}`)).output.probabilities)
  }
  await registry.reset()
  return references
}

/** Runs the face function in Node with onnxruntime-node, as a reference for the Worker's boxes. */
async function faceReferences(): Promise<Record<string, FacesResponse>> {
  const { callPath, registry } = nodeCallPath()
  const references: Record<string, FacesResponse> = {}
  for (const name of ['face-one.png', 'face-one.jpg', 'no-face.png']) {
    const input = {
      bytes: new Uint8Array(readFileSync(join(DATA_DIR, name))),
      mediaType: name.endsWith('.png') ? ('image/png' as const) : ('image/jpeg' as const),
      params: faceParametersSchema.parse({ minScore: 0.1 }),
      maxImagePixels: 16_000_000,
    }
    references[name] = (await callPath.call(facesFunction, input, `reference-${name}`)).output
  }
  await registry.reset()
  return references
}

/**
 * Builds Silero inputs from real speech: a window of 576 samples at `frame`, and the
 * recurrent state after running the frames before it, so the state is not all zeros.
 */
async function sileroCases(): Promise<ReferenceCase[]> {
  const session = await ort.InferenceSession.create(join(MODELS_DIR, 'silero_vad_v5.onnx'), { intraOpNumThreads: 1 })
  const { samples } = decodeWav(new Uint8Array(readFileSync(join(DATA_DIR, 'speech-16k-mono.wav'))))
  const sr = new ort.Tensor('int64', BigInt64Array.of(16000n), [])
  const window = (frame: number) => Float32Array.from(samples.subarray(frame * 512 - 64, frame * 512 + 512))

  let state = new Float32Array(2 * 128)
  for (let frame = 40; frame < 48; frame++) {
    const result = await session.run({
      input: new ort.Tensor('float32', window(frame), [1, 576]),
      state: new ort.Tensor('float32', state, [2, 1, 128]),
      sr,
    })
    state = Float32Array.from(result.stateN!.data as Float32Array)
  }

  const cases: ReferenceCase[] = []
  const addCase = async (name: string, input: Float32Array, batch: number, inputState: Float32Array) => {
    const result = await session.run({
      input: new ort.Tensor('float32', input, [batch, 576]),
      state: new ort.Tensor('float32', inputState, [2, batch, 128]),
      sr,
    })
    cases.push({
      name,
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [batch, 576], data: Array.from(input) },
        { name: 'state', datatype: 'FP32', shape: [2, batch, 128], data: Array.from(inputState) },
        { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
      ],
      outputs: Object.fromEntries(
        Object.entries(result).map(([outputName, tensor]) => [
          outputName,
          { shape: [...tensor.dims], data: Array.from(tensor.data as Float32Array) },
        ]),
      ),
    })
  }

  await addCase('speech frame with carried state', window(48), 1, state)
  const batchInput = new Float32Array(2 * 576)
  batchInput.set(window(48), 0)
  batchInput.set(window(100), 576)
  await addCase('batch of two frames', batchInput, 2, new Float32Array(2 * 2 * 128))
  await session.release()
  return cases
}

/**
 * Runs the published Silero model frame by frame over 64 consecutive windows of
 * real speech at each rate, starting from a zero state. The whole-clip models
 * must give the same probabilities and final state from one call.
 */
async function sileroClipCases(): Promise<Record<string, ReferenceCase>> {
  const session = await ort.InferenceSession.create(join(MODELS_DIR, 'silero_vad_v5.onnx'), { intraOpNumThreads: 1 })
  const { samples } = decodeWav(new Uint8Array(readFileSync(join(DATA_DIR, 'speech-16k-mono.wav'))))
  const halfRate = Float32Array.from(
    { length: Math.floor(samples.length / 2) },
    (_, i) => (samples[2 * i]! + samples[2 * i + 1]!) / 2,
  )
  const rates = [
    { model: 'silero-vad-clip-16k', rateHz: 16_000, context: 64, frame: 512, audio: samples },
    { model: 'silero-vad-clip-8k', rateHz: 8_000, context: 32, frame: 256, audio: halfRate },
  ]
  const windowCount = 64
  const firstFrame = 30

  const cases: Record<string, ReferenceCase> = {}
  for (const { model, rateHz, context, frame, audio } of rates) {
    const width = context + frame
    const windows = new Float32Array(windowCount * width)
    const probabilities: number[] = []
    let state = new Float32Array(2 * 128)
    for (let i = 0; i < windowCount; i++) {
      const start = (firstFrame + i) * frame
      const window = audio.subarray(start - context, start + frame)
      windows.set(window, i * width)
      const result = await session.run({
        input: new ort.Tensor('float32', Float32Array.from(window), [1, width]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr: new ort.Tensor('int64', BigInt64Array.of(BigInt(rateHz)), []),
      })
      probabilities.push((result.output!.data as Float32Array)[0]!)
      state = Float32Array.from(result.stateN!.data as Float32Array)
    }
    cases[model] = {
      name: `${windowCount} windows of speech at ${rateHz} Hz`,
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [windowCount, width], data: Array.from(windows) },
        { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: Array.from({ length: 2 * 128 }, () => 0) },
      ],
      outputs: {
        output: { shape: [windowCount, 1], data: probabilities },
        stateN: { shape: [2, 1, 128], data: Array.from(state) },
      },
    }
  }
  await session.release()
  return cases
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide(
    'modelFiles',
    base64Files(MODELS_DIR, (name) => name.endsWith('.onnx') || name === 'manifest.json'),
  )
  const isData = (name: string) => DATA_EXTENSIONS.some((extension) => name.endsWith(extension))
  project.provide('dataFiles', {
    ...base64Files(DATA_DIR, isData),
    ...base64Files(join(DATA_DIR, 'images'), isData, 'images/'),
  })
  project.provide('sileroReference', await sileroCases())
  project.provide('sileroClipReference', await sileroClipCases())
  project.provide('faceReference', await faceReferences())
  project.provide('digitReference', await digitReferences())
}
