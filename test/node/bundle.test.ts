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

  miniflare = await serveBundle(outDir, {
    API_TOKEN,
    MAX_BODY_BYTES: '16777216',
    MAX_AUDIO_SECONDS: '600',
    MANIFEST_KEY: 'manifest.json',
  })
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

  it('fits the paid plan size limit', () => {
    expect(bundleSize(outDir).gzipBytes).toBeLessThan(PAID_PLAN_GZIP_LIMIT_BYTES)
  })
})
