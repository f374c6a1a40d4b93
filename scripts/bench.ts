/**
 * `npm run bench`: builds the production bundle, serves it in Miniflare, and
 * measures /v1/vad on a 5 s clip of real speech. It reports the cold first
 * request, warm latency, and the model run time against onnxruntime-node (one
 * intra-op thread) running the same pipeline in this process. Numbers depend on
 * the machine, so compare ratios measured in one run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Miniflare } from 'miniflare'
import { CallPath } from '../functions/runtime/call.ts'
import { ModelRegistry } from '../functions/runtime/registry.ts'
import { vadParametersSchema } from '../schemas/vad.ts'
import { vadFunction } from '../functions/vad/pipeline.ts'
import { buildBundle, bundleSize, serveBundle } from './lib/bundle.ts'
import { MANIFEST_PATH, modelPath, readManifest } from './lib/models.ts'
import { FileModelStore } from './node/file-store.ts'
import { OrtNodeBackend } from './node/ort-node-backend.ts'

const CLIP_SECONDS = 5
const COLD_STARTS = 5
const WARM_REQUESTS = 100
const API_TOKEN = 'bench-token'

/** Cuts a canonical 44-byte-header PCM WAV to its first `seconds`, fixing the header sizes. */
function trimWav(wav: Uint8Array, seconds: number): Uint8Array {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength)
  const byteRate = view.getUint32(28, true)
  const dataBytes = Math.min(seconds * byteRate, view.getUint32(40, true))
  const out = wav.slice(0, 44 + dataBytes)
  const outView = new DataView(out.buffer)
  outView.setUint32(4, 36 + dataBytes, true)
  outView.setUint32(40, dataBytes, true)
  return out
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function median(values: number[]): number {
  return percentile(values, 50)
}

function serverTiming(response: Response): Record<string, number> {
  const spans: Record<string, number> = {}
  for (const part of (response.headers.get('Server-Timing') ?? '').split(',')) {
    const match = part.trim().match(/^([\w-]+);dur=([\d.]+)$/)
    if (match) spans[match[1]!] = Number(match[2])
  }
  return spans
}

function startWorker(outDir: string): Promise<Miniflare> {
  return serveBundle(outDir, {
    API_TOKEN,
    MAX_BODY_BYTES: '16777216',
    MAX_AUDIO_SECONDS: '600',
    MANIFEST_KEY: 'manifest.json',
  })
}

async function timedRequest(
  miniflare: Miniflare,
  clip: Uint8Array,
): Promise<{ ms: number; spans: Record<string, number> }> {
  const started = performance.now()
  const response = await miniflare.dispatchFetch('http://localhost/v1/vad', {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'audio/wav' },
    body: clip,
  })
  await response.arrayBuffer()
  const ms = performance.now() - started
  if (response.status !== 200) throw new Error(`/v1/vad returned ${response.status}`)
  return { ms, spans: serverTiming(response) }
}

async function main(): Promise<void> {
  const clip = trimWav(new Uint8Array(readFileSync('test/data/speech-16k-mono.wav')), CLIP_SECONDS)
  const outDir = mkdtempSync(join(tmpdir(), 'onnx-edge-bench-'))
  try {
    buildBundle(outDir)
    const size = bundleSize(outDir)

    const cold: Array<{ ms: number; spans: Record<string, number> }> = []
    for (let i = 0; i < COLD_STARTS; i++) {
      const miniflare = await startWorker(outDir)
      cold.push(await timedRequest(miniflare, clip))
      await miniflare.dispose()
    }

    const miniflare = await startWorker(outDir)
    await timedRequest(miniflare, clip)
    const warm: Array<{ ms: number; spans: Record<string, number> }> = []
    for (let i = 0; i < WARM_REQUESTS; i++) warm.push(await timedRequest(miniflare, clip))
    await miniflare.dispose()

    // The same pipeline in Node with onnxruntime-node, one intra-op thread.
    const files = new Map(readManifest().models.map((model) => [model.key, modelPath(model)]))
    const registry = new ModelRegistry({
      store: new FileModelStore('.', new Map([...files, ['manifest.json', MANIFEST_PATH]])),
      backend: new OrtNodeBackend({ intraOpNumThreads: 1 }),
      manifestKey: 'manifest.json',
    })
    const callPath = new CallPath(registry, [])
    const input = { kind: 'wav' as const, bytes: clip, params: vadParametersSchema.parse({}), maxAudioSeconds: 600 }
    await callPath.call(vadFunction, input, 'warm-up')
    const nodeTotals: number[] = []
    const nodeModel: number[] = []
    for (let i = 0; i < WARM_REQUESTS; i++) {
      const started = performance.now()
      const { timer } = await callPath.call(vadFunction, input, `bench-${i}`)
      nodeTotals.push(performance.now() - started)
      nodeModel.push(Object.fromEntries(timer.entries()).model ?? 0)
    }

    const workerdModel = median(warm.map((sample) => sample.spans.model ?? 0))
    const rows: Array<[string, string]> = [
      ['machine', `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`],
      [
        'bundle raw / gzip',
        `${(size.rawBytes / 2 ** 20).toFixed(2)} MiB / ${(size.gzipBytes / 2 ** 20).toFixed(2)} MiB`,
      ],
      [`first request, median of ${COLD_STARTS} cold starts`, `${median(cold.map((s) => s.ms)).toFixed(0)} ms`],
      ...['r2-read', 'sha256', 'session', 'decode', 'model'].map((span): [string, string] => [
        `  of which ${span}`,
        `${median(cold.map((s) => s.spans[span] ?? 0)).toFixed(0)} ms`,
      ]),
      [
        `warm /v1/vad p50 / p95 / p99 (${WARM_REQUESTS} requests)`,
        [50, 95, 99]
          .map((p) =>
            percentile(
              warm.map((s) => s.ms),
              p,
            ).toFixed(1),
          )
          .join(' / ') + ' ms',
      ],
      ['warm model run in workerd (p50)', `${workerdModel.toFixed(1)} ms`],
      ['same pipeline, onnxruntime-node in process (p50)', `${median(nodeTotals).toFixed(1)} ms`],
      ['model run, onnxruntime-node 1 thread (p50)', `${median(nodeModel).toFixed(1)} ms`],
      ['model run ratio workerd / onnxruntime-node', `${(workerdModel / median(nodeModel)).toFixed(2)}×`],
    ]
    const width = Math.max(...rows.map(([label]) => label.length))
    console.log(`\n/v1/vad on a ${CLIP_SECONDS} s clip (test/data/speech-16k-mono.wav)\n`)
    for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`)
    await registry.reset()
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}

await main()
