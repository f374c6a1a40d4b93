import type { Handler } from 'hono'
import { EdgeError } from '../runtime/errors.ts'

/** A known route called with a method it does not serve (405). */
export class MethodNotAllowedError extends EdgeError {
  readonly status = 405
  readonly title = 'Method not allowed'
  readonly allow: readonly string[]

  constructor(method: string, allow: readonly string[]) {
    super(`method ${method} is not allowed on this route`, { accepted: allow.join(', ') })
    this.allow = allow
  }
}

/**
 * Handler to register with `app.all(path, …)` after a path's real handlers: any
 * other method gets 405 with an `Allow` header.
 */
export function methodNotAllowed(allow: readonly string[]): Handler {
  return (c) => {
    c.header('Allow', allow.join(', '))
    throw new MethodNotAllowedError(c.req.method, allow)
  }
}
