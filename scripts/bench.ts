/**
 * `npm run bench`: measures onnx-edge against what a user would run instead, in
 * one run on this machine, prints the results and writes them into
 * BENCHMARKS.md between its `bench:begin` and `bench:end` markers.
 *
 * It builds the production bundle, serves it in Miniflare, and sends real input
 * to each /v1 function over loopback HTTP. The baseline is a minimal Node HTTP
 * server running the same pipelines with onnxruntime-node on one intra-op
 * thread. Per function: the cold first request split into its steps, warm
 * latency of both servers, the model run against onnxruntime-node, where a warm
 * request's time goes, and autocannon load at concurrency 1, 8 and 32. Then the
 * isolate's memory with every model loaded, the Node batch runner's items/s, and
 * the bundle size. Numbers depend on the machine: compare ratios from one run.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import type { Miniflare } from 'miniflare'
import * as ort from 'onnxruntime-node'
import { facesFunction } from '../functions/faces/pipeline.ts'
import { CallPath, type EdgeFunction } from '../functions/runtime/call.ts'
import { decodeWav } from '../functions/vad/audio.ts'
import { vadFunction } from '../functions/vad/pipeline.ts'
import { faceParametersSchema } from '../schemas/faces.ts'
import type { IsolateStatus } from '../schemas/status.ts'
import { vadParametersSchema } from '../schemas/vad.ts'
import { workerdChildren, residentBytes } from './bench/process-memory.ts'
import { startReferenceServer, type ReferenceRoute } from './bench/reference-server.ts'
import { runnerThroughput } from './bench/runner-throughput.ts'
import { median, percentile, serverTiming, spanMedian, spanNames, type Sample } from './bench/stats.ts'
import { buildBundle, bundleSize, serveBundle } from './lib/bundle.ts'
import { MODELS_DIR } from './lib/models.ts'
import { localRegistry } from './node/local-models.ts'

const COLD_STARTS = 5
const WARM_REQUESTS = 100
/** Concurrent connections of the load runs, and how long each lasts. */
const LOAD_CONCURRENCY = [1, 8, 32]
const LOAD_SECONDS = 5
const RUNNER_LINES = 5000
const RUNNER_BATCH_SIZES = [1, 8, 32]
const VAD_CLIP_SECONDS = 10
const API_TOKEN = 'bench-token'
const REPORT_PATH = 'BENCHMARKS.md'
const BEGIN_MARKER = '<!-- bench:begin -->'
const END_MARKER = '<!-- bench:end -->'
/** The isolate memory limit of Cloudflare Workers, in bytes. */
const ISOLATE_LIMIT_BYTES = 128 * 2 ** 20

/** One function to measure: its route and body, and how the reference server builds the same input. */
interface BenchCase {
  label: string
  path: string
  contentType: string
  body: Uint8Array
  route: ReferenceRoute
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

function benchCases(): BenchCase[] {
  const clip = trimWav(new Uint8Array(readFileSync('test/data/speech-16k-mono.wav')), VAD_CLIP_SECONDS)
  const photo = new Uint8Array(readFileSync('test/data/images/face-512.jpg'))
  return [
    {
      label: `/v1/vad, ${VAD_CLIP_SECONDS} s of 16 kHz speech (WAV)`,
      path: '/v1/vad',
      contentType: 'audio/wav',
      body: clip,
      route: {
        fn: vadFunction as EdgeFunction<never, unknown>,
        input: (bytes) => ({ kind: 'wav', bytes, params: vadParametersSchema.parse({}), maxAudioSeconds: 600 }),
      },
    },
    {
      label: '/v1/faces, 512×512 JPEG',
      path: '/v1/faces',
      contentType: 'image/jpeg',
      body: photo,
      route: {
        fn: facesFunction as EdgeFunction<never, unknown>,
        input: (bytes) => ({
          bytes,
          mediaType: 'image/jpeg',
          params: faceParametersSchema.parse({}),
          maxImagePixels: 12e6,
        }),
      },
    },
  ]
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
    {
      listen,
      // Each request logs two JSON lines; print only what went wrong.
      onLog: (level, message) => {
        if (level === 'error' || level === 'warn') console.error(message)
      },
    },
  )
}

async function timedRequest(
  send: (init: RequestInit) => Promise<{ status: number; headers: Headers; arrayBuffer(): Promise<ArrayBuffer> }>,
  bench: BenchCase,
): Promise<Sample> {
  const started = performance.now()
  const response = await send({
    method: 'POST',
    headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': bench.contentType },
    body: bench.body,
  })
  const body = await response.arrayBuffer()
  const ms = performance.now() - started
  if (response.status !== 200) {
    throw new Error(`${bench.path} returned ${response.status} instead of 200: ${new TextDecoder().decode(body)}`)
  }
  return { ms, spans: serverTiming(response.headers.get('Server-Timing')) }
}

