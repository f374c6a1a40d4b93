import { z } from 'zod'
import { modelRefSchema } from './vad.ts'

/** Side of the square digit image the classifier reads, in pixels. */
export const DIGIT_SIZE = 28

/** Query string of `POST /v1/digits`: it takes no parameters. */
export const digitsQuerySchema = z.strictObject({})

/** JSON body of `POST /v1/digits`: a 28×28 digit, row-major, 0 background to 1 ink. */
export const digitsJsonBodySchema = z.object({
  pixels: z.array(z.number().min(0).max(1)).length(DIGIT_SIZE * DIGIT_SIZE, {
    error: (issue) =>
      `expected ${DIGIT_SIZE * DIGIT_SIZE} values (28×28, row-major), got ${(issue.input as unknown[]).length}`,
  }),
})
export type DigitsJsonBody = z.infer<typeof digitsJsonBodySchema>

/** Response of `POST /v1/digits`. */
export const digitsResponseSchema = z.object({
  digit: z.number().int().min(0).max(9),
  probabilities: z.array(z.number()).length(10),
  model: modelRefSchema,
})
export type DigitsResponse = z.infer<typeof digitsResponseSchema>
