/**
 * The baseline of the end-to-end comparison: a minimal Node HTTP server that
 * runs the same pipelines (decoding, preprocessing, postprocessing) with
 * onnxruntime-node on one intra-op thread. It has no authentication, query
 * parameters or problem responses: what a user would write instead of the Worker.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CallPath, EdgeFunction } from '../../functions/runtime/call.ts'

/** A route of the server: the function to call and how to turn the body into its input. */
export interface ReferenceRoute {
  fn: EdgeFunction<never, unknown>
  input(body: Uint8Array): unknown
}

/** Starts the server on 127.0.0.1 at a free port; returns its base URL and a function that stops it. */
export async function startReferenceServer(
  callPath: CallPath,
  routes: Record<string, ReferenceRoute>,
): Promise<{ url: URL; close(): Promise<void> }> {
  let requests = 0
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const route = routes[request.url ?? '']
      if (request.method !== 'POST' || !route) {
        response.writeHead(404).end()
        return
      }
      const body = new Uint8Array(Buffer.concat(chunks))
      callPath.call(route.fn, route.input(body) as never, `reference-${requests++}`).then(
        ({ output, timer }) => {
          const timing = timer
            .entries()
            .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
            .join(', ')
          response.writeHead(200, { 'Content-Type': 'application/json', 'Server-Timing': timing })
          response.end(JSON.stringify(output))
        },
        (error: unknown) => {
          response.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error))
        },
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}
