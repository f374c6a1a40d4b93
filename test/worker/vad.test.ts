import { beforeAll, describe, expect, it } from 'vitest'
import type { VadResponse } from '../../schemas/vad.ts'
import { authorized, dataFile, freshWorker, manifest, speechIntervals, workerFetch } from './helpers.ts'
import { encodeWav, readCanonicalPcm16, type WavOptions } from './wav.ts'

/** Allowed distance in seconds between each detected segment edge and the ground truth. */
const EDGE_TOLERANCE_S = 0.25

beforeAll(freshWorker)

function postWav(body: Uint8Array, query = ''): Promise<Response> {
  return workerFetch(`/v1/vad${query}`, {
    method: 'POST',
    headers: authorized({ 'Content-Type': 'audio/wav' }),
    body,
  })
}

function expectSegmentsMatch(segments: VadResponse['segments'], truth: Array<[number, number]>): void {
  expect(segments).toHaveLength(truth.length)
  segments.forEach((segment, i) => {
    expect(Math.abs(segment.start - truth[i]![0])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
    expect(Math.abs(segment.end - truth[i]![1])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
  })
}

describe('POST /v1/vad with real recordings', () => {
  const files = ['speech-16k-mono.wav', 'speech-44k-stereo.wav', 'silence-16k.wav', 'noise-16k.wav']

  for (const file of files) {
    it(`finds the speech in ${file}`, async () => {
      const response = await postWav(dataFile(file))
      expect(response.status).toBe(200)
      const result = (await response.json()) as VadResponse
      expectSegmentsMatch(result.segments, speechIntervals(file))
    })
  }

  it('reports duration, rate and model', async () => {
    const response = await postWav(dataFile('speech-44k-stereo.wav'))
    const result = (await response.json()) as VadResponse
    const silero = manifest().models.find((model) => model.name === 'silero-vad-clip-16k')!

    expect(result.durationS).toBeCloseTo(348592 / 44100, 3)
    expect(result.sampleRateHz).toBe(44100)
    expect(result.model).toEqual({ name: silero.name, version: silero.version, sha256: silero.sha256 })
  })

  it('sends Server-Timing with the model run', async () => {
    const response = await postWav(dataFile('silence-16k.wav'))
    const timing = response.headers.get('Server-Timing') ?? ''
    expect(timing).toMatch(/\bmodel;dur=\d/)
    expect(timing).toMatch(/\bdecode;dur=\d/)
    // "total" covers the whole request, so no span inside it can be longer.
    const span = (name: string) => Number(timing.match(new RegExp(`\\b${name};dur=([\\d.]+)`))?.[1])
    expect(span('total')).toBeGreaterThanOrEqual(span('model'))
  })
})

describe('POST /v1/vad with other WAV layouts', () => {
  const mono = readCanonicalPcm16(dataFile('speech-16k-mono.wav'))
  const truth = speechIntervals('speech-16k-mono.wav')

  const layouts: Array<[string, WavOptions]> = [
    ['8-bit PCM', { sampleRateHz: 16000, channels: 1, encoding: 'pcm8' }],
    ['24-bit PCM stereo', { sampleRateHz: 16000, channels: 2, encoding: 'pcm24' }],
    ['32-bit PCM', { sampleRateHz: 16000, channels: 1, encoding: 'pcm32' }],
    ['32-bit float stereo', { sampleRateHz: 16000, channels: 2, encoding: 'float32' }],
    ['64-bit float', { sampleRateHz: 16000, channels: 1, encoding: 'float64' }],
    [
      'extensible float with extra chunks',
      { sampleRateHz: 16000, channels: 2, encoding: 'float32', extensible: true, extraChunks: true },
    ],
    ['extensible 16-bit PCM', { sampleRateHz: 16000, channels: 1, encoding: 'pcm16', extensible: true }],
  ]

  for (const [label, options] of layouts) {
    it(`reads ${label}`, async () => {
      // The second channel is the first at half gain, so the downmix keeps the timing.
      const channels = Array.from({ length: options.channels }, (_, channel) =>
        channel === 0 ? mono : mono.map((sample) => sample * 0.5),
      )
      const response = await postWav(encodeWav(channels, options))
      expect(response.status).toBe(200)
      expectSegmentsMatch(((await response.json()) as VadResponse).segments, truth)
    })
  }

  it('reads 8 kHz audio', async () => {
    // Averaging each pair of samples low-passes the audio before halving its rate.
    const halfRate = Float32Array.from(
      { length: Math.floor(mono.length / 2) },
      (_, i) => (mono[2 * i]! + mono[2 * i + 1]!) / 2,
    )
    const response = await postWav(encodeWav([halfRate], { sampleRateHz: 8000, channels: 1, encoding: 'pcm16' }))
    expect(response.status).toBe(200)
    const result = (await response.json()) as VadResponse
    expect(result.sampleRateHz).toBe(8000)
    expectSegmentsMatch(result.segments, truth)
  })
})

describe('POST /v1/vad with JSON samples', () => {
  it('matches the ground truth', async () => {
    const samples = Array.from(readCanonicalPcm16(dataFile('speech-16k-mono.wav')))
    const response = await workerFetch('/v1/vad', {
      method: 'POST',
      headers: authorized({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ samples, sampleRateHz: 16000 }),
    })
    expect(response.status).toBe(200)
    expectSegmentsMatch(((await response.json()) as VadResponse).segments, speechIntervals('speech-16k-mono.wav'))
  })
})

describe('POST /v1/vad parameters', () => {
  it('drops speech shorter than minSpeechMs', async () => {
    const response = await postWav(dataFile('speech-16k-mono.wav'), '?minSpeechMs=4000')
    const result = (await response.json()) as VadResponse
    // Only the second utterance (4.85 s) is longer than 4 s.
    expectSegmentsMatch(result.segments, [speechIntervals('speech-16k-mono.wav')[1]!])
  })

  it('keeps speech open across a long minSilenceMs', async () => {
    // No silence in the clip lasts 2 s (1.5 s between utterances, 1 s at the end),
    // so one segment runs from the first utterance to the end of the audio.
    const response = await postWav(dataFile('speech-16k-mono.wav'), '?minSilenceMs=2000')
    const result = (await response.json()) as VadResponse
    const [first] = speechIntervals('speech-16k-mono.wav')
    expectSegmentsMatch(result.segments, [[first![0], result.durationS]])
  })

  it('widens segments by speechPadMs', async () => {
    const plain = (await (await postWav(dataFile('speech-16k-mono.wav'), '?speechPadMs=0')).json()) as VadResponse
    const padded = (await (await postWav(dataFile('speech-16k-mono.wav'), '?speechPadMs=200')).json()) as VadResponse
    expect(padded.segments[0]!.start).toBeCloseTo(plain.segments[0]!.start - 0.2, 2)
    expect(padded.segments[1]!.end).toBeCloseTo(plain.segments[1]!.end + 0.2, 2)
  })

  it('finds nothing at threshold 1', async () => {
    const response = await postWav(dataFile('speech-16k-mono.wav'), '?threshold=1')
    expect(((await response.json()) as VadResponse).segments).toEqual([])
  })
})
