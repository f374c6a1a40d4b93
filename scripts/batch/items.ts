import { readFileSync, readdirSync } from 'node:fs'
import { extname } from 'node:path'
import { parseJobLines } from '../../functions/jobs/line.ts'
import { jobLineSchema, type JobLine, type JobResult } from '../../schemas/jobs.ts'

/** Functions the runner can run, as named in job lines. */
export const FUNCTIONS = ['vad', 'faces', 'digits'] as const
export type FunctionName = (typeof FUNCTIONS)[number]

/** File extensions that folder input accepts for each function (lower case). */
export const FOLDER_EXTENSIONS: Record<FunctionName, readonly string[]> = {
  vad: ['.wav'],
  faces: ['.png', '.jpg', '.jpeg'],
  digits: ['.png', '.jpg', '.jpeg'],
}

/**
 * One input line of a batch: a valid job line to run, or an invalid one that
 * becomes an error entry without running. `line` is 1-based, as in the results.
 */
export type BatchItem =
  | { line: number; id?: string; job: JobLine }
  | { line: number; id?: string; invalid: { field: string; reason: string } }

/** Builds the error entry of an input line that failed validation. */
export function invalidLineResult(item: Extract<BatchItem, { invalid: unknown }>): JobResult {
  const { field, reason } = item.invalid
  const detail = `line ${item.line} is not a valid job line: ${reason}`
  return {
    line: item.line,
    id: item.id,
    ok: false,
    error: { status: 400, title: 'Invalid job line', detail, field: field || undefined },
  }
}

/**
 * Turns every file of `folder` (not its subfolders) whose extension `fn` takes
 * into one job line, sorted by name, with the file name as object key and id.
 * Hidden files and files of other types are skipped; their count is returned.
 */
export function folderItems(folder: string, fn: FunctionName): { items: BatchItem[]; skipped: string[] } {
  const extensions = FOLDER_EXTENSIONS[fn]
  const names = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort()
  const items: BatchItem[] = []
  const skipped: string[] = []
  for (const name of names) {
    if (name.startsWith('.') || !extensions.includes(extname(name).toLowerCase())) {
      skipped.push(name)
      continue
    }
    const job = jobLineSchema.parse({ function: fn, id: name, input: { key: name } })
    items.push({ line: items.length + 1, id: name, job })
  }
  return { items, skipped }
}

/** Best-effort id of an invalid line, so its error entry can carry it. */
function idOf(raw: string | undefined): string | undefined {
  try {
    const value = JSON.parse(raw ?? '') as { id?: unknown }
    return typeof value?.id === 'string' ? value.id : undefined
  } catch {
    return undefined
  }
}

/**
 * Validates a JSONL job with {@link parseJobLines}. Invalid lines stay in the
 * batch as items that become error entries. Blank lines are skipped but
 * counted, so line numbers are those of the file.
 */
export function jsonlItems(text: string): BatchItem[] {
  const parsed = parseJobLines(text)
  const rawLines = text.split('\n')
  const items: BatchItem[] = [
    ...parsed.lines.map(({ number, line }) => ({ line: number, id: line.id, job: line })),
    ...parsed.invalid.map(({ line, field, reason }) => ({
      line,
      id: idOf(rawLines[line - 1]),
      invalid: { field, reason },
    })),
  ]
  return items.sort((a, b) => a.line - b.line)
}

/** Reads and validates a JSONL job file. */
export function jsonlFileItems(path: string): BatchItem[] {
  return jsonlItems(readFileSync(path, 'utf8'))
}
