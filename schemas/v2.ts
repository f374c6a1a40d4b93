import { z } from 'zod'
import { datatypeSchema, tensorSpecSchema } from './manifest.ts'

/** Tensor elements as the protocol sends them: flat, or nested row-major arrays. */
export type TensorElements = Array<number | boolean | TensorElements>

const tensorElementsSchema: z.ZodType<TensorElements> = z.lazy(() =>
  z.array(z.union([z.number(), z.boolean(), tensorElementsSchema])),
)

const parametersSchema = z.record(z.string(), z.unknown())

/** One input tensor of an Open Inference Protocol v2 request. */
export const inferInputSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  datatype: datatypeSchema,
  parameters: parametersSchema.optional(),
  data: tensorElementsSchema,
})
export type InferInput = z.infer<typeof inferInputSchema>

/** Body of `POST /v2/models/{name}/infer`. */
export const inferRequestSchema = z.object({
  id: z.string().optional(),
  parameters: parametersSchema.optional(),
  inputs: z.array(inferInputSchema).min(1),
  outputs: z.array(z.object({ name: z.string().min(1), parameters: parametersSchema.optional() })).optional(),
})
export type InferRequest = z.infer<typeof inferRequestSchema>

/** One output tensor of a v2 response, with flat row-major data. */
export const inferOutputSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  datatype: datatypeSchema,
  data: z.array(z.union([z.number(), z.boolean()])),
})

/** Response of `POST /v2/models/{name}/infer`. */
export const inferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional(),
  outputs: z.array(inferOutputSchema),
})
export type InferResponse = z.infer<typeof inferResponseSchema>

/** Response of `GET /v2/models/{name}`. */
export const modelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.literal('onnxruntime_onnx'),
  inputs: z.array(tensorSpecSchema),
  outputs: z.array(tensorSpecSchema),
})
export type ModelMetadata = z.infer<typeof modelMetadataSchema>

/** Response of `GET /v2`. */
export const serverMetadataSchema = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()),
})
