import type { ModelStatus } from '../../schemas/status.ts'
import { describeError, logEvent } from './log.ts'
import type { ModelRegistry } from './registry.ts'
import type { ObjectStore } from './store.ts'

/**
 * Cron expression (in wrangler.toml) of the model maintenance run; the Worker's
 * other cron dispatches batch jobs. It lives here because workerd rejects any
 * export of the Worker entry module that is not a handler.
 */
export const MAINTENANCE_CRON = '*/30 * * * *'

/** Key of the maintenance status in the model bucket. */
export const STATUS_KEY = 'status/models.json'

/**
 * Runs model maintenance for the cron trigger. It reads the manifest again and
 * verifies every model's stored object against its size and SHA-256, also when a
 * session is cached. Good models are loaded into the session cache, and the
 * outcome is written to `status/models.json`. Registries read that status and
 * stop serving sessions of a broken model until a fresh load verifies a good
 * copy. Failures are logged and recorded, not thrown.
 */
export async function runModelMaintenance(registry: ModelRegistry, store: ObjectStore): Promise<ModelStatus> {
  const started = performance.now()
  registry.expireManifest()
  const manifest = await registry.manifest()

  const models = await Promise.all(
    manifest.models.map(async ({ name, version, sha256 }) => {
      try {
        await registry.verify(name)
        await registry.acquire(name)
        return { name, version, sha256, ok: true }
      } catch (error) {
        return { name, version, sha256, ok: false, reason: error instanceof Error ? error.message : String(error) }
      }
    }),
  )
  const status: ModelStatus = { checkedAt: new Date().toISOString(), models }
  registry.recordStatus(status)

  try {
    await store.put(STATUS_KEY, JSON.stringify(status, null, 2), 'application/json')
  } catch (error) {
    logEvent('error', 'status_write_failed', { key: STATUS_KEY, error: describeError(error) })
  }

  const failed = models.filter((model) => !model.ok).map((model) => model.name)
  logEvent(failed.length > 0 ? 'error' : 'info', 'models_checked', {
    models: models.length,
    failed: failed.join(',') || null,
    durationMs: Math.round(performance.now() - started),
  })
  return status
}
