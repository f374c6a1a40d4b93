import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { z } from 'zod'
import { InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../runtime/errors.ts'
import type { AppEnv } from './context.ts'
import { invalidInputFromZod } from './problem.ts'

/**
 * Rejects bodies over `MAX_BODY_BYTES` with 413: from `Content-Length` before any
 * byte is read, or while streaming a body sent without one.
 */
export function limitBodySize(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const maxBodyBytes = c.get('runtime').config.MAX_BODY_BYTES
    return bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new PayloadTooLargeError(`the request body is larger than ${maxBodyBytes} bytes`, {
          field: 'body',
          accepted: `at most ${maxBodyBytes} bytes (MAX_BODY_BYTES)`,
        })
      },
    })(c, next)
  }
}

/** Returns the media type of the request without parameters, in lower case ("" when absent). */
export function mediaType(c: Context): string {
  return (c.req.header('Content-Type') ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

/** Rejects a request whose media type is not one of `accepted`. */
export function requireMediaType(c: Context, accepted: readonly string[]): string {
  const type = mediaType(c)
  if (!accepted.includes(type)) {
    throw new UnsupportedMediaTypeError(
      type ? `the content type "${type}" is not supported` : 'the request has no Content-Type header',
      { field: 'headers.content-type', accepted: accepted.join(', ') },
    )
  }
  return type
}

/** Reads the body as JSON and validates it with `schema`, reporting field paths under "body". */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new InvalidInputError(
      `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        field: 'body',
        accepted: 'a JSON document',
        cause: error,
      },
    )
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw invalidInputFromZod(parsed.error, 'body')
  return parsed.data
}

/** Validates the query string with `schema`, reporting field paths under "query". */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query())
  if (!parsed.success) throw invalidInputFromZod(parsed.error, 'query')
  return parsed.data
}
