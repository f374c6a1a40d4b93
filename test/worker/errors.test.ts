import { env } from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import worker from '../../functions/index.ts'
import { resetEdgeRuntime } from '../../functions/edge/runtime.ts'
import { authorized, dataFile, freshWorker, type ProblemBody, workerFetch } from './helpers.ts'
import { encodeWav, readCanonicalPcm16 } from './wav.ts'

beforeAll(freshWorker)
afterEach(() => {
  vi.restoreAllMocks()
})

async function expectProblem(response: Response, status: number, field?: string): Promise<ProblemBody> {
  expect(response.status).toBe(status)
  expect(response.headers.get('Content-Type')).toBe('application/problem+json')
  const problem = (await response.json()) as ProblemBody
  expect(problem.status).toBe(status)
  expect(problem.detail.length).toBeGreaterThan(0)
  expect(problem.error).toBe(problem.detail)
  if (field !== undefined) expect(problem.field).toBe(field)
  return problem
}

function postVad(body: BodyInit, contentType: string, query = ''): Promise<Response> {
  return workerFetch(`/v1/vad${query}`, { method: 'POST', headers: authorized({ 'Content-Type': contentType }), body })
}

function postSamples(body: unknown): Promise<Response> {
  return postVad(JSON.stringify(body), 'application/json')
}

describe('400 invalid request', () => {
  it('rejects a body that is not JSON', async () => {
    await expectProblem(await postVad('{"samples": [0.1,', 'application/json'), 400, 'body')
  })

  it('rejects NaN in samples', async () => {
    await expectProblem(
      await postVad('{"samples": [0.1, NaN], "sampleRateHz": 16000}', 'application/json'),
      400,
      'body',
    )
  })

  it('rejects a sample that is not a number', async () => {
    const problem = await expectProblem(await postSamples({ samples: [0, 0.5, 'loud'], sampleRateHz: 16000 }), 400)
    expect(problem.field).toBe('body.samples.2')
  })

  it('rejects a sample outside [-1, 1]', async () => {
    const problem = await expectProblem(await postSamples({ samples: [0, 1.5], sampleRateHz: 16000 }), 400)
    expect(problem.field).toBe('body.samples.1')
  })

  it('rejects a missing sample rate', async () => {
    const problem = await expectProblem(await postSamples({ samples: [0, 0.1] }), 400)
    expect(problem.field).toBe('body.sampleRateHz')
  })

  it('rejects an unknown JSON field', async () => {
    await expectProblem(await postSamples({ samples: [0], sampleRateHz: 16000, treshold: 0.4 }), 400)
  })

  it('rejects an out-of-range query parameter', async () => {
    const problem = await expectProblem(await postVad(dataFile('silence-16k.wav'), 'audio/wav', '?threshold=1.5'), 400)
    expect(problem.field).toBe('query.threshold')
    expect(problem['invalid-params']).toEqual([{ name: 'query.threshold', reason: expect.stringContaining('1') }])
  })

  it('rejects an unknown query parameter', async () => {
    await expectProblem(await postVad(dataFile('silence-16k.wav'), 'audio/wav', '?minSpeechMS=100'), 400)
  })

  it('rejects bytes that are not a WAV file', async () => {
    const problem = await expectProblem(
      await postVad(new TextEncoder().encode('ID3 not really audio'), 'audio/wav'),
      400,
    )
    expect(problem.field).toBe('body')
    expect(problem.accepted).toContain('PCM')
  })

  it('rejects a truncated WAV file', async () => {
    const problem = await expectProblem(await postVad(dataFile('speech-16k-mono.wav').slice(0, 5000), 'audio/wav'), 400)
    expect(problem.detail).toContain('data chunk')
  })

  it('rejects an empty body', async () => {
    await expectProblem(await postVad(new Uint8Array(0), 'audio/wav'), 400, 'body')
  })

  it('rejects audio longer than MAX_AUDIO_SECONDS', async () => {
    const seconds = Number(env.MAX_AUDIO_SECONDS) + 1
    const wav = encodeWav([new Float32Array(seconds * 8000)], { sampleRateHz: 8000, channels: 1, encoding: 'pcm8' })
    const problem = await expectProblem(await postVad(wav, 'audio/wav'), 400, 'body')
    expect(problem.accepted).toContain(env.MAX_AUDIO_SECONDS)
  })
})

describe('401 unauthorized', () => {
  it('rejects a request without a token', async () => {
    const response = await workerFetch('/v1/vad', {
      method: 'POST',
      headers: { 'Content-Type': 'audio/wav' },
      body: dataFile('silence-16k.wav'),
    })
    await expectProblem(response, 401, 'headers.authorization')
    expect(response.headers.get('WWW-Authenticate')).toContain('Bearer')
  })

  it('rejects a wrong token', async () => {
    const response = await workerFetch('/v1/vad', {
      method: 'POST',
      headers: { Authorization: `Bearer ${env.API_TOKEN}x`, 'Content-Type': 'audio/wav' },
      body: dataFile('silence-16k.wav'),
    })
    await expectProblem(response, 401)
  })

  it('rejects another scheme', async () => {
    const response = await workerFetch('/v2/models/silero-vad', {
      headers: { Authorization: `Basic ${btoa(`user:${env.API_TOKEN}`)}` },
    })
    await expectProblem(response, 401)
  })

  it('never logs or returns the token', async () => {
    const lines: string[] = []
    for (const method of ['log', 'warn', 'error'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '))
      })
    }
    const bodies: string[] = []
    for (const token of [env.API_TOKEN, `${env.API_TOKEN}-wrong`]) {
      const response = await workerFetch('/v1/vad', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'audio/wav' },
        body: dataFile('silence-16k.wav'),
      })
      bodies.push(await response.text())
    }
    expect(lines.length).toBeGreaterThan(0)
    for (const text of [...lines, ...bodies]) expect(text).not.toContain(env.API_TOKEN)
  })
})

