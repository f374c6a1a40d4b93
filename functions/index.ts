import { app } from './app.ts'
import { edgeRuntime } from './edge/runtime.ts'
import { describeError, logEvent } from './runtime/log.ts'
import { warmModels } from './runtime/warm.ts'

/** Worker entry: HTTPS requests go to the Hono app; cron triggers warm the models. */
export default {
  fetch: app.fetch,

  async scheduled(controller, env, ctx) {
    logEvent('info', 'cron_started', { cron: controller.cron })
    ctx.waitUntil(
      warmModels(edgeRuntime(env).registry).catch((error: unknown) => {
        logEvent('error', 'cron_failed', { cron: controller.cron, error: describeError(error) })
      }),
    )
  },
} satisfies ExportedHandler<Env>
