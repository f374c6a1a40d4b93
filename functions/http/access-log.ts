import type { MiddlewareHandler } from 'hono'
import { logEvent } from '../runtime/log.ts'
import { formatServerTiming } from '../runtime/timing.ts'
import type { AppEnv } from './context.ts'

/**
 * Logs one structured line per request: method, path, status and duration.
 * Headers, query strings and bodies are left out, since they may carry secrets.
 * A response that reports Server-Timing spans also gets the span "total", the
 * time the Worker spent on the request, so clients can tell it from transport.
 */
export function logRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now()
    await next()
    const durationMs = performance.now() - started
    if (c.res.headers.has('Server-Timing')) {
      c.header('Server-Timing', formatServerTiming([['total', durationMs]]), { append: true })
    }
    const status = c.res.status
    let level: 'info' | 'warn' | 'error' = 'info'
    if (status >= 500) level = 'error'
    else if (status >= 400) level = 'warn'
    logEvent(level, 'request_finished', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round(durationMs),
    })
  }
}
