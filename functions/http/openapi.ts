import { z } from 'zod'
import { digitsJsonBodySchema, digitsQuerySchema, digitsResponseSchema } from '../../schemas/digits.ts'
import { faceParametersSchema, facesResponseSchema } from '../../schemas/faces.ts'
import { jobLineSchema, jobResultSchema, jobStatusSchema } from '../../schemas/jobs.ts'
import { problemSchema } from '../../schemas/problem.ts'
import { createJobQuerySchema, JSONL_MEDIA_TYPES } from './routes/jobs.ts'
import { modelCheckSchema, statusResponseSchema } from '../../schemas/status.ts'
import { inferRequestSchema, inferResponseSchema, modelMetadataSchema, serverMetadataSchema } from '../../schemas/v2.ts'
import { vadJsonBodySchema, vadParametersSchema, vadResponseSchema } from '../../schemas/vad.ts'
import { IMAGE_MEDIA_TYPES } from '../image/decode.ts'

/** Name and version that the API reports, in `GET /v2` and in the OpenAPI document. */
export const API_NAME = 'onnx-edge'
export const API_VERSION = '0.1.0'

/** One request body media type, with the zod schema that validates it (none for binary bodies). */
interface BodyType {
  mediaType: string
  schema?: z.ZodType
}

/** One operation of the API, described from the zod schemas that the routes validate with. */
interface Operation {
  method: 'get' | 'post'
  path: string
  summary: string
  description?: string
  /** Whether the route needs `Authorization: Bearer <API_TOKEN>`. */
  auth: boolean
  query?: z.ZodObject
  body?: BodyType[]
  response?: z.ZodType
  /** Media type of the success response, `application/json` unless given. */
  responseMediaType?: string
  /** Status of the success response, 200 unless given. */
  successStatus?: number
  /** Problem statuses the route can return besides 405 (and 401 when `auth` is set). */
  errors: number[]
}

const WAV_TYPES = ['audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave']
const MODEL_PATHS = ['/v2/models/{name}', '/v2/models/{name}/versions/{version}']
const INFER_ERRORS = [400, 404, 413, 415, 503]

/**
 * Every route of the app. A test checks this list against the routes that the
 * Hono app registers, so a new route cannot go undocumented.
 */
const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/v1/vad',
    summary: 'Find speech segments in audio (Silero VAD v5)',
    description:
      'Takes a WAV file (PCM 8/16/24/32-bit or float 32/64-bit, any channels, 8–384 kHz) with parameters in the query, ' +
      'or JSON samples with parameters in the body.',
    auth: true,
    query: vadParametersSchema,
    body: [
      ...WAV_TYPES.map((mediaType) => ({ mediaType })),
      { mediaType: 'application/json', schema: vadJsonBodySchema },
    ],
    response: vadResponseSchema,
    errors: INFER_ERRORS,
  },
  {
    method: 'post',
    path: '/v1/faces',
    summary: 'Detect faces with boxes and six keypoints (BlazeFace short range)',
    description: 'Coordinates are pixels of the image as displayed, after its EXIF orientation.',
    auth: true,
    query: faceParametersSchema,
    body: IMAGE_MEDIA_TYPES.map((mediaType) => ({ mediaType })),
    response: facesResponseSchema,
    errors: INFER_ERRORS,
  },
  {
    method: 'post',
    path: '/v1/digits',
    summary: 'Recognise one handwritten digit',
    description:
      'An image is preprocessed as MNIST was made (grayscale, polarity, crop to the ink, 20×20 inside 28×28, centre ' +
      'of mass); JSON pixels are used as they are.',
    auth: true,
    query: digitsQuerySchema,
    body: [
      ...IMAGE_MEDIA_TYPES.map((mediaType) => ({ mediaType })),
      { mediaType: 'application/json', schema: digitsJsonBodySchema },
    ],
    response: digitsResponseSchema,
    errors: INFER_ERRORS,
  },
  {
    method: 'post',
    path: '/v1/jobs',
    summary: 'Create a batch job from JSONL lines',
    description:
      'Each line names a function and its input (inline, or the key of an object in the bucket). Every line is ' +
      'validated; any invalid line rejects the upload, listing the invalid lines by number. Edge jobs are fanned out ' +
      'to the queue in chunks; "gpu" jobs wait in R2 for the Node batch runner.',
    auth: true,
    query: createJobQuerySchema,
    body: JSONL_MEDIA_TYPES.map((mediaType) => ({ mediaType, schema: jobLineSchema })),
    response: jobStatusSchema,
    successStatus: 202,
    errors: [400, 413, 415],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}',
    summary: 'Status and progress of a batch job',
    auth: true,
    response: jobStatusSchema,
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/results',
    summary: 'Results of a finished job as JSONL, one entry per input line, in input order',
    auth: true,
    response: jobResultSchema,
    responseMediaType: 'application/jsonl',
    errors: [404, 409],
  },
  { method: 'get', path: '/v2', summary: 'Server metadata', auth: false, response: serverMetadataSchema, errors: [] },
  {
    method: 'get',
    path: '/v2/health/live',
    summary: 'Liveness',
    auth: false,
    response: z.object({ live: z.boolean() }),
    errors: [],
  },
  {
    method: 'get',
    path: '/v2/health/ready',
    summary: 'Readiness: the manifest can be read and a model is in service',
    description: '503 when the manifest cannot be read or the last maintenance run found every model broken.',
    auth: false,
    response: z.object({
      ready: z.boolean(),
      checkedAt: z.string().nullable(),
      models: z.array(modelCheckSchema.pick({ name: true, ok: true, reason: true })),
    }),
    errors: [503],
  },
  {
    method: 'get',
    path: '/v1/status',
    summary: 'Result of the last model maintenance run',
    description: 'Written by the cron trigger to status/models.json; checkedAt is null before the first run.',
    auth: true,
    response: statusResponseSchema,
    errors: [503],
  },
  ...MODEL_PATHS.flatMap((path): Operation[] => [
    {
      method: 'get',
      path,
      summary: 'Model metadata from the manifest',
      auth: true,
      response: modelMetadataSchema,
      errors: [404, 503],
    },
    {
      method: 'get',
      path: `${path}/ready`,
      summary: 'Load and verify a model',
      auth: true,
      response: z.object({ name: z.string(), ready: z.boolean() }),
      errors: [404, 503],
    },
    {
      method: 'post',
      path: `${path}/infer`,
      summary: 'Run a model on JSON tensors (Open Inference Protocol v2)',
      description: 'A missing Content-Type is read as JSON, as Triton clients send it.',
      auth: true,
      body: [{ mediaType: 'application/json', schema: inferRequestSchema }],
      response: inferResponseSchema,
      errors: INFER_ERRORS,
    },
  ]),
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI document',
    auth: false,
    response: z.record(z.string(), z.unknown()),
    errors: [],
  },
  { method: 'get', path: '/docs', summary: 'Readable API documentation (HTML)', auth: false, errors: [] },
]

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request: body, parameter or tensor',
  401: 'Missing or invalid bearer token',
  404: 'Unknown route, model or model version',
  405: 'Method not allowed on this route',
  409: 'The job is not finished yet',
  413: 'Body or image larger than the configured limit',
  415: 'Unsupported content type or encoding',
  503: 'Model or configuration unavailable',
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >
  return rest
}

