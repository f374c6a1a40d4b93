import type { Context } from 'hono'
import type { z } from 'zod'
import type { Problem } from '../../schemas/problem.ts'
import { EdgeError, InvalidInputError } from '../runtime/errors.ts'
import { describeError, logEvent } from '../runtime/log.ts'

/** Media type of every error response (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

/** Invalid parameters listed in one problem response at most. */
const MAX_INVALID_PARAMS = 20

function problemType(title: string): string {
  return `urn:onnx-edge:problem:${title.toLowerCase().replaceAll(' ', '-')}`
}

/**
 * Converts a zod error into an {@link InvalidInputError} whose field paths start
 * with `prefix` ("body", "query"), listing each invalid field.
 */
export function invalidInputFromZod(error: z.ZodError, prefix: string): InvalidInputError {
  const invalidParams = error.issues.slice(0, MAX_INVALID_PARAMS).map((issue) => ({
    name: [prefix, ...issue.path.map(String)].join('.'),
    reason: issue.message,
  }))
  const first = invalidParams[0]!
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ''
  return new InvalidInputError(`invalid value at "${first.name}": ${first.reason}${more}`, {
    field: first.name,
    invalidParams,
  })
}

/** Builds the problem document for an error; unknown errors become a generic 500. */
export function toProblem(error: unknown, instance: string, requestId?: string): Problem {
  if (error instanceof EdgeError) {
    return {
      type: problemType(error.title),
      title: error.title,
      status: error.status,
      detail: error.message,
      instance,
      requestId,
      field: error.field,
      accepted: error.accepted,
      'invalid-params':
        error instanceof InvalidInputError && error.invalidParams.length > 0 ? error.invalidParams : undefined,
      error: error.message,
    }
  }
  return {
    type: problemType('Internal error'),
    title: 'Internal error',
    status: 500,
    detail: 'the server failed to process the request; the log line with this request id has the cause',
    instance,
    requestId,
    error: 'internal error',
  }
}

/** Sends a problem response for `error`, logging errors that are not the client's fault. */
export function problemResponse(c: Context, error: unknown): Response {
  const requestId = c.get('requestId') as string | undefined
  const problem = toProblem(error, new URL(c.req.url).pathname, requestId)
  if (!(error instanceof EdgeError)) {
    logEvent('error', 'request_failed', { requestId, path: problem.instance, error: describeError(error) })
  }
  const headers: Record<string, string> = {}
  if (problem.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="onnx-edge"'
  return c.newResponse(JSON.stringify(problem), problem.status as 400, {
    ...headers,
    'Content-Type': PROBLEM_MEDIA_TYPE,
  })
}
