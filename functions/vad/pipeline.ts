import type { ModelRef, VadParameters, VadResponse } from '../../schemas/vad.ts'
import type { EdgeFunction } from '../runtime/call.ts'
import { InvalidInputError } from '../runtime/errors.ts'
import { tensor, type TensorMap } from '../runtime/tensor.ts'
import { decodeWav, resampleTo, type MonoAudio } from './audio.ts'
import { speechSegments } from './segments.ts'

/** Manifest name of the model this function runs. */
export const VAD_MODEL = 'silero-vad'

/** Silero VAD v5 runs on 16 kHz audio in frames of 512 new samples. */
const MODEL_RATE_HZ = 16_000
const FRAME_SAMPLES = 512
/** Samples of the previous frame that Silero v5 expects in front of each frame. */
const CONTEXT_SAMPLES = 64
const STATE_SIZE = 2 * 1 * 128

/** Input of the VAD function: a WAV file or raw samples, with segmenter parameters. */
export type VadInput =
  | { kind: 'wav'; bytes: Uint8Array; params: VadParameters; maxAudioSeconds: number }
  | { kind: 'samples'; audio: MonoAudio; params: VadParameters; maxAudioSeconds: number }

function modelRef(entry: { name: string; version: string; sha256: string }): ModelRef {
  return { name: entry.name, version: entry.version, sha256: entry.sha256 }
}

function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000
}

/**
 * Voice activity detection with Silero VAD v5: decode, downmix and resample to
 * 16 kHz, run the model frame by frame carrying its recurrent state, then turn
 * frame probabilities into speech segments in seconds.
 */
export const vadFunction: EdgeFunction<VadInput, VadResponse> = {
  name: 'vad',
  model: VAD_MODEL,

  async run(input, { model: loadModel, timer }) {
    const audio = await timer.measure('decode', () => (input.kind === 'wav' ? decodeWav(input.bytes) : input.audio))
    const durationS = audio.samples.length / audio.sampleRateHz
    if (durationS > input.maxAudioSeconds) {
      throw new InvalidInputError(`the audio lasts ${durationS.toFixed(1)} s, longer than the limit`, {
        field: input.kind === 'wav' ? 'body' : 'samples',
        accepted: `at most ${input.maxAudioSeconds} s of audio`,
      })
    }

    const samples = await timer.measure('resample', () => resampleTo(audio, MODEL_RATE_HZ))

    const model = await loadModel()
    const probabilities = await frameProbabilities(samples, (feeds) => model.run(feeds, timer))

    const segments = await timer.measure('postprocess', () =>
      speechSegments(probabilities, FRAME_SAMPLES, samples.length, MODEL_RATE_HZ, input.params),
    )

    return {
      durationS: roundSeconds(durationS),
      sampleRateHz: audio.sampleRateHz,
      segments: segments.map((segment) => ({
        start: roundSeconds(segment.start / MODEL_RATE_HZ),
        end: roundSeconds(segment.end / MODEL_RATE_HZ),
      })),
      model: modelRef(model.entry),
    }
  },
}

type RunModel = (feeds: TensorMap) => Promise<TensorMap>

/**
 * Runs Silero over consecutive 512-sample frames, each preceded by the last 64
 * samples of the frame before (zeros for the first) and zero-padded at the end,
 * and returns one speech probability per frame.
 */
async function frameProbabilities(samples: Float32Array, runModel: RunModel): Promise<Float32Array> {
  const frames = Math.ceil(samples.length / FRAME_SAMPLES)
  const probabilities = new Float32Array(frames)
  const sampleRate = tensor('INT64', [], BigInt64Array.of(BigInt(MODEL_RATE_HZ)))
  let state: Float32Array = new Float32Array(STATE_SIZE)

  for (let frame = 0; frame < frames; frame++) {
    const window = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES)
    const start = frame * FRAME_SAMPLES
    const contextStart = Math.max(0, start - CONTEXT_SAMPLES)
    window.set(samples.subarray(contextStart, start), CONTEXT_SAMPLES - (start - contextStart))
    window.set(samples.subarray(start, start + FRAME_SAMPLES), CONTEXT_SAMPLES)

    const outputs = await runModel({
      input: tensor('FP32', [1, CONTEXT_SAMPLES + FRAME_SAMPLES], window),
      state: tensor('FP32', [2, 1, 128], state),
      sr: sampleRate,
    })
    probabilities[frame] = (outputs.output!.data as Float32Array)[0]!
    state = outputs.stateN!.data as Float32Array
  }
  return probabilities
}
