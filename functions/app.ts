import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { edgeRuntime } from './edge/runtime.ts'
import { requireBearerToken } from './http/auth.ts'
import { limitBodySize } from './http/body.ts'
import { logRequests } from './http/access-log.ts'
import type { AppEnv } from './http/context.ts'
import { DOCS_PAGE } from './http/docs-page.ts'
import { methodNotAllowed } from './http/methods.ts'
import { openApiDocument } from './http/openapi.ts'
import { problemResponse } from './http/problem.ts'
import { v2Routes } from './http/routes/v2.ts'
import { vadRoutes } from './http/routes/vad.ts'
import { digitsRoutes } from './http/routes/digits.ts'
import { facesRoutes } from './http/routes/faces.ts'
import { statusRoutes } from './http/routes/status.ts'
import { jobsRoutes } from './http/routes/jobs.ts'
import { UnknownRouteError } from './runtime/errors.ts'

/**
 * The Worker's HTTP app: request ids, the isolate runtime, body limit, bearer
 * auth on `/v1`, the routes, and one error handler that turns every failure into
 * an `application/problem+json` response.
 */
export const app = new Hono<AppEnv>()

app.use(requestId())
app.use(logRequests())
app.use(async (c, next) => {
  c.set('runtime', edgeRuntime(c.env))
  await next()
})
app.use(limitBodySize())

app.use('/v1/*', requireBearerToken())
app.route('/v1/vad', vadRoutes)
app.all('/v1/vad', methodNotAllowed(['POST']))
app.route('/v1/faces', facesRoutes)
app.all('/v1/faces', methodNotAllowed(['POST']))
app.route('/v1/digits', digitsRoutes)
app.all('/v1/digits', methodNotAllowed(['POST']))
app.route('/v1/status', statusRoutes)
app.all('/v1/status', methodNotAllowed(['GET']))
app.route('/v1/jobs', jobsRoutes)
app.all('/v1/jobs', methodNotAllowed(['POST']))
app.all('/v1/jobs/:id', methodNotAllowed(['GET']))
app.all('/v1/jobs/:id/results', methodNotAllowed(['GET']))

app.route('/v2', v2Routes)

app.get('/openapi.json', (c) => c.json(openApiDocument()))
app.all('/openapi.json', methodNotAllowed(['GET']))
app.get('/docs', (c) => c.html(DOCS_PAGE))
app.all('/docs', methodNotAllowed(['GET']))

app.notFound((c) => {
  const error = new UnknownRouteError(`no route for ${c.req.method} ${c.req.path}`, {
    accepted:
      'POST /v1/vad, POST /v1/faces, POST /v1/digits, GET /v1/status, POST /v1/jobs, GET /v1/jobs/{id}[/results], GET /v2, GET /v2/health/live, GET /v2/health/ready, GET /v2/models/{name}[/versions/{version}], ' +
      'GET /v2/models/{name}[/versions/{version}]/ready, POST /v2/models/{name}[/versions/{version}]/infer, ' +
      'GET /openapi.json, GET /docs',
  })
  return problemResponse(c, error)
})

app.onError((error, c) => {
  const response = problemResponse(c, error)
  const allow = c.res.headers.get('Allow')
  if (allow) response.headers.set('Allow', allow)
  return response
})
