/**
 * `npm run batch`: runs the vad, faces and digits pipelines over many inputs
 * with onnxruntime-node: a folder of files, a JSONL job file, or a job stored in
 * an S3-compatible bucket. `--help` lists the options; scripts/batch/options.ts
 * defines them.
 */
import { LOCAL_MANIFEST_KEY, localModelStore } from './node/local-models.ts'
import { resolve, sep } from 'node:path'
import { format } from 'node:util'
import { describeError } from '../functions/runtime/log.ts'
import type { JobLineContext } from '../functions/jobs/line.ts'
import { chooseDevice, readProbeModel } from './batch/device.ts'
import { loadBucketJob } from './batch/bucket-job.ts'
import { folderItems, jsonlFileItems, type BatchItem } from './batch/items.ts'
import { USAGE, UsageError, parseBatchOptions, type BatchOptions } from './batch/options.ts'
import { Progress } from './batch/progress.ts'
import { BatchRunner } from './batch/runner.ts'
import { bucketSink, fileSink, stdoutSink, type ResultSink } from './batch/sinks.ts'
import { FileModelStore } from './node/file-store.ts'
import { OrtNodeBackend } from './node/ort-node-backend.ts'
import { S3ObjectStore, s3OptionsFromEnv } from './node/s3-store.ts'

const EXIT_FAILED_LINES = 1
const EXIT_USAGE = 2
const EXIT_INTERRUPTED = 130
/** Unexpected line failures logged in full; later ones are only counted. */
const MAX_LOGGED_FAILURES = 5

let progress: Progress | undefined

/** Writes a message line to stderr, above the progress bar when there is one. */
function log(message: string): void {
  if (progress) progress.log(message)
  else process.stderr.write(`${message}\n`)
}

/** Sends the pipelines' console logs to stderr, because stdout may carry results. */
function routeConsoleToStderr(): void {
  for (const method of ['log', 'info', 'warn', 'error'] as const) {
    console[method] = (...args: unknown[]) => log(format(...args))
  }
}

/** Reads input objects from a folder; keys that lead outside it are treated as missing. */
function folderReader(root: string): JobLineContext['readObject'] {
  const store = new FileModelStore(root)
  const rootPrefix = resolve(root) + sep
  return async (key) => {
    if (!resolve(root, key).startsWith(rootPrefix)) return null
    return (await store.get(key))?.bytes ?? null
  }
}

interface Prepared {
  items: BatchItem[]
  sink: ResultSink
  readObject: JobLineContext['readObject']
  describe: string
}

async function prepare(options: BatchOptions): Promise<Prepared> {
  const { source } = options
  if (source.kind === 'bucket') {
    const store = new S3ObjectStore(s3OptionsFromEnv(process.env, source.bucket))
    const job = await loadBucketJob(store, source.jobId)
    const items = job.chunks.flat()
    log(
      `job ${source.jobId}: ${items.length} lines in ${job.meta.chunkCount} chunks, ` +
        `${job.pendingChunks.length} chunks without results`,
    )
    return {
      items,
      sink: bucketSink(store, job),
      readObject: async (key) => (await store.get(key))?.bytes ?? null,
      describe: `job ${source.jobId}`,
    }
  }

  let items: BatchItem[]
  let root: string
  if (source.kind === 'folder') {
    const listed = folderItems(source.folder, source.fn)
    items = listed.items
    root = source.folder
    if (listed.skipped.length > 0) {
      log(
        `skipping ${listed.skipped.length} files that ${source.fn} does not take: ${listed.skipped.slice(0, 5).join(', ')}`,
      )
    }
  } else {
    items = jsonlFileItems(source.file)
    root = source.objectsDir
    for (const item of items) {
      if ('invalid' in item) log(`line ${item.line} is invalid: ${item.invalid.reason} (field "${item.invalid.field}")`)
    }
  }

  const sink =
    options.output === '-' ? stdoutSink(items) : fileSink(options.output!, items, options.resume, options.overwrite)
  if ('truncatedBytes' in sink && typeof sink.truncatedBytes === 'number' && sink.truncatedBytes > 0) {
    log(`removed an incomplete last line of ${sink.truncatedBytes} bytes from ${options.output}`)
  }
  return {
    items,
    sink,
    readObject: folderReader(root),
    describe: source.kind === 'folder' ? source.folder : source.file,
  }
}

