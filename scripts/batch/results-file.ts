import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { jobResultSchema, type JobResult } from '../../schemas/jobs.ts'
import type { BatchItem } from './items.ts'

/**
 * Tells whether a stored result is final. Error entries with status 500 or
 * more (model unavailable, runtime failure) are not the line's fault, so a
 * resumed run tries those lines again. Other entries are kept.
 */
export function isFinal(result: JobResult): boolean {
  return result.ok || result.error.status < 500
}

/** Results already in an output file, by line number (the last entry of a line wins). */
export interface StoredResults {
  byLine: Map<number, JobResult>
  /** Bytes of a trailing incomplete line that was cut off, from a run killed mid-write. */
  truncatedBytes: number
}

/**
 * Reads the results of an earlier run of the same input and checks that they
 * belong to it: every entry's line must be an input line, with the same id.
 * A trailing line without a newline is removed from the file.
 *
 * @throws {Error} naming the output line that is not a valid result or does not match the input.
 */
export function readStoredResults(path: string, items: readonly BatchItem[]): StoredResults {
  const byLine = new Map<number, JobResult>()
  if (!existsSync(path)) return { byLine, truncatedBytes: 0 }

  const text = readFileSync(path, 'utf8')
  const complete = text.lastIndexOf('\n') + 1
  const truncatedBytes = Buffer.byteLength(text.slice(complete))
  if (truncatedBytes > 0) truncateSync(path, Buffer.byteLength(text.slice(0, complete)))

  const itemsByLine = new Map(items.map((item) => [item.line, item]))
  text
    .slice(0, complete)
    .split('\n')
    .forEach((raw, index) => {
      if (raw.trim() === '') return
      const where = `${path} line ${index + 1}`
      let parsed
      try {
        parsed = jobResultSchema.safeParse(JSON.parse(raw))
      } catch (error) {
        throw new Error(`${where} is not valid JSON (${(error as Error).message}); remove it or write to a new file`)
      }
      if (!parsed.success) throw new Error(`${where} is not a valid result entry: ${parsed.error.issues[0]?.message}`)
      const result = parsed.data
      const item = itemsByLine.get(result.line)
      if (!item || item.id !== result.id) {
        throw new Error(
          `${where} has the result of input line ${result.line} with id ${JSON.stringify(result.id)}, ` +
            `which this input does not contain; resume only with the input that produced the file`,
        )
      }
      byLine.set(result.line, result)
    })
  return { byLine, truncatedBytes }
}

/**
 * Output JSONL file of a local run. Each result is appended with one
 * synchronous write of a whole line as soon as it is known, so that an
 * interrupted run leaves only complete lines. {@link ResultsFile.finish} then
 * rewrites the file in input order with one entry per line, when it is not
 * already so.
 */
export class ResultsFile {
  readonly #path: string
  #fd: number | undefined

  /** Opens `path` for appending, or replaces it when `append` is false. */
  constructor(path: string, append: boolean) {
    this.#path = path
    this.#fd = openSync(path, append ? 'a' : 'w')
  }

  append(result: JobResult): void {
    if (this.#fd === undefined) throw new Error(`${this.#path} is already closed`)
    writeSync(this.#fd, JSON.stringify(result) + '\n')
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd)
    this.#fd = undefined
  }

  /**
   * Closes the file and, when every item has a result, rewrites it in input
   * order with the last entry of each line, through a temporary file and a
   * rename so that it is never left half-written. Returns false, leaving the
   * file as it is, when some item has no result yet.
   */
  finish(items: readonly BatchItem[]): boolean {
    this.close()
    const lines = readFileSync(this.#path, 'utf8')
      .split('\n')
      .filter((raw) => raw.trim() !== '')
    const byLine = new Map<number, string>()
    for (const raw of lines) byLine.set((JSON.parse(raw) as JobResult).line, raw)
    if (!items.every((item) => byLine.has(item.line))) return false

    const ordered = items.map((item) => byLine.get(item.line)!)
    if (ordered.length === lines.length && ordered.every((raw, index) => raw === lines[index])) return true
    const temporary = `${this.#path}.tmp-${process.pid}`
    writeFileSync(temporary, ordered.join('\n') + '\n')
    renameSync(temporary, this.#path)
    return true
  }
}
