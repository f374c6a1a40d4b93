import { z } from 'zod'
import { digitsJsonBodySchema } from './digits.ts'
import { faceParametersSchema } from './faces.ts'
import { vadJsonBodySchema, vadParametersSchema } from './vad.ts'

/** Key of an audio or image object in the job's bucket (R2 on the edge, a folder or S3 for the Node runner). */
const objectKeySchema = z.string().min(1).max(1024).describe('object key of the input file')

const imageMediaTypeSchema = z.enum(['image/png', 'image/jpeg'])

/**
 * Builds the schema of an image input: an object key (the media type comes from
 * the file name unless given) or inline base64 with its media type, plus the
 * function's parameters.
 */
function imageInputSchema<P extends z.ZodRawShape>(parameters: P) {
  return z.union([
    z.strictObject({ ...parameters, key: objectKeySchema, mediaType: imageMediaTypeSchema.optional() }),
    z.strictObject({ ...parameters, imageBase64: z.base64().min(1), mediaType: imageMediaTypeSchema }),
  ])
}

/** One line of a batch job: the function and its input, in the shapes the HTTP routes validate. */
export const jobLineSchema = z.discriminatedUnion(
  'function',
  [
    z.strictObject({
      function: z.literal('vad'),
      id: z.string().max(256).optional(),
      input: z.union([vadParametersSchema.extend({ key: objectKeySchema }).strict(), vadJsonBodySchema.strict()]),
    }),
    z.strictObject({
      function: z.literal('faces'),
      id: z.string().max(256).optional(),
      input: imageInputSchema(faceParametersSchema.partial().shape),
    }),
    z.strictObject({
      function: z.literal('digits'),
      id: z.string().max(256).optional(),
      input: z.union([digitsJsonBodySchema.strict(), imageInputSchema({})]),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'unknown function; accepted: "vad", "faces", "digits"' : undefined,
  },
)
export type JobLine = z.infer<typeof jobLineSchema>

/** Error of one line, with the fields of the problem response the HTTP route would send. */
export const jobLineErrorSchema = z.object({
  status: z.number().int(),
  title: z.string(),
  detail: z.string(),
  field: z.string().optional(),
})

/** One line of a job's results: the output of its input line, or why it failed. */
export const jobResultSchema = z.discriminatedUnion('ok', [
  z.object({ line: z.number().int().positive(), id: z.string().optional(), ok: z.literal(true), output: z.unknown() }),
  z.object({
    line: z.number().int().positive(),
    id: z.string().optional(),
    ok: z.literal(false),
    error: jobLineErrorSchema,
  }),
])
export type JobResult = z.infer<typeof jobResultSchema>

/** State of a job: `pending` until dispatched, `dispatched` while chunks run, `done` when every chunk has results. */
export const jobStateSchema = z.enum(['pending', 'dispatched', 'done'])

/** `jobs/{id}/job.json`: a job's metadata, written when it is created. */
export const jobMetaSchema = z.object({
  id: z.string(),
  createdAt: z.iso.datetime(),
  runner: z.enum(['edge', 'gpu']).describe('"gpu" leaves the job in R2 for the Node runner'),
  state: jobStateSchema,
  lineCount: z.number().int().nonnegative(),
  chunkSize: z.number().int().positive(),
  chunkCount: z.number().int().nonnegative(),
})
export type JobMeta = z.infer<typeof jobMetaSchema>

/** Response of `POST /v1/jobs` and `GET /v1/jobs/{id}`: the metadata with progress counts. */
export const jobStatusSchema = jobMetaSchema.extend({
  chunksDone: z.number().int().nonnegative(),
  linesDone: z.number().int().nonnegative(),
})
export type JobStatus = z.infer<typeof jobStatusSchema>
