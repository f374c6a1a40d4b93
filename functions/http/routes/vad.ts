import { Hono } from 'hono'
import { vadJsonBodySchema, vadParametersSchema } from '../../../schemas/vad.ts'
import { vadFunction, type VadInput } from '../../vad/pipeline.ts'
import { formatServerTiming } from '../../runtime/timing.ts'
import { readJsonBody, readQuery, requireMediaType } from '../body.ts'
import type { AppEnv } from '../context.ts'

const WAV_MEDIA_TYPES = ['audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave']
const JSON_MEDIA_TYPE = 'application/json'

/** `POST /v1/vad`: speech segments of a WAV body or of JSON samples. */
export const vadRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const { config, callPath } = c.get('runtime')
  const type = requireMediaType(c, [...WAV_MEDIA_TYPES, JSON_MEDIA_TYPE])

  let input: VadInput
  if (type === JSON_MEDIA_TYPE) {
    const { samples, sampleRateHz, ...params } = await readJsonBody(c, vadJsonBodySchema.strict())
    input = {
      kind: 'samples',
      audio: { samples: Float32Array.from(samples), sampleRateHz },
      params,
      maxAudioSeconds: config.MAX_AUDIO_SECONDS,
    }
  } else {
    const params = readQuery(c, vadParametersSchema.strict())
    input = {
      kind: 'wav',
      bytes: new Uint8Array(await c.req.arrayBuffer()),
      params,
      maxAudioSeconds: config.MAX_AUDIO_SECONDS,
    }
  }

  const { output, timer } = await callPath.call(vadFunction, input, c.get('requestId'))

  c.header('Server-Timing', formatServerTiming(timer.entries()))
  return c.json(output)
})
