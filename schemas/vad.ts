import { z } from 'zod'

/** Tuning of the speech segmenter; every field has the default shown. */
export const vadParametersSchema = z.object({
  threshold: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('frame probability at or above which speech starts; it ends below threshold - 0.15'),
  minSpeechMs: z.coerce.number().int().min(0).max(60_000).default(250).describe('speech shorter than this is dropped'),
  // Silero's own default is 100 ms; 250 ms keeps the pauses between words (and the
  // digital silence that 8-bit quantisation leaves in them) inside one segment.
  minSilenceMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(250)
    .describe('silence shorter than this does not end a segment'),
  speechPadMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(30)
    .describe('padding added to each side of a segment, without overlapping its neighbours'),
})
export type VadParameters = z.infer<typeof vadParametersSchema>

/** JSON body of `POST /v1/vad`: mono samples in [-1, 1] and their rate. */
export const vadJsonBodySchema = vadParametersSchema.extend({
  samples: z.array(z.number().min(-1).max(1)).min(1).describe('mono samples in [-1, 1]'),
  sampleRateHz: z.number().int().min(8000).max(384_000).describe('sample rate of the samples, in Hz'),
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
  start: z.number().describe('seconds from the first sample'),
  end: z.number().describe('seconds from the first sample'),
})
export type SpeechSegment = z.infer<typeof speechSegmentSchema>

/** Response of `POST /v1/vad`. */
export const vadResponseSchema = z.object({
  durationS: z.number().describe('length of the audio in seconds'),
  sampleRateHz: z.number().describe('sample rate of the input'),
  segments: z.array(speechSegmentSchema),
  model: modelRefSchema,
})
export type VadResponse = z.infer<typeof vadResponseSchema>
