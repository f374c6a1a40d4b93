/**
 * Derives the whole-clip Silero VAD models from the published one and checks
 * them against it. For each rate (16 kHz and 8 kHz) it fixes `sr`, lets
 * onnxruntime-node inline that branch (basic graph optimisations only, which do
 * not depend on the execution provider), and rewrites the result with
 * clip-graph.ts. The parity check runs the published model frame by frame and
 * the derived model over the same real speech in two calls, carrying the state
 * between them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { decodeWav } from '../../functions/vad/audio.ts'
import { modelEntrySchema, type ModelEntry } from '../../schemas/manifest.ts'
import { sha256Hex } from '../lib/models.ts'
import {
  SILERO_WINDOWS,
  buildClipGraph,
  decodeModel,
  encodeModel,
  fixSampleRate,
  type SileroWindow,
} from './clip-graph.ts'

/** Manifest name of the published model the derived ones come from. */
export const SOURCE_MODEL = 'silero-vad'
/** Largest allowed difference of a probability, or of a state value relative to its size (at least 1). */
export const PARITY_TOLERANCE = 1e-5
const SPEECH_FILE = 'test/data/speech-16k-mono.wav'
const STATE_SIZE = 2 * 1 * 128

/** Manifest name of the derived model for one rate; /v1/vad looks models up by it. */
export function clipModelName(rateHz: number): string {
  return `silero-vad-clip-${rateHz / 1000}k`
}

/** Real speech at the window's rate: 16 kHz as recorded, 8 kHz by averaging pairs of samples. */
function speechAt(window: SileroWindow): Float32Array {
  const { samples } = decodeWav(new Uint8Array(readFileSync(SPEECH_FILE)))
  if (window.rateHz === 16_000) return samples
  return Float32Array.from(
    { length: Math.floor(samples.length / 2) },
    (_, i) => (samples[2 * i]! + samples[2 * i + 1]!) / 2,
  )
}

/** Consecutive windows: each frame preceded by the end of the one before (zeros for the first). */
function windowsOf(samples: Float32Array, window: SileroWindow): Float32Array[] {
  const { contextSamples, frameSamples } = window
  const windows: Float32Array[] = []
  for (let start = 0; start + frameSamples <= samples.length; start += frameSamples) {
    const values = new Float32Array(contextSamples + frameSamples)
    const contextStart = Math.max(0, start - contextSamples)
    values.set(samples.subarray(contextStart, start + frameSamples), contextSamples - (start - contextStart))
    windows.push(values)
  }
  return windows
}

async function inlineRate(source: Uint8Array, rateHz: number, workDir: string): Promise<Uint8Array> {
  const fixedPath = join(workDir, `fixed-${rateHz}.onnx`)
  const inlinedPath = join(workDir, `inlined-${rateHz}.onnx`)
  writeFileSync(fixedPath, encodeModel(fixSampleRate(decodeModel(source), rateHz)))
  const session = await ort.InferenceSession.create(fixedPath, {
    graphOptimizationLevel: 'basic',
    optimizedModelFilePath: inlinedPath,
  })
  await session.release()
  return new Uint8Array(readFileSync(inlinedPath))
}

/** Largest difference between the published model run frame by frame and the derived one run in two calls. */
async function parityError(
  source: Uint8Array,
  derived: Uint8Array,
  window: SileroWindow,
): Promise<{ probability: number; state: number; frames: number }> {
  const windows = windowsOf(speechAt(window), window)
  const width = window.contextSamples + window.frameSamples

  const original = await ort.InferenceSession.create(source, { intraOpNumThreads: 1 })
  const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(window.rateHz)), [])
  const expected: number[] = []
  let state: Float32Array = new Float32Array(STATE_SIZE)
  for (const values of windows) {
    const result = await original.run({
      input: new ort.Tensor('float32', values, [1, width]),
      state: new ort.Tensor('float32', state, [2, 1, 128]),
      sr,
    })
    expected.push((result.output!.data as Float32Array)[0]!)
    state = result.stateN!.data as Float32Array
  }
  await original.release()

  const clip = await ort.InferenceSession.create(derived, { intraOpNumThreads: 1 })
  const actual: number[] = []
  let clipState: Float32Array = new Float32Array(STATE_SIZE)
  const half = Math.floor(windows.length / 2)
  for (const part of [windows.slice(0, half), windows.slice(half)]) {
    const input = new Float32Array(part.length * width)
    part.forEach((values, i) => input.set(values, i * width))
    const result = await clip.run({
      input: new ort.Tensor('float32', input, [part.length, width]),
      state: new ort.Tensor('float32', clipState, [2, 1, 128]),
    })
    actual.push(...(result.output!.data as Float32Array))
    clipState = result.stateN!.data as Float32Array
  }
  await clip.release()

  if (actual.length !== expected.length)
    throw new Error(`${actual.length} probabilities for ${expected.length} windows`)
  let probability = 0
  expected.forEach((value, i) => (probability = Math.max(probability, Math.abs(value - actual[i]!))))
  let stateError = 0
  state.forEach(
    (value, i) => (stateError = Math.max(stateError, Math.abs(value - clipState[i]!) / Math.max(1, Math.abs(value)))),
  )
  return { probability, state: stateError, frames: windows.length }
}

function clipEntry(source: ModelEntry, derived: Uint8Array, window: SileroWindow, file: string): ModelEntry {
  const name = clipModelName(window.rateHz)
  const width = window.contextSamples + window.frameSamples
  return modelEntrySchema.parse({
    name,
    version: source.version,
    key: `models/${name}/${source.version}/${file}`,
    file,
    sha256: sha256Hex(derived),
    sizeBytes: derived.byteLength,
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [-1, width] },
      { name: 'state', datatype: 'FP32', shape: [2, 1, 128] },
    ],
    outputs: [
      { name: 'output', datatype: 'FP32', shape: [-1, 1] },
      { name: 'stateN', datatype: 'FP32', shape: [2, 1, 128] },
    ],
    license: source.license,
    source: `derived by scripts/derive-silero.ts from ${source.file} (SHA-256 ${source.sha256}); ${source.source}`,
    description:
      `Voice activity detection at ${window.rateHz / 1000} kHz over a batch of consecutive windows ` +
      `(${window.contextSamples} samples of context plus ${window.frameSamples} new samples each) ` +
      'run as one sequence; the state carries over to the next batch',
  })
}

/** A derived model with its manifest entry and how far it is from the published model. */
export interface DerivedModel {
  window: SileroWindow
  file: string
  bytes: Uint8Array
  entry: ModelEntry
  parity: { probability: number; state: number; frames: number }
}

/** Derives and checks the whole-clip model of each rate from the published model's bytes and entry. */
export async function deriveClipModels(source: Uint8Array, sourceEntry: ModelEntry): Promise<DerivedModel[]> {
  const workDir = mkdtempSync(join(tmpdir(), 'onnx-edge-silero-'))
  try {
    const derived: DerivedModel[] = []
    for (const window of SILERO_WINDOWS) {
      const inlined = decodeModel(await inlineRate(source, window.rateHz, workDir))
      const bytes = encodeModel(buildClipGraph(inlined, window))
      const file = `silero_vad_v5_clip_${window.rateHz / 1000}k.onnx`
      const entry = clipEntry(sourceEntry, bytes, window, file)
      derived.push({ window, file, bytes, entry, parity: await parityError(source, bytes, window) })
    }
    return derived
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}
