import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../functions/index.ts'
import { authorized, dataFile, freshWorker, manifest, workerFetch } from './helpers.ts'

const silero = manifest().models.find((model) => model.name === 'silero-vad')!

function captureLogs(): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = []
  for (const method of ['log', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      // Only the Worker's structured events matter here; skip any other output.
      if (String(line).startsWith('{')) events.push(JSON.parse(String(line)) as Record<string, unknown>)
    })
  }
  return events
}

async function runCron(): Promise<void> {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '*/30 * * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

beforeEach(freshWorker)
afterEach(async () => {
  vi.restoreAllMocks()
  await freshWorker()
})

describe('scheduled model warm-up', () => {
  it('loads every model before the first request', async () => {
    const events = captureLogs()
    await runCron()

    const modelCount = manifest().models.length
    expect(events.find((event) => event.event === 'models_warmed')).toMatchObject({ models: modelCount, failed: null })
    expect(events.filter((event) => event.event === 'model_loaded')).toHaveLength(modelCount)

    const response = await workerFetch('/v1/vad', {
      method: 'POST',
      headers: authorized({ 'Content-Type': 'audio/wav' }),
      body: dataFile('silence-16k.wav'),
    })
    expect(response.status).toBe(200)
    // The request found the session cached: no model was read from R2 for it.
    expect(response.headers.get('Server-Timing')).not.toContain('r2-read')
  })

  it('reports a model that fails its integrity check', async () => {
    await env.MODELS.put(silero.key, new Uint8Array(64))
    const events = captureLogs()
    await runCron()

    expect(events.find((event) => event.event === 'models_warmed')).toMatchObject({ failed: 'silero-vad' })
    expect(events.some((event) => event.event === 'model_integrity_failed')).toBe(true)
  })
})
