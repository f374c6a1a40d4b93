import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../functions/index.ts'
import type { IsolateStatus, ModelStatus } from '../../schemas/status.ts'
import { authorized, dataFile, freshWorker, manifest, modelFile, type ProblemBody, workerFetch } from './helpers.ts'

const STATUS_KEY = 'status/models.json'
const silero = manifest().models.find((model) => model.name === 'silero-vad-clip-16k')!

function captureLogs(): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = []
  for (const method of ['log', 'warn', 'error'] as const) {
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

async function storedStatus(): Promise<ModelStatus> {
  return (await (await env.MODELS.get(STATUS_KEY))!.json()) as ModelStatus
}

function postVad(): Promise<Response> {
  return workerFetch('/v1/vad', {
    method: 'POST',
    headers: authorized({ 'Content-Type': 'audio/wav' }),
    body: dataFile('silence-16k.wav'),
  })
}

function postFaces(): Promise<Response> {
  return workerFetch('/v1/faces', {
    method: 'POST',
    headers: authorized({ 'Content-Type': 'image/png' }),
    body: dataFile('face-one.png'),
  })
}

beforeEach(async () => {
  await freshWorker()
  await env.MODELS.delete(STATUS_KEY)
})
afterEach(async () => {
  vi.restoreAllMocks()
  await freshWorker()
  await env.MODELS.delete(STATUS_KEY)
})

describe('maintenance cron', () => {
  it('verifies and loads every model', async () => {
    const events = captureLogs()
    await runCron()

    const status = await storedStatus()
    expect(status.models.map((model) => model.name).sort()).toEqual(
      manifest()
        .models.map((model) => model.name)
        .sort(),
    )
    expect(status.models.every((model) => model.ok)).toBe(true)
    expect(events.find((event) => event.event === 'models_checked')).toMatchObject({ failed: null })

    const response = await postVad()
    expect(response.status).toBe(200)
    // The session was cached by the cron: no model was read from R2 for the request.
    expect(response.headers.get('Server-Timing')).not.toContain('r2-read')
  })

  it('reports its result on /v1/status', async () => {
    const before = await workerFetch('/v1/status', { headers: authorized() })
    expect(await before.json()).toMatchObject({
      checkedAt: null,
      models: [],
      isolate: { backend: 'onnxruntime-web', loadedModels: [] },
    })

    await runCron()

    const after = await workerFetch('/v1/status', { headers: authorized() })
    expect(after.status).toBe(200)
    const body = (await after.json()) as ModelStatus & { isolate: IsolateStatus }
    const { isolate, ...stored } = body
    expect(stored).toEqual(await storedStatus())
    // The cron loads every model of the manifest into this isolate.
    expect(isolate.loadedModels.sort()).toEqual(
      manifest()
        .models.map((model) => `${model.name}@${model.version}`)
        .sort(),
    )
    expect(isolate.runtimeMemoryBytes).toBeGreaterThan(1 << 20)
  })

  it('takes a corrupted model out of service', async () => {
    captureLogs()
    expect((await postVad()).status).toBe(200)
    const corrupted = modelFile(silero.file!).slice()
    corrupted[5000]! ^= 0xff
    await env.MODELS.put(silero.key, corrupted)

    await runCron()

    const check = (await storedStatus()).models.find((model) => model.name === 'silero-vad-clip-16k')!
    expect(check.ok).toBe(false)
    expect(check.reason).toContain('integrity')
    // The session cached before the run is dropped: requests fail with the reason.
    const response = await postVad()
    expect(response.status).toBe(503)
    expect(((await response.json()) as ProblemBody).detail).toContain('integrity')
    // The other models keep serving.
    expect((await postFaces()).status).toBe(200)
    const ready = await workerFetch('/v2/health/ready')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({
      ready: true,
      models: expect.arrayContaining([{ name: 'silero-vad-clip-16k', ok: false, reason: check.reason }]),
    })
  })

  it('serves again once a good copy is in place', async () => {
    captureLogs()
    await env.MODELS.put(silero.key, new Uint8Array(100))
    await runCron()
    expect((await postVad()).status).toBe(503)

    await env.MODELS.put(silero.key, modelFile(silero.file!))

    expect((await postVad()).status).toBe(200)
    await runCron()
    expect((await storedStatus()).models.every((model) => model.ok)).toBe(true)
  })

  it('reports not ready when every model is broken', async () => {
    captureLogs()
    for (const model of manifest().models) await env.MODELS.put(model.key, new Uint8Array(100))
    await runCron()

    const ready = await workerFetch('/v2/health/ready')
    expect(ready.status).toBe(503)
    expect(ready.headers.get('Content-Type')).toBe('application/problem+json')
  })
})
