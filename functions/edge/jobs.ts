import { jobMetaSchema, jobResultSchema, type JobMeta, type JobResult } from '../../schemas/jobs.ts'
import { failedLineResult, parseJobLines, runJobLine, type JobLineContext } from '../jobs/line.ts'
import {
  DEFAULT_CHUNK_SIZE,
  JOBS_PREFIX,
  jobChunkResultKey,
  jobInputKey,
  jobMetaKey,
  jobResultsPrefix,
} from '../jobs/layout.ts'
import { ConflictError, InvalidInputError, ModelUnavailableError, NotFoundError } from '../runtime/errors.ts'
import { describeError, logEvent } from '../runtime/log.ts'
import type { EdgeRuntime } from './runtime.ts'

/** Body of one queue message: one chunk of one job. */
export interface ChunkMessage {
  jobId: string
  chunk: number
}

/** Attempts after which a failing chunk is recorded as failed instead of retried (the consumer's max_retries + 1). */
export const MAX_CHUNK_ATTEMPTS = 4

/** Largest number of invalid lines listed in the error for an upload. */
const MAX_LISTED_INVALID_LINES = 50

const encoder = new TextEncoder()

async function readJson<T>(bucket: R2Bucket, key: string, parse: (value: unknown) => T): Promise<T | null> {
  const object = await bucket.get(key)
  return object ? parse(await object.json()) : null
}

/**
 * Reads a job's metadata.
 *
 * @throws {NotFoundError} when there is no job with that id.
 */
export async function readJobMeta(bucket: R2Bucket, id: string): Promise<JobMeta> {
  const meta = await readJson(bucket, jobMetaKey(id), (value) => jobMetaSchema.parse(value))
  if (!meta)
    throw new NotFoundError(`no job with id "${id}"`, { field: 'id', accepted: 'an id returned by POST /v1/jobs' })
  return meta
}

/**
 * Stores an uploaded JSONL job after validating every line. Any invalid line
 * rejects the whole upload, listing the invalid lines by number, so that a job
 * never starts from input it cannot read.
 */
export async function createJob(bucket: R2Bucket, text: string, runner: JobMeta['runner']): Promise<JobMeta> {
  const parsed = parseJobLines(text)
  if (parsed.invalid.length > 0) {
    const invalidParams = parsed.invalid.slice(0, MAX_LISTED_INVALID_LINES).map((entry) => ({
      name: `body.line.${entry.line}${entry.field ? `.${entry.field}` : ''}`,
      reason: entry.reason,
    }))
    throw new InvalidInputError(
      `${parsed.invalid.length} of ${parsed.invalid.length + parsed.lines.length} job lines are invalid; the first is line ${parsed.invalid[0]!.line}`,
      {
        field: invalidParams[0]!.name,
        invalidParams,
        accepted: 'one JSON job line per line, as in the OpenAPI schema',
      },
    )
  }
  if (parsed.lines.length === 0) {
    throw new InvalidInputError('the job has no lines', { field: 'body', accepted: 'one or more JSON job lines' })
  }

  const meta: JobMeta = {
    id: crypto.randomUUID(),
    createdAt: new Date().toISOString(),
    runner,
    state: 'pending',
    lineCount: parsed.lines.length,
    chunkSize: DEFAULT_CHUNK_SIZE,
    chunkCount: Math.ceil(parsed.lines.length / DEFAULT_CHUNK_SIZE),
  }
  await bucket.put(jobInputKey(meta.id), text, { httpMetadata: { contentType: 'application/jsonl' } })
  await bucket.put(jobMetaKey(meta.id), JSON.stringify(meta), { httpMetadata: { contentType: 'application/json' } })
  logEvent('info', 'job_created', { jobId: meta.id, lines: meta.lineCount, chunks: meta.chunkCount, runner })
  return meta
}

