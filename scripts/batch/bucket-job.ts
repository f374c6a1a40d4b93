import { parseJobLines } from '../../functions/jobs/line.ts'
import { jobChunkResultKey, jobInputKey, jobMetaKey } from '../../functions/jobs/layout.ts'
import { jobMetaSchema, jobResultSchema, type JobMeta, type JobResult } from '../../schemas/jobs.ts'
import type { S3ObjectStore } from '../node/s3-store.ts'
import type { BatchItem } from './items.ts'

/** A stored job: its metadata, its lines split into chunks as the Worker splits them, and the chunks still to run. */
export interface BucketJob {
  meta: JobMeta
  chunks: BatchItem[][]
  pendingChunks: number[]
}

async function readText(store: S3ObjectStore, key: string): Promise<string> {
  const object = await store.get(key)
  if (!object) throw new Error(`the bucket has no object "${key}"`)
  return new TextDecoder().decode(object.bytes)
}

/**
 * Reads `jobs/{id}/job.json` and `jobs/{id}/input.jsonl`, splits the valid
 * lines into chunks of `chunkSize` as the Worker's queue consumer does, and
 * checks which chunks already have a results object.
 *
 * @throws {Error} when the job is missing, meant for the Worker, or its input
 *   has invalid lines (uploads with invalid lines are rejected, so the input was
 *   changed after upload).
 */
export async function loadBucketJob(store: S3ObjectStore, id: string): Promise<BucketJob> {
  const metaText = await readText(store, jobMetaKey(id))
  const parsedMeta = jobMetaSchema.safeParse(JSON.parse(metaText))
  if (!parsedMeta.success) {
    throw new Error(`${jobMetaKey(id)} is not valid job metadata: ${parsedMeta.error.issues[0]?.message}`)
  }
  const meta = parsedMeta.data
  if (meta.runner !== 'gpu') {
    throw new Error(`job "${id}" has runner "${meta.runner}", so the Worker's queue runs it; only "gpu" jobs run here`)
  }

  const parsed = parseJobLines(await readText(store, jobInputKey(id)))
  if (parsed.invalid.length > 0) {
    const first = parsed.invalid[0]!
    throw new Error(
      `${jobInputKey(id)} has ${parsed.invalid.length} invalid lines; line ${first.line}: ${first.reason}`,
    )
  }
  if (parsed.lines.length !== meta.lineCount) {
    throw new Error(`${jobInputKey(id)} has ${parsed.lines.length} lines but job.json records ${meta.lineCount}`)
  }

  const items: BatchItem[] = parsed.lines.map(({ number, line }) => ({ line: number, id: line.id, job: line }))
  const chunks: BatchItem[][] = []
  for (let start = 0; start < items.length; start += meta.chunkSize)
    chunks.push(items.slice(start, start + meta.chunkSize))
  if (chunks.length !== meta.chunkCount) {
    throw new Error(
      `job "${id}" splits into ${chunks.length} chunks of ${meta.chunkSize} lines but job.json records ${meta.chunkCount}`,
    )
  }

  const pendingChunks: number[] = []
  for (let chunk = 0; chunk < chunks.length; chunk++) {
    if (!(await store.has(jobChunkResultKey(id, chunk)))) pendingChunks.push(chunk)
  }
  return { meta, chunks, pendingChunks }
}

/** Serialises a chunk's results object: one entry per line in input order, each on its own line. */
export function chunkBody(results: readonly JobResult[]): string {
  return results.map((result) => JSON.stringify(jobResultSchema.parse(result))).join('\n') + '\n'
}

/**
 * Collects results by chunk and writes each chunk's object once all its lines
 * have results, so a chunk object is never partial. Chunks cut short by an
 * interruption are not written and run again next time.
 */
export class ChunkWriter {
  readonly #store: S3ObjectStore
  readonly #job: BucketJob
  readonly #chunkOfLine = new Map<number, number>()
  readonly #results = new Map<number, Map<number, JobResult>>()
  readonly #writes: Array<Promise<void>> = []
  readonly #writeErrors: unknown[] = []
  #written = 0

  constructor(store: S3ObjectStore, job: BucketJob) {
    this.#store = store
    this.#job = job
    for (const chunk of job.pendingChunks) {
      for (const item of job.chunks[chunk]!) this.#chunkOfLine.set(item.line, chunk)
    }
  }

  /** Items of the chunks that have no results object yet, in input order. */
  pendingItems(): BatchItem[] {
    return this.#job.pendingChunks.flatMap((chunk) => this.#job.chunks[chunk]!)
  }

  add(result: JobResult): void {
    const chunk = this.#chunkOfLine.get(result.line)
    if (chunk === undefined)
      throw new Error(`line ${result.line} belongs to no pending chunk of job "${this.#job.meta.id}"`)
    const results = this.#results.get(chunk) ?? new Map<number, JobResult>()
    this.#results.set(chunk, results)
    results.set(result.line, result)

    const items = this.#job.chunks[chunk]!
    if (results.size < items.length) return
    const ordered = items.map((item) => results.get(item.line)!)
    const key = jobChunkResultKey(this.#job.meta.id, chunk)
    const write = this.#store.put(key, chunkBody(ordered), 'application/jsonl').then(
      () => void this.#written++,
      (error: unknown) => void this.#writeErrors.push(error),
    )
    this.#writes.push(write)
  }

  /**
   * Waits for the chunk writes, then marks job.json `state: "done"` when every
   * chunk has results. Returns whether the job is done.
   *
   * @throws {Error} the first failed chunk write, after every write has settled.
   */
  async finish(): Promise<boolean> {
    await Promise.all(this.#writes)
    if (this.#writeErrors.length > 0) throw this.#writeErrors[0]
    if (this.#written < this.#job.pendingChunks.length) return false
    const meta = jobMetaSchema.parse(JSON.parse(await readText(this.#store, jobMetaKey(this.#job.meta.id))))
    await this.#store.put(jobMetaKey(meta.id), JSON.stringify({ ...meta, state: 'done' }), 'application/json')
    return true
  }
}
