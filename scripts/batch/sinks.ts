import { existsSync, statSync } from 'node:fs'
import type { JobResult } from '../../schemas/jobs.ts'
import type { S3ObjectStore } from '../node/s3-store.ts'
import { ChunkWriter, type BucketJob } from './bucket-job.ts'
import type { BatchItem } from './items.ts'
import { UsageError } from './options.ts'
import { ResultsFile, isFinal, readStoredResults } from './results-file.ts'

/** Destination of results, with the items that still need to run. */
export interface ResultSink {
  /** Items without a final result, in input order. */
  pending: BatchItem[]
  /** Error entries that an earlier run stored and this run keeps. */
  keptFailures: number
  /** Results that an earlier run stored and this run keeps. */
  kept: number
  add(result: JobResult): void
  /** Flushes results, also after an interruption; returns whether every input line now has a result. */
  finish(): Promise<boolean>
}

/**
 * Opens the output file of a local run. With `resume`, lines whose stored result
 * is final are skipped and new results are appended. Without it, an existing
 * non-empty file is replaced only with `overwrite`.
 *
 * @throws {UsageError} when the file exists and neither option is given.
 */
export function fileSink(
  path: string,
  items: readonly BatchItem[],
  resume: boolean,
  overwrite: boolean,
): ResultSink & { truncatedBytes: number } {
  if (!resume && !overwrite && existsSync(path) && statSync(path).size > 0) {
    throw new UsageError(`${path} already exists; pass --resume to continue it or --overwrite to replace it`)
  }
  const stored = resume ? readStoredResults(path, items) : { byLine: new Map<number, JobResult>(), truncatedBytes: 0 }
  const keptResults = [...stored.byLine.values()].filter(isFinal)
  const keptLines = new Set(keptResults.map((result) => result.line))
  const file = new ResultsFile(path, resume)
  return {
    pending: items.filter((item) => !keptLines.has(item.line)),
    kept: keptResults.length,
    keptFailures: keptResults.filter((result) => !result.ok).length,
    truncatedBytes: stored.truncatedBytes,
    add: (result) => file.append(result),
    finish: async () => file.finish(items),
  }
}

/** Results on stdout in input order: each result waits until every earlier line's result is written. */
export function stdoutSink(items: readonly BatchItem[]): ResultSink {
  const indexOfLine = new Map(items.map((item, index) => [item.line, index]))
  const waiting = new Map<number, JobResult>()
  let next = 0
  return {
    pending: [...items],
    kept: 0,
    keptFailures: 0,
    add(result) {
      waiting.set(indexOfLine.get(result.line)!, result)
      while (waiting.has(next)) {
        process.stdout.write(JSON.stringify(waiting.get(next)) + '\n')
        waiting.delete(next++)
      }
    },
    finish: async () => next === items.length,
  }
}

/** Results of a job in the bucket, written chunk by chunk. */
export function bucketSink(store: S3ObjectStore, job: BucketJob): ResultSink {
  const writer = new ChunkWriter(store, job)
  return {
    pending: writer.pendingItems(),
    kept: job.chunks.length === 0 ? 0 : job.meta.lineCount - writer.pendingItems().length,
    // Stored chunks are not read back, so their error entries are not counted.
    keptFailures: 0,
    add: (result) => writer.add(result),
    finish: () => writer.finish(),
  }
}
