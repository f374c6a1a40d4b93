import { app } from './app.ts'
import { edgeRuntime } from './edge/runtime.ts'
import { describeError, logEvent } from './runtime/log.ts'
import { runModelMaintenance } from './runtime/maintenance.ts'

/** Worker entry: HTTPS requests go to the Hono app; cron triggers run model maintenance. */
export default {
  fetch: app.fetch,

  async scheduled(controller, env, ctx) {
    logEvent('info', 'cron_started', { cron: controller.cron })
    const { registry, store } = edgeRuntime(env)
    ctx.waitUntil(
      runModelMaintenance(registry, store).catch((error: unknown) => {
        logEvent('error', 'cron_failed', { cron: controller.cron, error: describeError(error) })
      }),
    )
  },
} satisfies ExportedHandler<Env>
