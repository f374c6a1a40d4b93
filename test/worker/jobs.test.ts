import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import worker from '../../functions/index.ts'
import { resetEdgeRuntime } from '../../functions/edge/runtime.ts'
import { jobChunkResultKey } from '../../functions/jobs/layout.ts'
import type { JobMeta, JobResult } from '../../schemas/jobs.ts'
import {
  authorized,
  dataFile,
  freshWorker,
  manifest,
  modelFile,
  type ProblemBody,
  speechIntervals,
  workerFetch,
} from './helpers.ts'

type JobStatus = JobMeta & { chunksDone: number; linesDone: number }

const SAMPLE = JSON.parse(new TextDecoder().decode(dataFile('digits-sample.json'))) as {
  digits: Array<{ label: number; pixels: number[] }>
}

beforeAll(async () => {
  await freshWorker()
  await env.MODELS.put('uploads/speech.wav', dataFile('speech-16k-mono.wav'))
  await env.MODELS.put('uploads/face.jpg', dataFile('face-one.jpg'))
})
afterEach(() => {
  vi.restoreAllMocks()
})

function base64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''))
}

/** 20 lines over two chunks: each function, inline and by key, and one line whose file is missing. */
function mixedJob(): string[] {
  const lines: unknown[] = [
    { function: 'vad', id: 'speech', input: { key: 'uploads/speech.wav' } },
    { function: 'faces', id: 'face-by-key', input: { key: 'uploads/face.jpg' } },
    {
      function: 'faces',
      id: 'face-inline',
      input: { imageBase64: base64(dataFile('no-face.png')), mediaType: 'image/png' },
    },
    { function: 'vad', id: 'missing', input: { key: 'uploads/nothing-here.wav' } },
    ...SAMPLE.digits
      .slice(0, 16)
      .map((digit, i) => ({ function: 'digits', id: `digit-${i}`, input: { pixels: digit.pixels } })),
  ]
  return lines.map((line) => JSON.stringify(line))
}

function postJob(lines: string[], query = ''): Promise<Response> {
  return workerFetch(`/v1/jobs${query}`, {
    method: 'POST',
    headers: authorized({ 'Content-Type': 'application/jsonl' }),
    body: lines.join('\n') + '\n',
  })
}

async function status(id: string): Promise<JobStatus> {
  return (await (await workerFetch(`/v1/jobs/${id}`, { headers: authorized() })).json()) as JobStatus
}

async function waitUntilDone(id: string): Promise<JobStatus> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const current = await status(id)
    if (current.state === 'done') return current
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`job ${id} did not finish`)
}

async function results(id: string): Promise<JobResult[]> {
  const response = await workerFetch(`/v1/jobs/${id}/results`, { headers: authorized() })
  expect(response.status).toBe(200)
  expect(response.headers.get('Content-Type')).toBe('application/jsonl')
  return new TextDecoder()
    .decode(await response.arrayBuffer())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JobResult)
}

async function deliver(jobId: string, chunk: number, attempts: number) {
  const batch = createMessageBatch('onnx-edge-jobs', [
    { id: `message-${jobId}-${chunk}-${attempts}`, timestamp: new Date(), attempts, body: { jobId, chunk } },
  ])
  await worker.queue(batch, env)
  return getQueueResult(batch, createExecutionContext())
}