describe('404 not found', () => {
  it('rejects an unknown route', async () => {
    const problem = await expectProblem(
      await workerFetch('/v1/transcribe', { method: 'POST', headers: authorized() }),
      404,
    )
    expect(problem.accepted).toContain('/v1/vad')
  })

  it('rejects an unknown model', async () => {
    const response = await workerFetch('/v2/models/whisper/infer', {
      method: 'POST',
      headers: authorized({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [0] }] }),
    })
    const problem = await expectProblem(response, 404, 'model')
    expect(problem.accepted).toContain('"silero-vad"')
  })

  it('rejects an unknown model version', async () => {
    await expectProblem(
      await workerFetch('/v2/models/silero-vad/versions/v1', { headers: authorized() }),
      404,
      'version',
    )
  })
})

describe('405 method not allowed', () => {
  it('rejects GET on /v1/vad', async () => {
    const response = await workerFetch('/v1/vad', { headers: authorized() })
    await expectProblem(response, 405)
    expect(response.headers.get('Allow')).toBe('POST')
  })

  it('rejects DELETE on a model', async () => {
    const response = await workerFetch('/v2/models/silero-vad', { method: 'DELETE', headers: authorized() })
    await expectProblem(response, 405)
    expect(response.headers.get('Allow')).toBe('GET')
  })

  it('rejects POST on health', async () => {
    await expectProblem(await workerFetch('/v2/health/live', { method: 'POST' }), 405)
  })
})

describe('413 payload too large', () => {
  const overLimit = () => new Uint8Array(Number(env.MAX_BODY_BYTES) + 1)

  it('rejects a Content-Length over the limit', async () => {
    const problem = await expectProblem(await postVad(overLimit(), 'audio/wav'), 413, 'body')
    expect(problem.accepted).toContain(env.MAX_BODY_BYTES)
  })

  it('rejects a streamed body over the limit', async () => {
    const bytes = overLimit()
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.byteLength; offset += 65536)
          controller.enqueue(bytes.slice(offset, offset + 65536))
        controller.close()
      },
    })
    const request = new Request('http://localhost/v1/vad', {
      method: 'POST',
      headers: authorized({ 'Content-Type': 'audio/wav', 'Transfer-Encoding': 'chunked' }),
      body: stream,
    })
    expect(request.headers.get('Content-Length')).toBeNull()
    await expectProblem(await worker.fetch(request, env, {} as ExecutionContext), 413)
  })
})

describe('415 unsupported media type', () => {
  const speech = readCanonicalPcm16(dataFile('speech-16k-mono.wav')).subarray(0, 16000)

  it('rejects a text body', async () => {
    const problem = await expectProblem(await postVad('hello', 'text/plain'), 415, 'headers.content-type')
    expect(problem.accepted).toContain('audio/wav')
  })

  it('rejects a missing content type', async () => {
    await expectProblem(
      await workerFetch('/v1/vad', { method: 'POST', headers: authorized(), body: dataFile('silence-16k.wav') }),
      415,
    )
  })

  it('rejects ADPCM audio', async () => {
    const wav = encodeWav([speech], { sampleRateHz: 16000, channels: 1, encoding: 'pcm16', formatCode: 2 })
    const problem = await expectProblem(await postVad(wav, 'audio/wav'), 415, 'body')
    expect(problem.detail).toContain('0x0002')
  })

  it('rejects mu-law audio', async () => {
    const wav = encodeWav([speech], { sampleRateHz: 16000, channels: 1, encoding: 'pcm8', formatCode: 7 })
    await expectProblem(await postVad(wav, 'audio/wav'), 415, 'body')
  })
})

describe('503 service unavailable', () => {
  it('fails closed without API_TOKEN', async () => {
    const errors: string[] = []
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      errors.push(String(line))
    })
    const request = new Request('http://localhost/v1/vad', {
      method: 'POST',
      headers: { Authorization: 'Bearer anything', 'Content-Type': 'audio/wav' },
      body: dataFile('silence-16k.wav'),
    })
    const response = await worker.fetch(
      request,
      { ...env, API_TOKEN: undefined } as unknown as Env,
      {} as ExecutionContext,
    )
    const problem = await expectProblem(response, 503)
    expect(problem.detail).toContain('API_TOKEN')
    expect(errors.some((line) => line.includes('"event":"api_token_missing"'))).toBe(true)

    const health = await worker.fetch(
      new Request('http://localhost/v2/health/live'),
      { ...env, API_TOKEN: undefined } as unknown as Env,
      {} as ExecutionContext,
    )
    expect(health.status).toBe(200)
    await resetEdgeRuntime()
  })

  it('reports a missing manifest', async () => {
    await resetEdgeRuntime()
    const manifest = await env.MODELS.get(env.MANIFEST_KEY)
    const saved = await manifest!.text()
    await env.MODELS.delete(env.MANIFEST_KEY)
    try {
      await expectProblem(await postVad(dataFile('silence-16k.wav'), 'audio/wav'), 503)
      await expectProblem(await workerFetch('/v2/health/ready'), 503)
    } finally {
      await env.MODELS.put(env.MANIFEST_KEY, saved)
    }
    expect((await workerFetch('/v2/health/ready')).status).toBe(200)
  })
})