async function warmSamples(url: URL, bench: BenchCase): Promise<Sample[]> {
  const send = (init: RequestInit) => fetch(new URL(bench.path, url), init)
  await timedRequest(send, bench)
  const samples: Sample[] = []
  for (let i = 0; i < WARM_REQUESTS; i++) samples.push(await timedRequest(send, bench))
  return samples
}

/** Result of one load run: requests per second, p99 latency and failed requests. */
interface LoadResult {
  concurrency: number
  requestsPerSecond: number
  p99Ms: number
  errors: number
}

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

/**
 * Times the published Silero model run the usual way, one call per 32 ms frame
 * with onnxruntime-node on one thread, over the same clip: the model run a user
 * of the stock model gets. Returns the median of 20 runs over the whole clip.
 */
async function stockSileroMs(wav: Uint8Array): Promise<number> {
  const { samples } = decodeWav(wav)
  const session = await ort.InferenceSession.create(join(MODELS_DIR, 'silero_vad_v5.onnx'), { intraOpNumThreads: 1 })
  const sr = new ort.Tensor('int64', BigInt64Array.of(16000n), [])
  const runClip = async () => {
    let state: Float32Array = new Float32Array(256)
    for (let start = 0; start < samples.length; start += 512) {
      const window = new Float32Array(576)
      window.set(samples.subarray(Math.max(0, start - 64), start + 512), start === 0 ? 64 : 0)
      const result = await session.run({
        input: new ort.Tensor('float32', window, [1, 576]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr,
      })
      state = result.stateN!.data as Float32Array
    }
  }
  await runClip()
  const times: number[] = []
  for (let i = 0; i < 20; i++) {
    const started = performance.now()
    await runClip()
    times.push(performance.now() - started)
  }
  await session.release()
  return median(times)
}

/** Measured results of one function. */
interface CaseResult {
  bench: BenchCase
  /** Milliseconds from creating each cold Miniflare to its being ready (workerd start and module load). */
  startMs: number[]
  cold: Sample[]
  worker: Sample[]
  node: Sample[]
  load: LoadResult[]
  stockModelMs?: number
}

async function measureCase(outDir: string, bench: BenchCase, referenceUrl: URL): Promise<CaseResult> {
  const cold: Sample[] = []
  const startMs: number[] = []
  for (let i = 0; i < COLD_STARTS; i++) {
    const starting = performance.now()
    const miniflare = await startWorker(outDir)
    startMs.push(performance.now() - starting)
    cold.push(
      await timedRequest((init) => miniflare.dispatchFetch(`http://localhost${bench.path}`, init as never), bench),
    )
    await miniflare.dispose()
  }

  const miniflare = await startWorker(outDir, true)
  const url = await miniflare.ready
  const worker = await warmSamples(url, bench)
  const load = await measureLoad(url, bench)
  await miniflare.dispose()

  const node = await warmSamples(referenceUrl, bench)
  const stockModelMs = bench.path === '/v1/vad' ? await stockSileroMs(bench.body) : undefined
  return { bench, startMs, cold, worker, node, load, stockModelMs }
}

/** Isolate memory with every model loaded: ORT's WebAssembly memory and the workerd process's RSS. */
interface MemoryResult {
  /** p50 of GET /v2/health/live through the listening Worker: the HTTP cost that every request pays. */
  httpFloorMs: number
  loadedModels: string[]
  runtimeMemoryBytes: number
  rssBeforeBytes: number
  rssAfterBytes: number
}

async function measureMemory(outDir: string, cases: readonly BenchCase[]): Promise<MemoryResult> {
  const miniflare = await startWorker(outDir, true)
  try {
    const url = await miniflare.ready
    const [pid, ...others] = workerdChildren()
    if (pid === undefined || others.length > 0) {
      const found = [pid, ...others].filter((id) => id !== undefined).join(', ') || 'none'
      throw new Error(
        `expected one workerd child process to measure, found ${found}: stop other Miniflare instances of this process`,
      )
    }
    const rssBeforeBytes = residentBytes(pid)

    const liveTimes: number[] = []
    for (let i = 0; i < WARM_REQUESTS; i++) {
      const started = performance.now()
      await (await fetch(new URL('/v2/health/live', url))).arrayBuffer()
      liveTimes.push(performance.now() - started)
    }

    // The maintenance cron loads every model of the manifest; one request per function then runs each.
    const worker = await miniflare.getWorker()
    await worker.scheduled({ cron: '*/30 * * * *' })
    for (const bench of cases) await warmSamples(url, bench)

    const response = await fetch(new URL('/v1/status', url), { headers: { Authorization: `Bearer ${API_TOKEN}` } })
    const { isolate } = (await response.json()) as { isolate: IsolateStatus }
    if (isolate.runtimeMemoryBytes === null) {
      throw new Error(
        `GET /v1/status returned runtimeMemoryBytes null for backend ${isolate.backend}: the runtime is not initialised`,
      )
    }
    return {
      httpFloorMs: median(liveTimes),
      loadedModels: isolate.loadedModels,
      runtimeMemoryBytes: isolate.runtimeMemoryBytes,
      rssBeforeBytes,
      rssAfterBytes: residentBytes(pid),
    }
  } finally {
    await miniflare.dispose()
  }
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}

function operatingSystem(): string {
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : ''
  return osRelease.match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1] ?? `Linux ${release()}`
}

