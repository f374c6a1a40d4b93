import { Hono, type Context } from 'hono'
import { inferRequestSchema } from '../../../schemas/v2.ts'
import { ModelUnavailableError, UnknownModelError, UnsupportedMediaTypeError } from '../../runtime/errors.ts'
import { formatServerTiming } from '../../runtime/timing.ts'
import { inferFunction, modelMetadata } from '../../v2/infer.ts'
import { requireBearerToken } from '../auth.ts'
import { mediaType, readJsonBody, requireMediaType } from '../body.ts'
import type { AppEnv } from '../context.ts'
import { API_NAME, API_VERSION } from '../openapi.ts'
import { readModelStatus } from './status.ts'
import { methodNotAllowed } from '../methods.ts'

/**
 * Open Inference Protocol v2 (KServe / Triton REST) routes. Health and server
 * metadata are open; model metadata and inference need the bearer token.
 */
export const v2Routes = new Hono<AppEnv>()

v2Routes.get('/', (c) => c.json({ name: API_NAME, version: API_VERSION, extensions: [] }))
v2Routes.all('/', methodNotAllowed(['GET']))

v2Routes.get('/health/live', (c) => c.json({ live: true }))
v2Routes.all('/health/live', methodNotAllowed(['GET']))

v2Routes.get('/health/ready', async (c) => {
  // Ready means the manifest is readable and valid (a failure becomes a 503
  // problem) and the last maintenance run, if any, left at least one model in service.
  const runtime = c.get('runtime')
  await runtime.registry.manifest()
  const status = await readModelStatus(runtime)
  const models = status?.models.map(({ name, ok, reason }) => ({ name, ok, reason })) ?? []
  if (status !== null && !models.some((model) => model.ok)) {
    throw new ModelUnavailableError(
      `the maintenance run of ${status.checkedAt} found every model broken: ` +
        models.map((model) => `${model.name}: ${model.reason}`).join('; '),
    )
  }
  return c.json({ ready: true, checkedAt: status?.checkedAt ?? null, models })
})
v2Routes.all('/health/ready', methodNotAllowed(['GET']))

v2Routes.use('/models/*', requireBearerToken())

const modelPaths = ['/models/:name', '/models/:name/versions/:version'] as const

for (const path of modelPaths) {
  v2Routes.get(path, async (c) => {
    const entry = await c.get('runtime').registry.entry(c.req.param('name'))
    requireVersion(entry.version, c.req.param('version'))
    return c.json(modelMetadata(entry))
  })
  v2Routes.all(path, methodNotAllowed(['GET']))

  v2Routes.get(`${path}/ready`, async (c) => {
    const { registry } = c.get('runtime')
    const entry = await registry.entry(c.req.param('name'))
    requireVersion(entry.version, c.req.param('version'))
    await registry.acquire(entry.name)
    return c.json({ name: entry.name, ready: true })
  })
  v2Routes.all(`${path}/ready`, methodNotAllowed(['GET']))

  v2Routes.post(`${path}/infer`, async (c) => {
    const { registry, callPath } = c.get('runtime')
    const modelName = c.req.param('name')
    requireVersion((await registry.entry(modelName)).version, c.req.param('version'))
    requireJsonInferBody(c)
    const request = await readJsonBody(c, inferRequestSchema)

    const { output, timer } = await callPath.call(inferFunction, { modelName, request }, c.get('requestId'))

    c.header('Server-Timing', formatServerTiming(timer.entries()))
    return c.json(output)
  })
  v2Routes.all(`${path}/infer`, methodNotAllowed(['POST']))
}

/**
 * Accepts JSON tensor bodies, with or without a Content-Type header: Triton's HTTP
 * client sends none. The binary tensor data extension is not supported.
 */
function requireJsonInferBody(c: Context): void {
  if (c.req.header('Inference-Header-Content-Length') !== undefined) {
    throw new UnsupportedMediaTypeError('the binary tensor data extension is not supported', {
      field: 'headers.inference-header-content-length',
      accepted: 'JSON tensor data (binary_data=False in Triton clients)',
    })
  }
  if (mediaType(c) !== '') requireMediaType(c, ['application/json'])
}

/** Rejects a version path segment that names another version than the one served. */
function requireVersion(served: string, requested: string | undefined): void {
  if (requested !== undefined && requested !== served) {
    throw new UnknownModelError(`model version "${requested}" is not served`, {
      field: 'version',
      accepted: `"${served}"`,
    })
  }
}
