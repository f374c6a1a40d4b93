/**
 * `npm run bench`: builds the production bundle, serves it in Miniflare, and
 * measures each /v1 function on real input: the cold first request, warm
 * latency, and the model run time against onnxruntime-node (one intra-op
 * thread) running the same pipeline in this process. Numbers depend on the
 * machine, so compare ratios measured in one run.
 */
import { localRegistry } from './node/local-models.ts'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import type { Miniflare } from 'miniflare'
import { facesFunction } from '../functions/faces/pipeline.ts'
import { CallPath, type EdgeFunction } from '../functions/runtime/call.ts'
import { vadFunction } from '../functions/vad/pipeline.ts'
import { faceParametersSchema } from '../schemas/faces.ts'
import { vadParametersSchema } from '../schemas/vad.ts'
import { buildBundle, bundleSize, serveBundle } from './lib/bundle.ts'

const COLD_STARTS = 5
const WARM_REQUESTS = 100
/** Concurrent connections of the load runs, and how long each lasts. */
const LOAD_CONCURRENCY = [1, 8, 32]
const LOAD_SECONDS = 5
const API_TOKEN = 'bench-token'

/** One function to measure: its route and body, and the same call for the in-process reference. */
interface BenchCase {
  label: string
  path: string
  contentType: string
  body: Uint8Array
  fn: EdgeFunction<never, unknown>
  input: unknown
}

interface Sample {
  ms: number
  spans: Record<string, number>
}

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

function startWorker(outDir: string, listen = false): Promise<Miniflare> {
  return serveBundle(
    outDir,
    {
      API_TOKEN,
      MAX_BODY_BYTES: '16777216',
      MAX_AUDIO_SECONDS: '600',
      MAX_IMAGE_PIXELS: '12000000',
      MANIFEST_KEY: 'manifest.json',
    },
    { listen },
  )
}

/** Result of one load run: requests per second, p99 latency and failed requests. */
interface LoadResult {
  concurrency: number
  requestsPerSecond: number
  p99Ms: number
  errors: number
}

/** Runs autocannon against a listening Worker for {@link LOAD_SECONDS} at each concurrency. */
async function measureLoad(url: URL, bench: BenchCase): Promise<LoadResult[]> {
  const results: LoadResult[] = []
  for (const concurrency of LOAD_CONCURRENCY) {
    const result = await autocannon({
      url: new URL(bench.path, url).href,
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': bench.contentType },
      body: Buffer.from(bench.body),
      connections: concurrency,
      duration: LOAD_SECONDS,
    })
    results.push({
      concurrency,
      requestsPerSecond: result.requests.average,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
    })
  }
  return results
}

/** Median duration of each Server-Timing span over the samples, in first-seen order. */
function spanMedians(samples: Sample[]): Array<[string, number]> {
  const names = [...new Set(samples.flatMap((sample) => Object.keys(sample.spans)))]
  return names.map((name) => [name, median(samples.map((sample) => sample.spans[name] ?? 0))])
}

