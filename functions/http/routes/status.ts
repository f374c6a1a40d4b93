import { Hono } from 'hono'
import { modelStatusSchema, type IsolateStatus, type ModelStatus } from '../../../schemas/status.ts'
import { ModelUnavailableError } from '../../runtime/errors.ts'
import { STATUS_KEY } from '../../runtime/maintenance.ts'
import type { EdgeRuntime } from '../../edge/runtime.ts'
import type { AppEnv } from '../context.ts'

/**
 * Reads the last maintenance status from the bucket; null before the first run.
 *
 * @throws {ModelUnavailableError} when the stored status cannot be read or parsed.
 */
export async function readModelStatus(runtime: EdgeRuntime): Promise<ModelStatus | null> {
  const object = await runtime.store.get(STATUS_KEY)
  if (!object) return null
  const parsed = modelStatusSchema.safeParse(JSON.parse(new TextDecoder().decode(object.bytes)))
  if (!parsed.success) throw new ModelUnavailableError(`the maintenance status "${STATUS_KEY}" is invalid`)
  return parsed.data
}

/**
 * `GET /v1/status`: the last model maintenance run (`checkedAt: null` before the
 * first), and what this isolate has loaded.
 */
export const statusRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const runtime = c.get('runtime')
  const status = await readModelStatus(runtime)
  const { registry } = runtime
  const isolate: IsolateStatus = {
    backend: registry.backend.name,
    loadedModels: registry.loadedModels(),
    runtimeMemoryBytes: registry.backend.memoryBytes() ?? null,
  }
  return c.json({ ...(status ?? { checkedAt: null, models: [] }), isolate })
})
