import { Hono } from 'hono'
import { digitsJsonBodySchema, digitsQuerySchema } from '../../../schemas/digits.ts'
import { digitsFunction, type DigitsInput } from '../../digits/pipeline.ts'
import { IMAGE_MEDIA_TYPES, type ImageMediaType } from '../../image/decode.ts'
import { formatServerTiming } from '../../runtime/timing.ts'
import { readJsonBody, readQuery, requireMediaType } from '../body.ts'
import type { AppEnv } from '../context.ts'

const JSON_MEDIA_TYPE = 'application/json'

/** `POST /v1/digits`: the digit in a PNG or JPEG body, or in 784 JSON pixels. */
export const digitsRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const { config, callPath } = c.get('runtime')
  const mediaType = requireMediaType(c, [...IMAGE_MEDIA_TYPES, JSON_MEDIA_TYPE])
  readQuery(c, digitsQuerySchema)

  let input: DigitsInput
  if (mediaType === JSON_MEDIA_TYPE) {
    const { pixels } = await readJsonBody(c, digitsJsonBodySchema.strict())
    input = { kind: 'pixels', pixels: Float32Array.from(pixels) }
  } else {
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    input = { kind: 'image', bytes, mediaType: mediaType as ImageMediaType, maxImagePixels: config.MAX_IMAGE_PIXELS }
  }

  const { output, timer } = await callPath.call(digitsFunction, input, c.get('requestId'))

  c.header('Server-Timing', formatServerTiming(timer.entries()))
  return c.json(output)
})
