import type { MiddlewareHandler } from 'hono'
import { ServiceMisconfiguredError, UnauthorizedError } from '../runtime/errors.ts'
import { logEvent } from '../runtime/log.ts'
import type { AppEnv } from './context.ts'

const encoder = new TextEncoder()

/**
 * Compares a presented token with the expected one in constant time. Both are
 * hashed first, so the comparison runs over equal-length digests and does not
 * reveal the expected token's length either.
 */
async function tokensEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ])
  return crypto.subtle.timingSafeEqual(a, b)
}

/**
 * Requires `Authorization: Bearer <API_TOKEN>`. Fails closed with 503 when the
 * `API_TOKEN` secret is not configured. The token is never logged or echoed.
 */
export function requireBearerToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.get('runtime').config.API_TOKEN
    if (!expected) {
      logEvent('error', 'api_token_missing', { requestId: c.get('requestId'), path: c.req.path })
      throw new ServiceMisconfiguredError(
        'inference is disabled because the API_TOKEN secret is not configured on the server',
        { accepted: 'set API_TOKEN with `wrangler secret put API_TOKEN`, or in .dev.vars for local development' },
      )
    }

    const header = c.req.header('Authorization')
    const match = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)
    if (!match) {
      throw new UnauthorizedError(
        header ? 'the Authorization header is not a Bearer token' : 'the Authorization header is missing',
        {
          field: 'headers.authorization',
          accepted: 'Authorization: Bearer <API_TOKEN>',
        },
      )
    }
    if (!(await tokensEqual(match[1]!, expected))) {
      throw new UnauthorizedError('the bearer token is not valid', {
        field: 'headers.authorization',
        accepted: 'Authorization: Bearer <API_TOKEN>',
      })
    }
    await next()
  }
}