async function timedRequest(miniflare: Miniflare, bench: BenchCase): Promise<Sample> {
  const started = performance.now()
  const response = await miniflare.dispatchFetch(`http://localhost${bench.path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': bench.contentType },
    body: bench.body,
  })
  await response.arrayBuffer()
  const ms = performance.now() - started
  if (response.status !== 200) throw new Error(`${bench.path} returned ${response.status}`)
  return { ms, spans: serverTiming(response) }
}

/** Times the same pipeline in this process with onnxruntime-node: total and model run, per call. */
async function measureInProcess(callPath: CallPath, bench: BenchCase): Promise<Sample[]> {
  await callPath.call(bench.fn, bench.input as never, 'warm-up')
  const samples: Sample[] = []
  for (let i = 0; i < WARM_REQUESTS; i++) {
    const started = performance.now()
    const { timer } = await callPath.call(bench.fn, bench.input as never, `bench-${i}`)
    samples.push({ ms: performance.now() - started, spans: Object.fromEntries(timer.entries()) })
  }
  return samples
}

function benchCases(): BenchCase[] {
  const clip = trimWav(new Uint8Array(readFileSync('test/data/speech-16k-mono.wav')), 5)
  const photo = new Uint8Array(readFileSync('test/data/images/face-512.jpg'))
  return [
    {
      label: '/v1/vad, 5 s of 16 kHz speech',
      path: '/v1/vad',
      contentType: 'audio/wav',
      body: clip,
      fn: vadFunction as EdgeFunction<never, unknown>,
      input: { kind: 'wav', bytes: clip, params: vadParametersSchema.parse({}), maxAudioSeconds: 600 },
    },
    {
      label: '/v1/faces, 512×512 JPEG',
      path: '/v1/faces',
      contentType: 'image/jpeg',
      body: photo,
      fn: facesFunction as EdgeFunction<never, unknown>,
      input: { bytes: photo, mediaType: 'image/jpeg', params: faceParametersSchema.parse({}), maxImagePixels: 12e6 },
    },
  ]
}

function formatMs(value: number): string {
  return `${value.toFixed(1)} ms`
}

async function main(): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'onnx-edge-bench-'))
  const registry = localRegistry()
  const callPath = new CallPath(registry, [])
  const rows: Array<[string, string]> = []

  try {
    buildBundle(outDir)
    const size = bundleSize(outDir)
    rows.push(['machine', `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`])
    rows.push([
      'bundle raw / gzip',
      `${(size.rawBytes / 2 ** 20).toFixed(2)} MiB / ${(size.gzipBytes / 2 ** 20).toFixed(2)} MiB`,
    ])

    for (const bench of benchCases()) {
      const cold: Sample[] = []
      for (let i = 0; i < COLD_STARTS; i++) {
        const miniflare = await startWorker(outDir)
        cold.push(await timedRequest(miniflare, bench))
        await miniflare.dispose()
      }

      const miniflare = await startWorker(outDir, true)
      await timedRequest(miniflare, bench)
      const warm: Sample[] = []
      for (let i = 0; i < WARM_REQUESTS; i++) warm.push(await timedRequest(miniflare, bench))
      const load = await measureLoad(await miniflare.ready, bench)
      await miniflare.dispose()

      const reference = await measureInProcess(callPath, bench)
      const workerdModel = median(warm.map((sample) => sample.spans.model ?? 0))
      const nodeModel = median(reference.map((sample) => sample.spans.model ?? 0))
      const coldSpans = ['r2-read', 'sha256', 'session', 'decode', 'model']
        .map((span) => `${span} ${median(cold.map((sample) => sample.spans[span] ?? 0)).toFixed(0)}`)
        .join(', ')

      rows.push([bench.label, ''])
      rows.push([
        `  first request, median of ${COLD_STARTS} cold starts`,
        `${median(cold.map((s) => s.ms)).toFixed(0)} ms (${coldSpans} ms)`,
      ])
      rows.push([
        `  warm p50 / p95 / p99, ${WARM_REQUESTS} sequential requests`,
        [50, 95, 99]
          .map((p) =>
            percentile(
              warm.map((sample) => sample.ms),
              p,
            ).toFixed(1),
          )
          .join(' / ') + ' ms',
      ])
      rows.push(['  warm model run in workerd, p50', formatMs(workerdModel)])
      rows.push(['  same pipeline in process, onnxruntime-node, p50', formatMs(median(reference.map((s) => s.ms)))])
      rows.push(['  model run, onnxruntime-node one thread, p50', formatMs(nodeModel)])
      rows.push(['  model run ratio, workerd / onnxruntime-node', `${(workerdModel / nodeModel).toFixed(2)}×`])

      // Where a warm request's time goes, from Server-Timing; the rest is routing, validation and HTTP.
      const meanMs = warm.reduce((sum, sample) => sum + sample.ms, 0) / warm.length
      const spans = spanMedians(warm).filter(([name]) => name !== 'load')
      const spanText = spans.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')
      const outsideModel = median(warm.map((sample) => sample.ms - (sample.spans.model ?? 0)))
      rows.push(['  warm request spans, medians', `${spanText} ms`])
      rows.push([
        '  everything but the model run, p50',
        `${formatMs(outsideModel)} (${((100 * outsideModel) / median(warm.map((s) => s.ms))).toFixed(0)}% of p50)`,
      ])

      // One isolate serves one request at a time, so sequential latency bounds its throughput.
      const serviceLimit = 1000 / meanMs
      for (const run of load) {
        rows.push([
          `  load, concurrency ${run.concurrency}, ${LOAD_SECONDS} s`,
          `${run.requestsPerSecond.toFixed(1)} req/s (${((100 * run.requestsPerSecond) / serviceLimit).toFixed(0)}% of ` +
            `${serviceLimit.toFixed(1)}), p99 ${run.p99Ms} ms, ${run.errors} errors`,
        ])
      }
    }
  } finally {
    await registry.reset()
    rmSync(outDir, { recursive: true, force: true })
  }

  const width = Math.max(...rows.map(([label]) => label.length))
  console.log()
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`)
}

await main()