function problemResponse(status: number) {
  return {
    description: STATUS_TEXT[status]!,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  }
}

function describeOperation(operation: Operation) {
  const parameters: Array<Record<string, unknown>> = []
  for (const name of operation.path.match(/\{(\w+)\}/g) ?? []) {
    parameters.push({ name: name.slice(1, -1), in: 'path', required: true, schema: { type: 'string' } })
  }
  for (const [name, field] of Object.entries(operation.query?.shape ?? {})) {
    const schema = jsonSchema(field as z.ZodType)
    parameters.push({ name, in: 'query', required: false, description: schema.description, schema })
  }

  const statuses = [...new Set([...(operation.auth ? [401] : []), 405, ...operation.errors])].sort()
  const mediaType = operation.responseMediaType ?? 'application/json'
  const responses: Record<string, unknown> = {
    [operation.successStatus ?? 200]: operation.response
      ? { description: 'Success', content: { [mediaType]: { schema: jsonSchema(operation.response) } } }
      : { description: 'Success', content: { 'text/html': {} } },
  }
  for (const status of statuses) responses[status] = problemResponse(status)

  return {
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.auth ? { security: [{ bearerAuth: [] }] } : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              operation.body.map(({ mediaType, schema }) => [
                mediaType,
                { schema: schema ? jsonSchema(schema) : { type: 'string', contentMediaType: mediaType } },
              ]),
            ),
          },
        }
      : {}),
    responses,
  }
}

/** Method and path (OpenAPI form, `{name}`) of every documented operation. */
export function documentedRoutes(): Array<{ method: string; path: string }> {
  return OPERATIONS.map(({ method, path }) => ({ method: method.toUpperCase(), path }))
}

let cachedDocument: Record<string, unknown> | undefined

/** Returns the OpenAPI 3.1 document of the API, built once from the zod schemas. */
export function openApiDocument(): Record<string, unknown> {
  cachedDocument ??= buildDocument()
  return cachedDocument
}

function buildDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const operation of OPERATIONS) {
    paths[operation.path] ??= {}
    paths[operation.path]![operation.method] = describeOperation(operation)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: API_NAME,
      version: API_VERSION,
      description: 'ONNX models served from R2 by a Cloudflare Worker with onnxruntime-web.',
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'the API_TOKEN secret' } },
      schemas: { Problem: jsonSchema(problemSchema) },
    },
    security: [{ bearerAuth: [] }],
    paths,
  }
}