describe('batch jobs through the queue', () => {
  it('runs every line and returns one entry per line in order', async () => {
    const response = await postJob(mixedJob())
    expect(response.status).toBe(202)
    const created = (await response.json()) as JobStatus
    expect(response.headers.get('Location')).toBe(`/v1/jobs/${created.id}`)
    expect(created).toMatchObject({ lineCount: 20, chunkCount: 2, runner: 'edge' })

    const done = await waitUntilDone(created.id)
    expect(done).toMatchObject({ chunksDone: 2, linesDone: 20 })

    const entries = await results(created.id)
    expect(entries.map((entry) => entry.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))

    const byId = new Map(entries.map((entry) => [entry.id, entry]))
    const speech = byId.get('speech')!
    expect(speech.ok).toBe(true)
    const segments = (speech as { output: { segments: Array<{ start: number; end: number }> } }).output.segments
    const truth = speechIntervals('speech-16k-mono.wav')
    expect(segments).toHaveLength(truth.length)
    segments.forEach((segment, i) => {
      expect(Math.abs(segment.start - truth[i]![0])).toBeLessThanOrEqual(0.25)
      expect(Math.abs(segment.end - truth[i]![1])).toBeLessThanOrEqual(0.25)
    })
    expect((byId.get('face-by-key') as { output: { faces: unknown[] } }).output.faces).toHaveLength(1)
    expect((byId.get('face-inline') as { output: { faces: unknown[] } }).output.faces).toHaveLength(0)
    expect(byId.get('missing')).toMatchObject({ ok: false, error: { status: 400, field: 'input.key' } })
    SAMPLE.digits.slice(0, 16).forEach((digit, i) => {
      expect((byId.get(`digit-${i}`) as { output: { digit: number } }).output.digit).toBe(digit.label)
    })
  })

  it('writes a chunk delivered twice once', async () => {
    const created = (await (await postJob(mixedJob())).json()) as JobStatus
    await waitUntilDone(created.id)
    const before = await env.MODELS.head(jobChunkResultKey(created.id, 0))

    const outcome = await deliver(created.id, 0, 1)

    expect(outcome.explicitAcks).toEqual([`message-${created.id}-0-1`])
    const after = await env.MODELS.head(jobChunkResultKey(created.id, 0))
    expect(after!.etag).toBe(before!.etag)
    expect(after!.uploaded.getTime()).toBe(before!.uploaded.getTime())
    expect(await results(created.id)).toHaveLength(20)
  })

  it('stores a chunk delivered twice at once once', async () => {
    // A GPU job is not dispatched, so this test delivers its chunks itself.
    const created = (await (await postJob(mixedJob(), '?runner=gpu')).json()) as JobStatus
    const events: string[] = []
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      events.push(String(line))
    })

    const outcomes = await Promise.all([deliver(created.id, 1, 1), deliver(created.id, 1, 2)])

    expect(outcomes.map((outcome) => outcome.explicitAcks.length)).toEqual([1, 1])
    expect(events.filter((line) => line.includes('"event":"chunk_duplicate"'))).toHaveLength(1)
    const stored = await env.MODELS.get(jobChunkResultKey(created.id, 1))
    const lines = new TextDecoder()
      .decode(await stored!.arrayBuffer())
      .trim()
      .split('\n')
    expect(lines.map((line) => (JSON.parse(line) as JobResult).line)).toEqual([17, 18, 19, 20])
  })

  it('retries a failing chunk, then records it line by line', async () => {
    // A GPU job is not dispatched, so this test delivers its chunks itself.
    const created = (await (await postJob(mixedJob(), '?runner=gpu')).json()) as JobStatus
    const silero = manifest().models.find((model) => model.name === 'silero-vad-clip-16k')!
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    await env.MODELS.put(silero.key, new Uint8Array(10))
    // Drop the verified session, so the chunk has to load the corrupted object.
    await resetEdgeRuntime()
    try {
      const first = await deliver(created.id, 0, 1)
      expect(first.retryMessages.map((message) => message.msgId)).toEqual([`message-${created.id}-0-1`])
      expect(await env.MODELS.head(jobChunkResultKey(created.id, 0))).toBeNull()

      const last = await deliver(created.id, 0, 4)
      expect(last.explicitAcks).toHaveLength(1)
    } finally {
      await env.MODELS.put(silero.key, modelFile(silero.file!))
    }
    expect((await deliver(created.id, 1, 1)).explicitAcks).toHaveLength(1)

    const done = await status(created.id)
    expect(done).toMatchObject({ state: 'done', chunksDone: 2, linesDone: 20 })
    const entries = await results(created.id)
    expect(entries).toHaveLength(20)
    // Every line of the failed chunk has an error entry; the other chunk ran.
    expect(entries.slice(0, 16).every((entry) => !entry.ok && entry.error.status === 503)).toBe(true)
    expect(entries.slice(16).every((entry) => entry.ok)).toBe(true)
  })

  it('leaves a job for the GPU runner pending', async () => {
    const created = (await (await postJob(mixedJob(), '?runner=gpu')).json()) as JobStatus
    const ctx = createExecutionContext()
    await worker.scheduled({ cron: '* * * * *', scheduledTime: Date.now(), noRetry() {} }, env, ctx)
    await waitOnExecutionContext(ctx)
    expect((await status(created.id)).state).toBe('pending')
  })
})

describe('batch job errors', () => {
  it('lists every invalid line', async () => {
    const lines = mixedJob()
    lines[2] = '{"function": "ocr", "input": {}}'
    lines[5] = 'not json'
    const response = await postJob(lines)
    expect(response.status).toBe(400)
    const problem = (await response.json()) as ProblemBody
    expect(problem['invalid-params']!.map((param) => param.name)).toEqual(['body.line.3.function', 'body.line.6'])
  })

  it('rejects an empty job', async () => {
    expect((await postJob([])).status).toBe(400)
  })

  it('rejects another content type', async () => {
    const response = await workerFetch('/v1/jobs', {
      method: 'POST',
      headers: authorized({ 'Content-Type': 'application/json' }),
      body: '{}',
    })
    expect(response.status).toBe(415)
  })

  it('answers 404 for an unknown job', async () => {
    expect((await workerFetch('/v1/jobs/no-such-job', { headers: authorized() })).status).toBe(404)
  })

  it('answers 409 for results of an unfinished job', async () => {
    const created = (await (await postJob(mixedJob(), '?runner=gpu')).json()) as JobStatus
    const response = await workerFetch(`/v1/jobs/${created.id}/results`, { headers: authorized() })
    expect(response.status).toBe(409)
  })
})
