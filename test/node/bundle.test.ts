import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle, bundleSize, serveBundle } from '../../scripts/lib/bundle.ts'

/** Paid-plan limit on a Worker's compressed size. */
const PAID_PLAN_GZIP_LIMIT_BYTES = 10 * 1024 * 1024
const EDGE_TOLERANCE_S = 0.25
const API_TOKEN = 'bundle-test-token'
/** Largest difference allowed between the runner's (onnxruntime-node) and the Worker's probabilities. */
const RUNNER_TOLERANCE = 1e-5
const S3_CREDENTIALS = { accessKeyId: 'bundle-test-key', secretAccessKey: 'bundle-test-secret' }

/** Runs the Node batch runner and resolves with its exit code and output. */
function runBatch(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/batch.ts', '--device', 'cpu', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

const truth = JSON.parse(readFileSync('test/data/ground-truth.json', 'utf8')) as {
  audio: Record<string, { speech_intervals_s: Array<[number, number]> }>
}

let outDir: string
let miniflare: Miniflare

// The vitest plugin's workerd allows eval and compiling wasm from bytes; the
// production runtime does not. This runs the real bundle under production rules.
beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'onnx-edge-bundle-'))
  buildBundle(outDir)

  miniflare = await serveBundle(
    outDir,
    { API_TOKEN, MAX_BODY_BYTES: '16777216', MAX_AUDIO_SECONDS: '600', MANIFEST_KEY: 'manifest.json' },
    { s3Credentials: S3_CREDENTIALS },
  )
})

afterAll(async () => {
  await miniflare?.dispose()
  if (outDir) rmSync(outDir, { recursive: true, force: true })
})

describe('production bundle in Miniflare', () => {
  it('serves /v1/vad on real speech', async () => {
    const response = await miniflare.dispatchFetch('http://localhost/v1/vad', {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'audio/wav' },
      body: readFileSync('test/data/speech-44k-stereo.wav'),
    })
    expect(response.status).toBe(200)
    const result = (await response.json()) as { segments: Array<{ start: number; end: number }> }
    const expected = truth.audio['speech-44k-stereo.wav']!.speech_intervals_s

    expect(result.segments).toHaveLength(expected.length)
    result.segments.forEach((segment, i) => {
      expect(Math.abs(segment.start - expected[i]![0])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
      expect(Math.abs(segment.end - expected[i]![1])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
    })
  })

  it('answers errors as problem documents', async () => {
    const response = await miniflare.dispatchFetch('http://localhost/v1/vad', { method: 'POST', body: 'x' })
    expect(response.status).toBe(401)
    expect(response.headers.get('Content-Type')).toBe('application/problem+json')
  })

  it('hands a GPU job to the Node runner through the S3 API', async () => {
    const url = await miniflare.ready
    const bucket = await miniflare.getR2Bucket('MODELS')
    await bucket.put('uploads/speech.wav', readFileSync('test/data/speech-16k-mono.wav'))
    const sample = JSON.parse(readFileSync('test/data/digits-sample.json', 'utf8')) as {
      digits: Array<{ label: number; pixels: number[] }>
    }
    const lines = [
      { function: 'vad', id: 'speech', input: { key: 'uploads/speech.wav' } },
      { function: 'digits', id: 'digit', input: { pixels: sample.digits[0]!.pixels } },
      { function: 'vad', id: 'missing', input: { key: 'uploads/none.wav' } },
    ]
    const headers = { Authorization: `Bearer ${API_TOKEN}` }

    const created = await miniflare.dispatchFetch('http://localhost/v1/jobs?runner=gpu', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/jsonl' },
      body: lines.map((line) => JSON.stringify(line)).join('\n'),
    })
    expect(created.status).toBe(202)
    const { id } = (await created.json()) as { id: string }

    const run = await runBatch(['--job', id, '--bucket', 'onnx-edge-models'], {
      S3_ENDPOINT: new URL('/cdn-cgi/local/r2/s3', url).href,
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    })
    // One line fails (its file is missing), so the runner exits with 1.
    expect(run.code, run.output).toBe(1)

    const status = (await (await miniflare.dispatchFetch(`http://localhost/v1/jobs/${id}`, { headers })).json()) as {
      state: string
      linesDone: number
    }
    expect(status).toMatchObject({ state: 'done', linesDone: 3 })
    const results = (
      await (await miniflare.dispatchFetch(`http://localhost/v1/jobs/${id}/results`, { headers })).text()
    )
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { line: number; id: string; ok: boolean; output?: any; error?: any })
    expect(results.map((result) => result.id)).toEqual(['speech', 'digit', 'missing'])
    const expected = truth.audio['speech-16k-mono.wav']!.speech_intervals_s
    results[0]!.output.segments.forEach((segment: { start: number; end: number }, i: number) => {
      expect(Math.abs(segment.start - expected[i]![0])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
      expect(Math.abs(segment.end - expected[i]![1])).toBeLessThanOrEqual(EDGE_TOLERANCE_S)
    })
    expect(results[1]!.output.digit).toBe(sample.digits[0]!.label)
    expect(results[2]).toMatchObject({ ok: false, error: { status: 400, field: 'input.key' } })

    // Parity: the Worker's own responses to the same inputs.
    const workerVad = await miniflare.dispatchFetch('http://localhost/v1/vad', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'audio/wav' },
      body: readFileSync('test/data/speech-16k-mono.wav'),
    })
    expect(results[0]!.output).toEqual(await workerVad.json())
    const workerDigit = (await (
      await miniflare.dispatchFetch('http://localhost/v1/digits', {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ pixels: sample.digits[0]!.pixels }),
      })
    ).json()) as { probabilities: number[] }
    results[1]!.output.probabilities.forEach((probability: number, k: number) => {
      expect(Math.abs(probability - workerDigit.probabilities[k]!)).toBeLessThanOrEqual(RUNNER_TOLERANCE)
    })
  })

  it('fits the paid plan size limit', () => {
    expect(bundleSize(outDir).gzipBytes).toBeLessThan(PAID_PLAN_GZIP_LIMIT_BYTES)
  })
})
