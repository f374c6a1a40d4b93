import type { MiddlewareHandler } from 'hono'
import { logEvent } from '../runtime/log.ts'
import type { AppEnv } from './context.ts'

/**
 * Logs one structured line per request: method, path, status and duration.
 * Headers, query strings and bodies are left out, since they may carry secrets.
 */
export function logRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now()
    await next()
    const status = c.res.status
    let level: 'info' | 'warn' | 'error' = 'info'
    if (status >= 500) level = 'error'
    else if (status >= 400) level = 'warn'
    logEvent(level, 'request_finished', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round(performance.now() - started),
    })
  }
}