const ms = (value: number, digits = 1) => `${value.toFixed(digits)} ms`
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`
const ratio = (value: number) => `${value.toFixed(2)}×`
const p50 = (samples: readonly Sample[]) => median(samples.map((sample) => sample.ms))
const tail = (samples: readonly Sample[]) =>
  [50, 95, 99]
    .map((p) =>
      percentile(
        samples.map((sample) => sample.ms),
        p,
      ).toFixed(1),
    )
    .join(' / ') + ' ms'

/**
 * Requests per second that one isolate can serve in sequence: 1000 ms over the
 * median of the Worker's own time per warm request (Server-Timing "total").
 * Client-side latency would understate it, because it includes transport.
 */
function serviceLimit(result: CaseResult): number {
  return 1000 / spanMedian(result.worker, 'total')
}

/** Share of the Worker's own time per warm request spent outside the model run, median. */
function shareInsideWorker(samples: readonly Sample[]): number {
  return median(samples.map((sample) => 1 - (sample.spans.model ?? 0) / (sample.spans.total ?? NaN)))
}

/** Share of the client-side latency spent outside the model run, at the p50 request. */
function shareSeenByClient(samples: readonly Sample[]): number {
  return median(samples.map((sample) => sample.ms - (sample.spans.model ?? 0))) / p50(samples)
}

const percent = (share: number) => `${(100 * share).toFixed(0)}%`
const yesNo = (met: boolean) => (met ? 'yes' : 'no')

/** Builds the rows of the targets table: each target, its measured value and whether it is met. */
function targetRows(results: readonly CaseResult[], memory: MemoryResult, gzipBytes: number): string[][] {
  const [vad, faces] = results as [CaseResult, CaseResult]
  const model = (samples: readonly Sample[]) => spanMedian(samples, 'model')
  const stockRatio = model(vad.worker) / vad.stockModelMs!
  const sameGraphRatio = model(vad.worker) / model(vad.node)
  const outsideRow = (label: string, result: CaseResult): string[] => {
    const inside = shareInsideWorker(result.worker)
    const client = shareSeenByClient(result.worker)
    return [
      label,
      `${percent(inside)} of the Worker's time; ${percent(client)} of the latency the client sees`,
      `${yesNo(inside <= 0.15)} inside the Worker, ${yesNo(client <= 0.15)} from the client`,
    ]
  }
  const firstRequest = p50(vad.cold)
  const errors = results.flatMap((result) =>
    result.load.filter((run) => run.concurrency === 32).map((run) => run.errors),
  )
  const atEight = results.map(
    (result) => result.load.find((run) => run.concurrency === 8)!.requestsPerSecond / serviceLimit(result),
  )
  return [
    [
      `Silero model run in workerd at most 1.5× onnxruntime-node, ${VAD_CLIP_SECONDS} s clip`,
      `${ratio(stockRatio)} the published model frame by frame; ${ratio(sameGraphRatio)} the same derived graph`,
      `${yesNo(stockRatio <= 1.5)} against the published model, ${yesNo(sameGraphRatio <= 1.5)} against the same graph`,
    ],
    outsideRow('everything but the model at most 15% of a warm `/v1/vad` request', vad),
    outsideRow('the same for a warm `/v1/faces` request', faces),
    [
      'first Silero request under 150 ms, R2 read and integrity check included',
      ms(firstRequest, 0),
      yesNo(firstRequest < 150),
    ],
    ['zero errors under load at concurrency 32', errors.join(' and '), yesNo(errors.every((count) => count === 0))],
    [
      "throughput at concurrency 8 at least 90% of one isolate's limit",
      atEight.map(percent).join(' and '),
      yesNo(atEight.every((share) => share >= 0.9)),
    ],
    [
      'isolate memory with every model loaded under 64 MB',
      `${mib(memory.runtimeMemoryBytes)} of ONNX Runtime WebAssembly memory`,
      yesNo(memory.runtimeMemoryBytes < 64e6),
    ],
    ["bundle gzip under the free plan's 3 MiB", mib(gzipBytes), yesNo(gzipBytes <= 3 * 2 ** 20)],
  ]
}

