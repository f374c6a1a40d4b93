import { beforeAll, describe, expect, it, vi } from 'vitest'
import { resetEdgeRuntime } from '../../functions/edge/runtime.ts'
import type { VadResponse } from '../../schemas/vad.ts'
import { authorized, dataFile, freshWorker, workerFetch } from './helpers.ts'

const REQUESTS = 24

beforeAll(freshWorker)

function postWav(file: string): Promise<Response> {
  return workerFetch('/v1/vad', {
    method: 'POST',
    headers: authorized({ 'Content-Type': 'audio/wav' }),
    body: dataFile(file),
  })
}

describe('concurrent requests to one model', () => {
  it('all succeed with the sequential result', async () => {
    const files = ['speech-16k-mono.wav', 'speech-44k-stereo.wav', 'noise-16k.wav']
    const expected = new Map<string, VadResponse>()
    for (const file of files) expected.set(file, (await (await postWav(file)).json()) as VadResponse)

    // Start from a cold runtime so the first requests also race to load the model.
    await resetEdgeRuntime()
    const loads: string[] = []
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      if (String(line).includes('"event":"model_loaded"')) loads.push(String(line))
    })
    const batch = Array.from({ length: REQUESTS }, (_, i) => files[i % files.length]!)
    const responses = await Promise.all(batch.map((file) => postWav(file)))
    vi.restoreAllMocks()

    // The racing requests share one load of the model.
    expect(loads).toHaveLength(1)

    for (const [i, response] of responses.entries()) {
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual(expected.get(batch[i]!))
    }
  })
})
