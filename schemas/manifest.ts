import { z } from 'zod'

/**
 * Tensor datatypes by their Open Inference Protocol (KServe v2 / Triton) names.
 * FP16 and BYTES exist in the protocol but no model here uses them, so they are
 * not accepted yet.
 */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP32',
  'FP64',
] as const

export const datatypeSchema = z.enum(DATATYPES)
export type Datatype = z.infer<typeof datatypeSchema>

/** A model input or output: its name, datatype and shape, with -1 for a dynamic dimension. */
export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  datatype: datatypeSchema,
  shape: z.array(z.number().int().min(-1)),
})
export type TensorSpec = z.infer<typeof tensorSpecSchema>

/** One model in `models/manifest.json`, pinned by size and SHA-256. */
export const modelEntrySchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
  version: z.string().min(1),
  key: z.string().min(1).describe('object key in the MODELS bucket'),
  file: z.string().min(1).optional().describe('path of the model under models/ in the repository'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  sizeBytes: z.number().int().positive(),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  license: z.string().min(1),
  source: z.string().min(1),
  description: z.string().optional(),
})
export type ModelEntry = z.infer<typeof modelEntrySchema>

/** The manifest: every model the Worker may serve, with unique names. */
export const manifestSchema = z
  .object({
    models: z.array(modelEntrySchema),
  })
  .superRefine((manifest, ctx) => {
    const seen = new Set<string>()
    manifest.models.forEach((model, index) => {
      if (seen.has(model.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', index, 'name'],
          message: `duplicate model name "${model.name}"`,
        })
      }
      seen.add(model.name)
    })
  })
export type Manifest = z.infer<typeof manifestSchema>
