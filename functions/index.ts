import { app } from './app.ts'
import { dispatchPendingJobs, processChunk, type ChunkMessage } from './edge/jobs.ts'
import { initializeOrtRuntime } from './edge/ort-wasm.ts'
import { edgeRuntime } from './edge/runtime.ts'
import { describeError, logEvent } from './runtime/log.ts'
import { MAINTENANCE_CRON, runModelMaintenance } from './runtime/maintenance.ts'

// Instantiating ONNX Runtime's WebAssembly module costs about 170 ms in workerd, so it runs while the
// isolate starts instead of inside its first request. A failure here is retried by the first model load.
// NOTE: this runs in workerd; whether Cloudflare's startup time limit leaves room for it is untested.
await initializeOrtRuntime().catch((error: unknown) => {
  logEvent('warn', 'runtime_init_deferred', { error: describeError(error) })
})

/**
 * Worker entry: HTTPS requests go to the Hono app, cron triggers run model
 * maintenance or job dispatch, and queue batches run job chunks.
 */
export default {
  fetch: app.fetch,

  async scheduled(controller, env, ctx) {
    logEvent('info', 'cron_started', { cron: controller.cron })
    const work =
      controller.cron === MAINTENANCE_CRON
        ? runModelMaintenance(edgeRuntime(env).registry, edgeRuntime(env).store)
        : dispatchPendingJobs(env.MODELS, env.JOBS_QUEUE as Queue<ChunkMessage>)
    ctx.waitUntil(
      work.catch((error: unknown) => {
        logEvent('error', 'cron_failed', { cron: controller.cron, error: describeError(error) })
      }),
    )
  },

  async queue(batch, env) {
    const runtime = edgeRuntime(env)
    for (const message of batch.messages) {
      try {
        await processChunk(runtime, env.MODELS, message as Message<ChunkMessage>)
      } catch (error) {
        // Reading the job failed: retry the message; the queue's max_retries bounds it.
        logEvent('error', 'chunk_error', { messageId: message.id, error: describeError(error) })
        message.retry({ delaySeconds: 10 })
      }
    }
  },
} satisfies ExportedHandler<Env, ChunkMessage>