async function run(options: BatchOptions): Promise<number> {
  const choice = await chooseDevice(options.device, readProbeModel())
  for (const probe of choice.probes) {
    if (!probe.ok) log(`device ${probe.provider} not available: ${probe.reason}`)
  }
  log(`device: ${choice.provider} (--device ${options.device})`)

  const { items, sink, readObject, describe } = await prepare(options)
  let pending = sink.pending
  if (sink.kept > 0) log(`resuming: ${sink.kept} of ${items.length} lines already have results`)
  const limited = options.limit !== undefined && options.limit < pending.length
  if (limited) pending = pending.slice(0, options.limit)
  log(
    `running ${pending.length} lines from ${describe} with batch size ${options.batchSize}, ` +
      `concurrency ${options.concurrency}, ${options.threads} intra-op threads per session`,
  )

  let unexpectedFailures = 0
  const runner = new BatchRunner({
    modelStore: localModelStore(),
    manifestKey: LOCAL_MANIFEST_KEY,
    createBackend: () =>
      new OrtNodeBackend({ intraOpNumThreads: options.threads, executionProviders: [choice.provider] }),
    concurrency: options.concurrency,
    batchSize: options.batchSize,
    readObject,
    maxAudioSeconds: options.maxAudioSeconds,
    maxImagePixels: options.maxImagePixels,
    requestIdPrefix: 'batch',
    onLineError: (item, error) => {
      unexpectedFailures++
      if (unexpectedFailures <= MAX_LOGGED_FAILURES) log(`line ${item.line} failed: ${describeError(error)}`)
      else if (unexpectedFailures === MAX_LOGGED_FAILURES + 1) log('more lines failed; see their error entries')
    },
  })

  let interrupted = false
  const onSigint = () => {
    if (interrupted) {
      log('second interrupt: exiting now; the output keeps only complete lines')
      process.exit(EXIT_INTERRUPTED)
    }
    interrupted = true
    runner.stop()
    log('interrupted: finishing the lines in flight; run again with --resume to continue')
  }
  process.on('SIGINT', onSigint)

  progress = new Progress(pending.length)
  try {
    await runner.run(pending, (result) => {
      sink.add(result)
      progress!.tick(result.ok)
    })
  } finally {
    progress.end()
    await runner.close()
  }
  const complete = await sink.finish()
  process.off('SIGINT', onSigint)

  const { done, failed, elapsedS } = progress
  progress = undefined
  const rate = done / Math.max(elapsedS, 1e-3)
  log(
    `summary: ${done} items, ${done - failed} ok, ${failed} failed, ${elapsedS.toFixed(1)} s, ` +
      `${rate.toFixed(1)} items/s, device ${choice.provider}` +
      (sink.kept > 0 ? `; ${sink.kept} kept from an earlier run (${sink.keptFailures} failed)` : ''),
  )
  if (interrupted) return EXIT_INTERRUPTED
  if (!complete) log(`stopped before the end${limited ? ` (--limit ${options.limit})` : ''}; run again with --resume`)
  return failed + sink.keptFailures > 0 ? EXIT_FAILED_LINES : 0
}

async function main(): Promise<number> {
  let options: BatchOptions | undefined
  try {
    options = parseBatchOptions(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    log(`${error.message}\nRun with --help for the options.`)
    return EXIT_USAGE
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }

  routeConsoleToStderr()
  try {
    return await run(options)
  } catch (error) {
    log(`batch failed: ${error instanceof UsageError ? error.message : describeError(error)}`)
    return EXIT_USAGE
  }
}

process.exitCode = await main()
