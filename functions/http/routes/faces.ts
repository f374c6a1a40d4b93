import { Hono } from 'hono'
import { faceParametersSchema } from '../../../schemas/faces.ts'
import { facesFunction } from '../../faces/pipeline.ts'
import { IMAGE_MEDIA_TYPES, type ImageMediaType } from '../../image/decode.ts'
import { formatServerTiming } from '../../runtime/timing.ts'
import { readQuery, requireMediaType } from '../body.ts'
import type { AppEnv } from '../context.ts'

/** `POST /v1/faces`: faces with boxes and keypoints in a PNG or JPEG body. */
export const facesRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const { config, callPath } = c.get('runtime')
  const mediaType = requireMediaType(c, IMAGE_MEDIA_TYPES) as ImageMediaType
  const params = readQuery(c, faceParametersSchema.strict())
  const bytes = new Uint8Array(await c.req.arrayBuffer())

  const input = { bytes, mediaType, params, maxImagePixels: config.MAX_IMAGE_PIXELS }
  const { output, timer } = await callPath.call(facesFunction, input, c.get('requestId'))

  c.header('Server-Timing', formatServerTiming(timer.entries()))
  return c.json(output)
})