/** Rows of the per-function table: a label and one cell per function. */
function caseRows(results: readonly CaseResult[]): Array<[string, ...string[]]> {
  const row = (label: string, cell: (result: CaseResult) => string): [string, ...string[]] => [
    label,
    ...results.map(cell),
  ]
  const model = (samples: readonly Sample[]) => spanMedian(samples, 'model')
  const coldSpans = ['r2-read', 'sha256', 'runtime-init', 'session', 'decode', 'model']
  const outside = (samples: readonly Sample[]) => median(samples.map((sample) => sample.ms - (sample.spans.model ?? 0)))

  return [
    row(`workerd start to ready (Miniflare, includes loading the bundle), median of ${COLD_STARTS}`, (r) =>
      ms(median(r.startMs), 0),
    ),
    row(`first request after start, median of ${COLD_STARTS} cold starts`, (r) => ms(p50(r.cold), 0)),
    row(
      `of which ${coldSpans.join(' / ')} (runtime-init runs at isolate start, so it is near 0)`,
      (r) => coldSpans.map((span) => spanMedian(r.cold, span).toFixed(0)).join(' / ') + ' ms',
    ),
    row(`warm p50 / p95 / p99 over HTTP, ${WARM_REQUESTS} sequential requests: Worker`, (r) => tail(r.worker)),
    row('the same for the Node HTTP server with onnxruntime-node', (r) => tail(r.node)),
    row('end-to-end ratio at p50, Worker / Node server', (r) => ratio(p50(r.worker) / p50(r.node))),
    row('model run per request, p50: onnxruntime-web in workerd', (r) => ms(model(r.worker))),
    row('the same model with onnxruntime-node, one thread', (r) => ms(model(r.node))),
    row('model run ratio, workerd / onnxruntime-node', (r) => ratio(model(r.worker) / model(r.node))),
    row('published Silero model frame by frame, onnxruntime-node, one thread', (r) =>
      r.stockModelMs === undefined ? 'n/a' : ms(r.stockModelMs),
    ),
    row('model run ratio, workerd / that', (r) =>
      r.stockModelMs === undefined ? 'n/a' : ratio(model(r.worker) / r.stockModelMs),
    ),
    row('warm Server-Timing spans, medians; "other" is routing, validation and the response', (r) => {
      const names = spanNames(r.worker).filter((name) => name !== 'total')
      // Spans nest only under "load" (the R2 read, hash and session of a cold call), so top-level spans add up.
      const topLevel = names.filter((name) => !['r2-read', 'sha256', 'runtime-init', 'session'].includes(name))
      const other = median(
        r.worker.map(
          (sample) => (sample.spans.total ?? NaN) - topLevel.reduce((sum, name) => sum + (sample.spans[name] ?? 0), 0),
        ),
      )
      const spans = names
        .filter((name) => name !== 'load')
        .map((name) => `${name} ${spanMedian(r.worker, name).toFixed(0)}`)
      return [...spans, `other ${other.toFixed(0)}`].join(', ') + ' ms'
    }),
    row('everything but the model run, seen by the client (HTTP included), p50', (r) => {
      return `${ms(outside(r.worker))}, ${percent(shareSeenByClient(r.worker))} of the request`
    }),
    row('the same inside the Worker (Server-Timing total minus model), p50', (r) => {
      const inside = median(r.worker.map((sample) => (sample.spans.total ?? NaN) - (sample.spans.model ?? 0)))
      return `${ms(inside)}, ${percent(shareInsideWorker(r.worker))} of the Worker's time`
    }),
    row(`load at concurrency ${LOAD_CONCURRENCY.join(' / ')} (autocannon, ${LOAD_SECONDS} s each): requests/s`, (r) =>
      r.load.map((run) => run.requestsPerSecond.toFixed(1)).join(' / '),
    ),
    row("the same as a share of one isolate's limit (1000 ms / the Worker's median time per request)", (r) =>
      r.load.map((run) => `${((100 * run.requestsPerSecond) / serviceLimit(r)).toFixed(0)}%`).join(' / '),
    ),
    row(
      `load p99 at concurrency ${LOAD_CONCURRENCY.join(' / ')}`,
      (r) => r.load.map((run) => run.p99Ms).join(' / ') + ' ms',
    ),
    row('errors under load', (r) => String(r.load.reduce((sum, run) => sum + run.errors, 0))),
  ]
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)))
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}

