import { describeError, logEvent } from './log.ts'
import type { ModelRegistry } from './registry.ts'

/** Outcome of loading one model of the manifest. */
export interface WarmResult {
  model: string
  ok: boolean
  error?: string
}

/**
 * Loads every model of the manifest into the session cache, verifying each one
 * that is not cached yet, so that the first request after a cron run does not
 * pay for the load. Failures are logged and returned, not thrown.
 */
export async function warmModels(registry: ModelRegistry): Promise<WarmResult[]> {
  const started = performance.now()
  const manifest = await registry.manifest()
  const results = await Promise.all(
    manifest.models.map(async ({ name }): Promise<WarmResult> => {
      try {
        await registry.acquire(name)
        return { model: name, ok: true }
      } catch (error) {
        return { model: name, ok: false, error: describeError(error) }
      }
    }),
  )
  const failed = results.filter((result) => !result.ok)
  logEvent(failed.length > 0 ? 'error' : 'info', 'models_warmed', {
    models: results.length,
    failed: failed.map((result) => result.model).join(',') || null,
    durationMs: Math.round(performance.now() - started),
  })
  return results
}
