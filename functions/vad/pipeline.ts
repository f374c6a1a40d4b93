import type { ModelRef, VadParameters, VadResponse } from '../../schemas/vad.ts'
import type { EdgeFunction } from '../runtime/call.ts'
import { InvalidInputError } from '../runtime/errors.ts'
import { tensor, type TensorMap } from '../runtime/tensor.ts'
import { decodeWav, resampleTo, type MonoAudio } from './audio.ts'
import { speechSegments } from './segments.ts'

/**
 * The two sample rates Silero VAD v5 was trained on, with the frame it takes at
 * each (new samples per frame, and samples of the previous frame in front of
 * them) and the manifest name of the model for that rate. Those models are
 * derived from the published one by scripts/derive-silero.ts: they take a batch
 * of consecutive windows and run it as one sequence, which gives the same
 * probabilities as one call per frame at a fraction of the cost.
 */
interface SileroRate {
  rateHz: number
  frameSamples: number
  contextSamples: number
  model: string
}
const SILERO_16K: SileroRate = { rateHz: 16_000, frameSamples: 512, contextSamples: 64, model: 'silero-vad-clip-16k' }
const SILERO_8K: SileroRate = { rateHz: 8_000, frameSamples: 256, contextSamples: 32, model: 'silero-vad-clip-8k' }
const STATE_SIZE = 2 * 1 * 128
/**
 * Windows per model call: 512 frames are 16 s at 16 kHz. Longer audio runs in
 * several calls that carry the state, so the memory of one call stays bounded
 * (by estimate, under 10 MB of intermediate tensors at 16 kHz).
 */
const WINDOWS_PER_CALL = 512

/** Runs 8 kHz audio at its own rate, since upsampling adds nothing; resamples the rest to 16 kHz. */
function sileroRateFor(sampleRateHz: number): SileroRate {
  return sampleRateHz === SILERO_8K.rateHz ? SILERO_8K : SILERO_16K
}

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
 * 16 kHz (8 kHz audio stays at 8 kHz), run the model frame by frame carrying its recurrent state, then turn
 * frame probabilities into speech segments in seconds.
 */
export const vadFunction: EdgeFunction<VadInput, VadResponse> = {
  name: 'vad',
  model: SILERO_16K.model,

  async run(input, { model: loadModel, timer }) {
    const audio = await timer.measure('decode', () => (input.kind === 'wav' ? decodeWav(input.bytes) : input.audio))
    const durationS = audio.samples.length / audio.sampleRateHz
    if (durationS > input.maxAudioSeconds) {
      throw new InvalidInputError(`the audio lasts ${durationS.toFixed(1)} s, longer than the limit`, {
        field: input.kind === 'wav' ? 'body' : 'samples',
        accepted: `at most ${input.maxAudioSeconds} s of audio`,
      })
    }

    const rate = sileroRateFor(audio.sampleRateHz)
    const samples = await timer.measure('resample', () => resampleTo(audio, rate.rateHz))

    const model = await loadModel(rate.model)
    const probabilities = await frameProbabilities(samples, rate, (feeds) => model.run(feeds, timer))

    const segments = await timer.measure('postprocess', () =>
      speechSegments(probabilities, rate.frameSamples, samples.length, rate.rateHz, input.params),
    )

    return {
      durationS: roundSeconds(durationS),
      sampleRateHz: audio.sampleRateHz,
      segments: segments.map((segment) => ({
        start: roundSeconds(segment.start / rate.rateHz),
        end: roundSeconds(segment.end / rate.rateHz),
      })),
      model: modelRef(model.entry),
    }
  },
}

type RunModel = (feeds: TensorMap) => Promise<TensorMap>

/**
 * Runs Silero over consecutive frames, each preceded by the end of the frame
 * before (zeros for the first) and zero-padded at the end, and returns one speech
 * probability per frame. Up to {@link WINDOWS_PER_CALL} windows go into each
 * call, and each call starts from the state the previous one returned.
 */
async function frameProbabilities(samples: Float32Array, rate: SileroRate, runModel: RunModel): Promise<Float32Array> {
  const { frameSamples, contextSamples } = rate
  const windowSamples = contextSamples + frameSamples
  const frames = Math.ceil(samples.length / frameSamples)
  const probabilities = new Float32Array(frames)
  let state: Float32Array = new Float32Array(STATE_SIZE)

  for (let first = 0; first < frames; first += WINDOWS_PER_CALL) {
    const count = Math.min(WINDOWS_PER_CALL, frames - first)
    const windows = new Float32Array(count * windowSamples)
    for (let i = 0; i < count; i++) {
      const start = (first + i) * frameSamples
      const contextStart = Math.max(0, start - contextSamples)
      const offset = i * windowSamples + contextSamples - (start - contextStart)
      windows.set(samples.subarray(contextStart, Math.min(samples.length, start + frameSamples)), offset)
    }

    const outputs = await runModel({
      input: tensor('FP32', [count, windowSamples], windows),
      state: tensor('FP32', [2, 1, 128], state),
    })
    probabilities.set(outputs.output!.data as Float32Array, first)
    state = outputs.stateN!.data as Float32Array
  }
  return probabilities
}
