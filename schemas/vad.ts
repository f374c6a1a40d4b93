import { z } from 'zod'

/** Tuning of the speech segmenter; every field has the default shown. */
export const vadParametersSchema = z.object({
  /** Frame probability at or above which speech starts. */
  threshold: z.coerce.number().min(0).max(1).default(0.5),
  /** Speech shorter than this is dropped. */
  minSpeechMs: z.coerce.number().int().min(0).max(60_000).default(250),
  /**
   * Silence shorter than this does not end a segment. Silero's own default is
   * 100 ms; 250 ms keeps the pauses between words (and the digital silence that
   * 8-bit quantisation leaves in them) inside one segment.
   */
  minSilenceMs: z.coerce.number().int().min(0).max(60_000).default(250),
  /** Padding added to each side of a segment, without overlapping its neighbours. */
  speechPadMs: z.coerce.number().int().min(0).max(10_000).default(30),
})
export type VadParameters = z.infer<typeof vadParametersSchema>

/** JSON body of `POST /v1/vad`: mono samples in [-1, 1] and their rate. */
export const vadJsonBodySchema = vadParametersSchema.extend({
  samples: z.array(z.number().min(-1).max(1)).min(1),
  sampleRateHz: z.number().int().min(8000).max(384_000),
})
export type VadJsonBody = z.infer<typeof vadJsonBodySchema>

/** Identity of the model that produced a result. */
export const modelRefSchema = z.object({
  name: z.string(),
  version: z.string(),
  sha256: z.string(),
})
export type ModelRef = z.infer<typeof modelRefSchema>

/** A speech interval in seconds from the first sample. */
export const speechSegmentSchema = z.object({
  start: z.number(),
  end: z.number(),
})
export type SpeechSegment = z.infer<typeof speechSegmentSchema>

/** Response of `POST /v1/vad`. */
export const vadResponseSchema = z.object({
  durationS: z.number(),
  sampleRateHz: z.number(),
  segments: z.array(speechSegmentSchema),
  model: modelRefSchema,
})
export type VadResponse = z.infer<typeof vadResponseSchema>
