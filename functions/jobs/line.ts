import type { z } from 'zod'
import { jobLineSchema, type JobLine, type JobResult } from '../../schemas/jobs.ts'
import type { DigitsInput } from '../digits/pipeline.ts'
import { digitsFunction } from '../digits/pipeline.ts'
import { facesFunction } from '../faces/pipeline.ts'
import type { ImageMediaType } from '../image/decode.ts'
import type { CallPath } from '../runtime/call.ts'
import { EdgeError, InvalidInputError, UnsupportedMediaTypeError } from '../runtime/errors.ts'
import { vadFunction } from '../vad/pipeline.ts'

/** Dependencies of running a job line: the call path, the input objects and the limits. */
export interface JobLineContext {
  callPath: CallPath
  /** Reads an input object by key; null when there is none. */
  readObject(key: string): Promise<Uint8Array | null>
  maxAudioSeconds: number
  maxImagePixels: number
}

/** A parsed JSONL job: its valid lines with their 1-based numbers, and the invalid ones with the reason. */
export interface ParsedJob {
  lines: Array<{ number: number; line: JobLine }>
  invalid: Array<{ line: number; field: string; reason: string }>
}

/**
 * Parses a JSONL job body line by line with {@link jobLineSchema}. Blank lines
 * are skipped but still counted, so line numbers match the uploaded file.
 */
export function parseJobLines(text: string): ParsedJob {
  const parsed: ParsedJob = { lines: [], invalid: [] }
  text.split('\n').forEach((raw, index) => {
    const number = index + 1
    if (raw.trim() === '') return
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch (error) {
      parsed.invalid.push({ line: number, field: '', reason: `not valid JSON: ${(error as Error).message}` })
      return
    }
    const result = jobLineSchema.safeParse(json)
    if (result.success) parsed.lines.push({ number, line: result.data })
    else {
      const { path, message } = innermostIssue(result.error.issues[0]!)
      parsed.invalid.push({ line: number, field: path.join('.'), reason: message })
    }
  })
  return parsed
}

/**
 * Follows a union's issue into the alternative that came closest (the one with
 * the fewest issues), so the reason names a field instead of "Invalid input".
 */
function innermostIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue
  const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best))
  const inner = innermostIssue(closest[0]!)
  return { path: [...issue.path, ...inner.path], message: inner.message }
}

function mediaTypeOf(key: string, given: ImageMediaType | undefined): ImageMediaType {
  if (given) return given
  if (/\.png$/i.test(key)) return 'image/png'
  if (/\.jpe?g$/i.test(key)) return 'image/jpeg'
  throw new UnsupportedMediaTypeError(
    `the image type of "${key}" is unknown: its name does not end in .png, .jpg or .jpeg`,
    {
      field: 'input.mediaType',
      accepted: 'a key ending in .png, .jpg or .jpeg, or "mediaType": "image/png" or "image/jpeg"',
    },
  )
}

async function readInput(context: JobLineContext, key: string): Promise<Uint8Array> {
  const bytes = await context.readObject(key)
  if (!bytes) {
    throw new InvalidInputError(`no input object with key "${key}"`, {
      field: 'input.key',
      accepted: 'the key of an uploaded audio or image file',
    })
  }
  return bytes
}

async function imageOf(
  context: JobLineContext,
  input: { key: string; mediaType?: ImageMediaType } | { imageBase64: string; mediaType: ImageMediaType },
): Promise<{ bytes: Uint8Array; mediaType: ImageMediaType }> {
  if ('key' in input)
    return { bytes: await readInput(context, input.key), mediaType: mediaTypeOf(input.key, input.mediaType) }
  return { bytes: Uint8Array.from(atob(input.imageBase64), (char) => char.charCodeAt(0)), mediaType: input.mediaType }
}

async function callLine(line: JobLine, context: JobLineContext, requestId: string): Promise<unknown> {
  const { callPath } = context
  switch (line.function) {
    case 'vad': {
      const { maxAudioSeconds } = context
      if ('key' in line.input) {
        const { key, ...params } = line.input
        const bytes = await readInput(context, key)
        return (await callPath.call(vadFunction, { kind: 'wav', bytes, params, maxAudioSeconds }, requestId)).output
      }
      const { samples, sampleRateHz, ...params } = line.input
      const audio = { samples: Float32Array.from(samples), sampleRateHz }
      return (await callPath.call(vadFunction, { kind: 'samples', audio, params, maxAudioSeconds }, requestId)).output
    }
    case 'faces': {
      const { minScore = 0.5, maxFaces = 10, iouThreshold = 0.3 } = line.input
      const image = await imageOf(context, line.input)
      const input = { ...image, params: { minScore, maxFaces, iouThreshold }, maxImagePixels: context.maxImagePixels }
      return (await callPath.call(facesFunction, input, requestId)).output
    }
    case 'digits': {
      let input: DigitsInput
      if ('pixels' in line.input) input = { kind: 'pixels', pixels: Float32Array.from(line.input.pixels) }
      else input = { kind: 'image', ...(await imageOf(context, line.input)), maxImagePixels: context.maxImagePixels }
      return (await callPath.call(digitsFunction, input, requestId)).output
    }
  }
}

/**
 * Runs one job line through the call path and returns its result entry. A
 * failure of the line itself (bad input, broken file) becomes an error entry.
 * Other failures (a model unavailable, an unexpected error) are thrown, because
 * retrying the chunk may fix them.
 */
export async function runJobLine(
  line: JobLine,
  lineNumber: number,
  context: JobLineContext,
  requestId: string,
): Promise<JobResult> {
  try {
    const output = await callLine(line, context, requestId)
    return { line: lineNumber, id: line.id, ok: true, output }
  } catch (error) {
    if (error instanceof EdgeError && error.status < 500) {
      const { status, title, message, field } = error
      return { line: lineNumber, id: line.id, ok: false, error: { status, title, detail: message, field } }
    }
    throw error
  }
}

/** Builds the error entry recorded for a line whose chunk failed on every attempt. */
export function failedLineResult(lineNumber: number, id: string | undefined, reason: string): JobResult {
  return {
    line: lineNumber,
    id,
    ok: false,
    error: { status: 503, title: 'Chunk failed', detail: `the line was not processed after every retry: ${reason}` },
  }
}