/** Replaces the text between the markers of BENCHMARKS.md, or writes a new file with only the results. */
function writeReport(section: string): void {
  const block = `${BEGIN_MARKER}\n\n${section}\n\n${END_MARKER}`
  const current = existsSync(REPORT_PATH) ? readFileSync(REPORT_PATH, 'utf8') : ''
  const begin = current.indexOf(BEGIN_MARKER)
  const end = current.indexOf(END_MARKER)
  const text =
    begin >= 0 && end > begin
      ? current.slice(0, begin) + block + current.slice(end + END_MARKER.length)
      : `# Benchmarks\n\n${block}\n${current.replace(/^# Benchmarks\n+/, '\n')}`
  writeFileSync(REPORT_PATH, text)
}

async function main(): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'onnx-edge-bench-'))
  const registry = localRegistry()
  const cases = benchCases()
  const reference = await startReferenceServer(
    new CallPath(registry, []),
    Object.fromEntries(cases.map((bench) => [bench.path, bench.route])),
  )

  try {
    buildBundle(outDir)
    const size = bundleSize(outDir)
    const results: CaseResult[] = []
    for (const bench of cases) {
      console.log(`measuring ${bench.label}`)
      results.push(await measureCase(outDir, bench, reference.url))
    }
    console.log('measuring isolate memory')
    const memory = await measureMemory(outDir, cases)
    console.log('measuring the batch runner')
    const runner = runnerThroughput(outDir, RUNNER_LINES, RUNNER_BATCH_SIZES)

    const cpu = cpus()
    const machine =
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
      `${operatingSystem()}`
    const versions =
      `Node.js ${process.version.slice(1)}, wrangler ${packageVersion('wrangler')}, ` +
      `workerd ${packageVersion('workerd')}, miniflare ${packageVersion('miniflare')}, ` +
      `onnxruntime-web ${packageVersion('onnxruntime-web')}, onnxruntime-node ${packageVersion('onnxruntime-node')}`
    const caseTable = markdownTable(
      ['measure', ...cases.map((bench) => `\`${bench.path}\``)],
      caseRows(results).map((row) => [...row]),
    )
    const memoryTable = markdownTable(
      ['measure', 'value'],
      [
        ['HTTP round trip to the Worker, GET /v2/health/live, p50', ms(memory.httpFloorMs)],
        ['models loaded in the isolate', memory.loadedModels.join(', ')],
        [
          "ONNX Runtime's WebAssembly memory",
          `${mib(memory.runtimeMemoryBytes)} (${((100 * memory.runtimeMemoryBytes) / ISOLATE_LIMIT_BYTES).toFixed(0)}% of the 128 MiB isolate limit)`,
        ],
        [
          'workerd process RSS, after start / with every model loaded and run',
          `${mib(memory.rssBeforeBytes)} / ${mib(memory.rssAfterBytes)} (+${mib(memory.rssAfterBytes - memory.rssBeforeBytes)})`,
        ],
        ['bundle, raw / gzip', `${mib(size.rawBytes)} / ${mib(size.gzipBytes)}`],
        [
          `Node batch runner, digits from JSON, ${RUNNER_LINES} lines, CPU: items/s at batch size ${RUNNER_BATCH_SIZES.join(' / ')}`,
          RUNNER_BATCH_SIZES.map((batch) => runner.get(batch)!.toFixed(0)).join(' / '),
        ],
      ],
    )
    const section = [
      `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.`,
      '',
      `- Machine: ${machine}.`,
      `- Versions: ${versions}.`,
      `- Inputs: the first ${VAD_CLIP_SECONDS} s of \`test/data/speech-16k-mono.wav\` for \`/v1/vad\`; ` +
        '`test/data/images/face-512.jpg` for `/v1/faces`.',
      '',
      caseTable,
      '',
      memoryTable,
      '',
      'Targets:',
      '',
      markdownTable(['target', 'measured', 'met'], targetRows(results, memory, size.gzipBytes)),
    ].join('\n')

    console.log(`\n${section}\n`)
    writeReport(section)
    console.log(`wrote the results into ${REPORT_PATH}`)
  } finally {
    await reference.close()
    await registry.reset()
    rmSync(outDir, { recursive: true, force: true })
  }
}

await main()
