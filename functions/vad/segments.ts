import type { VadParameters } from '../../schemas/vad.ts'

/** A speech interval in samples: `start` inclusive, `end` exclusive. */
export interface SampleSegment {
  start: number
  end: number
}

/**
 * Turns per-frame speech probabilities into speech segments, with the hysteresis
 * of Silero VAD's reference `get_speech_timestamps`: speech starts at a frame at or
 * above `threshold`, and ends once the probability has stayed below
 * `threshold - 0.15` for `minSilenceMs`. Segments shorter than `minSpeechMs` are
 * dropped; each segment is then padded by `speechPadMs`, splitting the gap when
 * two padded neighbours would overlap.
 */
export function speechSegments(
  probabilities: ArrayLike<number>,
  frameSamples: number,
  totalSamples: number,
  sampleRateHz: number,
  params: VadParameters,
): SampleSegment[] {
  const samplesPerMs = sampleRateHz / 1000
  const minSpeechSamples = params.minSpeechMs * samplesPerMs
  const minSilenceSamples = params.minSilenceMs * samplesPerMs
  const padSamples = Math.round(params.speechPadMs * samplesPerMs)
  const negativeThreshold = Math.max(params.threshold - 0.15, 0.01)

  const segments: SampleSegment[] = []
  let speechStart: number | undefined
  let silenceStart: number | undefined

  for (let frame = 0; frame < probabilities.length; frame++) {
    const probability = probabilities[frame]!
    const position = frame * frameSamples

    if (probability >= params.threshold) {
      silenceStart = undefined
      speechStart ??= position
      continue
    }
    if (speechStart === undefined || probability >= negativeThreshold) continue

    silenceStart ??= position
    if (position - silenceStart < minSilenceSamples) continue
    if (silenceStart - speechStart >= minSpeechSamples) segments.push({ start: speechStart, end: silenceStart })
    speechStart = undefined
    silenceStart = undefined
  }
  if (speechStart !== undefined && totalSamples - speechStart >= minSpeechSamples) {
    segments.push({ start: speechStart, end: totalSamples })
  }

  return padSegments(segments, padSamples, totalSamples)
}

function padSegments(segments: SampleSegment[], padSamples: number, totalSamples: number): SampleSegment[] {
  const padded = segments.map((segment) => ({ ...segment }))
  for (let i = 0; i < padded.length; i++) {
    const segment = padded[i]!
    if (i === 0) segment.start = Math.max(0, segment.start - padSamples)
    const next = padded[i + 1]
    if (!next) {
      segment.end = Math.min(totalSamples, segment.end + padSamples)
      continue
    }
    const gap = next.start - segment.end
    if (gap < 2 * padSamples) {
      segment.end += Math.floor(gap / 2)
      next.start -= Math.floor(gap / 2)
    } else {
      segment.end += padSamples
      next.start -= padSamples
    }
  }
  return padded
}