/** Numbers of the chunks whose results are stored. */
async function finishedChunks(bucket: R2Bucket, id: string): Promise<number[]> {
  const chunks: number[] = []
  let cursor: string | undefined
  do {
    const page = await bucket.list({ prefix: jobResultsPrefix(id), cursor })
    for (const object of page.objects) chunks.push(Number(object.key.slice(-12, -6)))
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
  return chunks
}

/** Status of a job with counts: chunks and lines with stored results. */
export async function jobStatus(bucket: R2Bucket, id: string) {
  const meta = await readJobMeta(bucket, id)
  const done = await finishedChunks(bucket, id)
  const lastChunkLines = meta.lineCount - (meta.chunkCount - 1) * meta.chunkSize
  const linesDone = done.reduce(
    (sum, chunk) => sum + (chunk === meta.chunkCount - 1 ? lastChunkLines : meta.chunkSize),
    0,
  )
  return { ...meta, chunksDone: done.length, linesDone }
}

/**
 * Fans out every pending edge job: one queue message per chunk, then marks the
 * job dispatched. Jobs for the GPU runner are left in R2. Sending again is
 * harmless, because a chunk whose results exist is skipped.
 */
export async function dispatchPendingJobs(bucket: R2Bucket, queue: Queue<ChunkMessage>): Promise<number> {
  let dispatched = 0
  let cursor: string | undefined
  do {
    const page = await bucket.list({ prefix: JOBS_PREFIX, cursor, delimiter: '/' })
    for (const prefix of page.delimitedPrefixes) {
      const id = prefix.slice(JOBS_PREFIX.length, -1)
      const meta = await readJson(bucket, jobMetaKey(id), (value) => jobMetaSchema.parse(value))
      if (!meta || meta.state !== 'pending' || meta.runner !== 'edge') continue

      const messages = Array.from({ length: meta.chunkCount }, (_, chunk) => ({ body: { jobId: id, chunk } }))
      for (let start = 0; start < messages.length; start += 100)
        await queue.sendBatch(messages.slice(start, start + 100))
      await bucket.put(jobMetaKey(id), JSON.stringify({ ...meta, state: 'dispatched' }))
      logEvent('info', 'job_dispatched', { jobId: id, chunks: meta.chunkCount })
      dispatched++
    }
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
  return dispatched
}

/** Seconds before retry `attempt` (1-based) of a failed chunk: 10, 20, 40, … up to 5 minutes. */
function retryDelaySeconds(attempt: number): number {
  return Math.min(300, 10 * 2 ** (attempt - 1))
}

/**
 * Runs one chunk and writes its results once. A chunk whose results exist (a
 * second delivery) is skipped. A failure that is not the lines' fault is retried
 * with backoff and, after {@link MAX_CHUNK_ATTEMPTS}, recorded as one error entry
 * per line, so every job ends with exactly one entry per input line.
 */
export async function processChunk(
  runtime: EdgeRuntime,
  bucket: R2Bucket,
  message: Message<ChunkMessage>,
): Promise<void> {
  const { jobId, chunk } = message.body
  const resultKey = jobChunkResultKey(jobId, chunk)
  if (await bucket.head(resultKey)) {
    logEvent('info', 'chunk_duplicate', { jobId, chunk })
    message.ack()
    return
  }

  const meta = await readJobMeta(bucket, jobId)
  // NOTE: every chunk reads and parses the whole input.jsonl, and after writing
  // lists every result object, so a job's cost grows with the square of its chunk
  // count. Fine for jobs of a few hundred chunks; per-chunk input objects would fix it.
  const input = await bucket.get(jobInputKey(jobId))
  if (!input) throw new ModelUnavailableError(`the input of job "${jobId}" is missing`)
  const lines = parseJobLines(await input.text()).lines.slice(chunk * meta.chunkSize, (chunk + 1) * meta.chunkSize)

  const context: JobLineContext = {
    callPath: runtime.callPath,
    readObject: async (key) => {
      const object = await bucket.get(key)
      return object ? new Uint8Array(await object.arrayBuffer()) : null
    },
    maxAudioSeconds: runtime.config.MAX_AUDIO_SECONDS,
    maxImagePixels: runtime.config.MAX_IMAGE_PIXELS,
  }

  let results: JobResult[]
  try {
    results = []
    for (const { number, line } of lines) {
      results.push(await runJobLine(line, number, context, `${jobId}/${number}`))
    }
  } catch (error) {
    if (message.attempts < MAX_CHUNK_ATTEMPTS) {
      const delaySeconds = retryDelaySeconds(message.attempts)
      logEvent('warn', 'chunk_retry', {
        jobId,
        chunk,
        attempt: message.attempts,
        delaySeconds,
        error: describeError(error),
      })
      message.retry({ delaySeconds })
      return
    }
    logEvent('error', 'chunk_failed', { jobId, chunk, attempts: message.attempts, error: describeError(error) })
    const reason = error instanceof Error ? error.message : String(error)
    results = lines.map(({ number, line }) => failedLineResult(number, line.id, reason))
  }

  const body = results.map((result) => JSON.stringify(jobResultSchema.parse(result))).join('\n') + '\n'
  // If-None-Match: * makes the write conditional, so two deliveries of one chunk
  // running at the same time still store its results only once.
  const written = await bucket.put(resultKey, encoder.encode(body), {
    httpMetadata: { contentType: 'application/jsonl' },
    onlyIf: new Headers({ 'If-None-Match': '*' }),
  })
  if (!written) logEvent('info', 'chunk_duplicate', { jobId, chunk })
  message.ack()

  if ((await finishedChunks(bucket, jobId)).length === meta.chunkCount) {
    await bucket.put(jobMetaKey(jobId), JSON.stringify({ ...meta, state: 'done' }))
    logEvent('info', 'job_done', { jobId, lines: meta.lineCount })
  }
}

/**
 * Streams a finished job's results as JSONL in input order, chunk by chunk.
 *
 * @throws {ConflictError} while chunks are still running.
 */
export async function jobResultsStream(bucket: R2Bucket, id: string): Promise<ReadableStream<Uint8Array>> {
  const status = await jobStatus(bucket, id)
  if (status.chunksDone < status.chunkCount) {
    throw new ConflictError(
      `job "${id}" is not finished: ${status.linesDone} of ${status.lineCount} lines have results`,
      {
        field: 'id',
        accepted: 'a finished job; poll GET /v1/jobs/{id} until its state is "done"',
      },
    )
  }

  let chunk = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (chunk >= status.chunkCount) {
        controller.close()
        return
      }
      const object = await bucket.get(jobChunkResultKey(id, chunk++))
      controller.enqueue(object ? new Uint8Array(await object.arrayBuffer()) : encoder.encode(''))
    },
  })
}
