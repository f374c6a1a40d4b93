import { describe, expect, it } from 'vitest'
import { app } from '../../functions/app.ts'
import { vadParametersSchema } from '../../schemas/vad.ts'
import { workerFetch } from './helpers.ts'

interface OpenApiDocument {
  openapi: string
  paths: Record<
    string,
    Record<
      string,
      {
        security: unknown[]
        parameters?: Array<{ name: string; in: string; schema: { default?: unknown } }>
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }
        responses: Record<string, { content?: Record<string, unknown> }>
      }
    >
  >
}

async function fetchDocument(): Promise<OpenApiDocument> {
  const response = await workerFetch('/openapi.json')
  expect(response.status).toBe(200)
  return (await response.json()) as OpenApiDocument
}

describe('GET /openapi.json', () => {
  it('documents every route of the app', async () => {
    const document = await fetchDocument()
    const registered = app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    )

    expect(document.openapi).toBe('3.1.0')
    expect(registered.length).toBeGreaterThan(10)
    expect(new Set(documented)).toEqual(new Set(registered))
  })

  it('marks inference routes as needing the token', async () => {
    const { paths } = await fetchDocument()
    for (const path of ['/v1/vad', '/v1/faces', '/v1/digits', '/v2/models/{name}/infer']) {
      expect(paths[path]!.post!.security).toEqual([{ bearerAuth: [] }])
      expect(paths[path]!.post!.responses['401']!.content).toHaveProperty(['application/problem+json'])
    }
    expect(paths['/v2/health/live']!.get!.security).toEqual([])
  })

  it('takes parameters from the zod schemas', async () => {
    const { paths } = await fetchDocument()
    const parameters = paths['/v1/vad']!.post!.parameters!
    const defaults = vadParametersSchema.parse({})
    expect(parameters.map((parameter) => parameter.name).sort()).toEqual(Object.keys(defaults).sort())
    for (const parameter of parameters) {
      expect(parameter.in).toBe('query')
      expect(parameter.schema.default).toBe(defaults[parameter.name as keyof typeof defaults])
    }
  })

  it('describes request bodies by media type', async () => {
    const { paths } = await fetchDocument()
    const vadBody = paths['/v1/vad']!.post!.requestBody!.content
    expect(Object.keys(vadBody)).toEqual(expect.arrayContaining(['audio/wav', 'application/json']))
    expect(vadBody['application/json']!.schema).toMatchObject({ required: expect.arrayContaining(['samples']) })
    expect(Object.keys(paths['/v1/faces']!.post!.requestBody!.content)).toEqual(['image/png', 'image/jpeg'])
  })

  it('lists problem responses', async () => {
    const { paths } = await fetchDocument()
    const responses = paths['/v1/faces']!.post!.responses
    for (const status of ['400', '401', '413', '415', '503']) {
      expect(responses[status]!.content).toHaveProperty(['application/problem+json'])
    }
  })
})

describe('GET /docs', () => {
  it('serves a page that needs no other host', async () => {
    const response = await workerFetch('/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toContain('text/html')
    const html = await response.text()
    expect(html).toContain('openapi.json')
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i)
    expect(html).not.toMatch(/@import|url\(/i)
  })
})
