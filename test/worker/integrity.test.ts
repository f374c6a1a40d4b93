import { env } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resetEdgeRuntime } from '../../functions/edge/runtime.ts'
import { authorized, dataFile, freshWorker, manifest, modelFile, type ProblemBody, workerFetch } from './helpers.ts'

const silero = manifest().models.find((model) => model.name === 'silero-vad-clip-16k')!

function postSilence(): Promise<Response> {
  return workerFetch('/v1/vad', {
    method: 'POST',
    headers: authorized({ 'Content-Type': 'audio/wav' }),
    body: dataFile('silence-16k.wav'),
  })
}

function captureErrors(): string[] {
  const lines: string[] = []
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
    lines.push(String(line))
  })
  return lines
}

beforeEach(freshWorker)
afterEach(async () => {
  vi.restoreAllMocks()
  await freshWorker()
})

describe('model integrity', () => {
  it('rejects an object with one flipped byte', async () => {
    const corrupted = modelFile(silero.file!).slice()
    corrupted[corrupted.length >> 1]! ^= 0xff
    await env.MODELS.put(silero.key, corrupted)
    const errors = captureErrors()

    const response = await postSilence()

    expect(response.status).toBe(503)
    const problem = (await response.json()) as ProblemBody
    expect(problem.detail).toContain('integrity')
    const logged = errors.map((line) => JSON.parse(line) as Record<string, unknown>)
    const failure = logged.find((entry) => entry.event === 'model_integrity_failed')
    expect(failure).toMatchObject({ model: 'silero-vad-clip-16k', expectedSha256: silero.sha256 })
    expect(failure?.actualSha256).not.toBe(silero.sha256)
  })

  it('rejects a truncated object', async () => {
    await env.MODELS.put(silero.key, modelFile(silero.file!).slice(0, 1000))
    captureErrors()
    expect((await postSilence()).status).toBe(503)
  })

  it('rejects a missing object', async () => {
    await env.MODELS.delete(silero.key)
    captureErrors()
    const response = await postSilence()
    expect(response.status).toBe(503)
    expect(((await response.json()) as ProblemBody).detail).toContain('missing')
  })

  it('serves again once a good copy is back', async () => {
    const corrupted = modelFile(silero.file!).slice()
    corrupted[100]! ^= 0x01
    await env.MODELS.put(silero.key, corrupted)
    captureErrors()
    expect((await postSilence()).status).toBe(503)

    await env.MODELS.put(silero.key, modelFile(silero.file!))

    expect((await postSilence()).status).toBe(200)
  })

  it('keeps a verified session when the object changes later', async () => {
    expect((await postSilence()).status).toBe(200)
    await env.MODELS.put(silero.key, new Uint8Array(10))
    // The cached session was verified when it was created; only a reset re-reads R2.
    expect((await postSilence()).status).toBe(200)
    await resetEdgeRuntime()
    captureErrors()
    expect((await postSilence()).status).toBe(503)
  })
})
