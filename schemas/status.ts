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

/** State of the isolate (or process) that served the request: its loaded models and runtime memory. */
export const isolateStatusSchema = z.object({
  backend: z.string().describe('inference runtime, such as onnxruntime-web'),
  loadedModels: z.array(z.string()).describe('models with a verified session in this isolate, as name@version'),
  runtimeMemoryBytes: z
    .number()
    .int()
    .nullable()
    .describe("size of the runtime's WebAssembly memory, which only grows; null where the runtime does not report it"),
})
export type IsolateStatus = z.infer<typeof isolateStatusSchema>

/**
 * Response of `GET /v1/status`: the last maintenance run (`checkedAt` is null
 * until the first) and the state of the isolate that served it.
 */
export const statusResponseSchema = modelStatusSchema.extend({
  checkedAt: z.iso.datetime().nullable(),
  isolate: isolateStatusSchema,
})
