import { runJobLine, type JobLineContext } from '../../functions/jobs/line.ts'
import { CallPath } from '../../functions/runtime/call.ts'
import { EdgeError } from '../../functions/runtime/errors.ts'
import { ModelRegistry } from '../../functions/runtime/registry.ts'
import type { InferenceBackend } from '../../functions/runtime/backend.ts'
import type { ModelStore } from '../../functions/runtime/store.ts'
import type { JobResult } from '../../schemas/jobs.ts'
import { runDigitsBatch, type DigitsLine } from './digits-batch.ts'
import { invalidLineResult, type BatchItem } from './items.ts'

/** One worker of the pool: its own registry, so its own sessions, which run in parallel with the others'. */
interface Lane {
  registry: ModelRegistry
  callPath: CallPath
}

/** Settings of a {@link BatchRunner}. */
export interface RunnerOptions {
  /** Store of the manifest and models. */
  modelStore: ModelStore
  manifestKey: string
  /** Creates the inference backend of each lane. */
  createBackend: () => InferenceBackend
  /** Lanes, each with its own sessions: how many lines run at the same time. */
  concurrency: number
  /** Digits lines stacked into one model run; other functions run one line at a time. */
  batchSize: number
  /** Reading of input objects and the input limits, shared by every lane. */
  readObject: JobLineContext['readObject']
  maxAudioSeconds: number
  maxImagePixels: number
  /** Prefix of request ids in the pipelines' logs. */
  requestIdPrefix: string
  /** Called for an error that was not the line's fault, after it became an error entry. */
  onLineError?: (item: BatchItem, error: unknown) => void
}

/**
 * Builds the error entry of a line whose run failed for a reason other than its input
 * (model missing or not loadable, runtime error). A later `--resume` runs it
 * again, because its status is 500 or more.
 */
export function unexpectedFailureResult(item: BatchItem, error: unknown): JobResult {
  const status = error instanceof EdgeError ? Math.max(500, error.status) : 500
  const title = error instanceof EdgeError ? error.title : 'Line failed'
  const detail = `the line could not be run: ${error instanceof Error ? error.message : String(error)}`
  return { line: item.line, id: item.id, ok: false, error: { status, title, detail } }
}

/**
 * Runs batch items over a pool of lanes. Lanes take items from the front of
 * one queue, so results arrive roughly in input order but not exactly. Callers
 * that need input order sort by line. A lane takes up to `batchSize`
 * consecutive digits lines at once and runs them as one batch.
 */
export class BatchRunner {
  readonly #options: RunnerOptions
  readonly #lanes: Lane[]
  #stopping = false

  constructor(options: RunnerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new Error(`concurrency must be a positive integer, got ${options.concurrency}`)
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new Error(`batch size must be a positive integer, got ${options.batchSize}`)
    this.#options = options
    this.#lanes = Array.from({ length: options.concurrency }, () => {
      const registry = new ModelRegistry({
        store: options.modelStore,
        backend: options.createBackend(),
        manifestKey: options.manifestKey,
        // Models do not change while a batch runs.
        manifestTtlMs: Number.POSITIVE_INFINITY,
      })
      return { registry, callPath: new CallPath(registry, []) }
    })
  }

  /** Makes lanes stop taking new items; lines already running still finish and are reported. */
  stop(): void {
    this.#stopping = true
  }

  get stopping(): boolean {
    return this.#stopping
  }

  /**
   * Runs `items` and calls `onResult` once for each one that finishes, in
   * completion order. Resolves when every item is done or, after
   * {@link BatchRunner.stop}, when the lines in flight are done.
   */
  async run(items: readonly BatchItem[], onResult: (result: JobResult) => void): Promise<void> {
    let next = 0
    const take = (): BatchItem[] => {
      if (this.#stopping || next >= items.length) return []
      const first = items[next++]!
      const group = [first]
      if (this.#options.batchSize === 1 || !('job' in first) || first.job.function !== 'digits') return group
      while (group.length < this.#options.batchSize && next < items.length) {
        const candidate = items[next]!
        if (!('job' in candidate) || candidate.job.function !== 'digits') break
        group.push(candidate)
        next++
      }
      return group
    }

    await Promise.all(
      this.#lanes.map(async (lane) => {
        for (let group = take(); group.length > 0; group = take()) {
          for (const result of await this.#runGroup(lane, group)) onResult(result)
        }
      }),
    )
  }

  async #runGroup(lane: Lane, group: BatchItem[]): Promise<JobResult[]> {
    const { readObject, maxAudioSeconds, maxImagePixels, requestIdPrefix } = this.#options
    const context: JobLineContext = { callPath: lane.callPath, readObject, maxAudioSeconds, maxImagePixels }
    const first = group[0]!

    if (group.length > 1) {
      const lines = group.map((item) => ({ number: item.line, line: (item as { job: DigitsLine['line'] }).job }))
      try {
        return await runDigitsBatch(lines, context, lane.registry, requestIdPrefix)
      } catch (error) {
        return group.map((item) => this.#failure(item, error))
      }
    }

    if ('invalid' in first) return [invalidLineResult(first)]
    try {
      return [await runJobLine(first.job, first.line, context, `${requestIdPrefix}/${first.line}`)]
    } catch (error) {
      return [this.#failure(first, error)]
    }
  }

  #failure(item: BatchItem, error: unknown): JobResult {
    this.#options.onLineError?.(item, error)
    return unexpectedFailureResult(item, error)
  }

  /** Releases every lane's sessions. */
  async close(): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.registry.reset()))
  }
}
