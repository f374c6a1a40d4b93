import { z } from 'zod'

/** Outcome of verifying one model of the manifest against its stored object. */
export const modelCheckSchema = z.object({
  name: z.string(),
  version: z.string(),
  sha256: z.string(),
  ok: z.boolean(),
  reason: z.string().optional().describe('why the model is out of service, when ok is false'),
})
export type ModelCheck = z.infer<typeof modelCheckSchema>

/** `status/models.json`: the last maintenance run's result, also returned by `GET /v1/status`. */
export const modelStatusSchema = z.object({
  checkedAt: z.iso.datetime().describe('when the maintenance run finished'),
  models: z.array(modelCheckSchema),
})
export type ModelStatus = z.infer<typeof modelStatusSchema>

/** Response of `GET /v1/status`: `checkedAt` is null until the first maintenance run. */
export const statusResponseSchema = modelStatusSchema.extend({ checkedAt: z.iso.datetime().nullable() })
