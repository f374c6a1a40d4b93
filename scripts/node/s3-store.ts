import { createHash } from 'node:crypto'
import { AwsClient } from 'aws4fetch'
import type { ObjectStore, StoredObject } from '../../functions/runtime/store.ts'

/** Connection settings of an S3-compatible bucket, such as Cloudflare R2's S3 API. */
export interface S3StoreOptions {
  /** Endpoint URL without the bucket, e.g. `https://<account id>.r2.cloudflarestorage.com`. */
  endpoint: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** Signing region; R2 takes `auto`. */
  region: string
  /** Sends the signed requests; the global `fetch` by default. Tests pass their own. */
  fetch?: (request: Request) => Promise<Response>
}

/** Environment variables that {@link s3OptionsFromEnv} reads. */
export const S3_ENV_VARIABLES = ['S3_ENDPOINT', 'S3_BUCKET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const

/**
 * Reads the bucket's settings from the environment: `S3_ENDPOINT`, `S3_BUCKET`
 * (overridden by `bucket` when given), `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_REGION` (default `auto`).
 *
 * @throws {Error} listing the variables that are missing.
 */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv, bucket?: string): S3StoreOptions {
  const missing = S3_ENV_VARIABLES.filter((name) => !env[name] && !(name === 'S3_BUCKET' && bucket))
  if (missing.length > 0) {
    throw new Error(`missing environment variables for the S3 bucket: ${missing.join(', ')}`)
  }
  return {
    endpoint: env.S3_ENDPOINT!,
    bucket: bucket ?? env.S3_BUCKET!,
    accessKeyId: env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
    region: env.AWS_REGION || 'auto',
  }
}

/** Encodes an object key for a path-style URL: each segment percent-encoded, slashes kept. */
export function encodeObjectKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/')
}

function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex')
}

/**
 * An S3-compatible bucket read and written with SigV4-signed requests
 * (aws4fetch) at path-style URLs, `{endpoint}/{bucket}/{key}`. Payloads are
 * signed with their SHA-256, not sent as UNSIGNED-PAYLOAD.
 *
 * NOTE: tested against Miniflare's local S3-compatible R2 endpoint
 * (test/node/bundle.test.ts) and an independent SigV4 computation, not against
 * Cloudflare's R2 service itself.
 */
export class S3ObjectStore implements ObjectStore {
  readonly name = 's3'
  readonly #client: AwsClient
  readonly #base: string
  readonly #fetch: (request: Request) => Promise<Response>

  constructor(options: S3StoreOptions) {
    this.#client = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region,
      service: 's3',
      // Retries of 5xx responses are left to the caller.
      retries: 0,
    })
    this.#base = `${options.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(options.bucket)}/`
    this.#fetch = options.fetch ?? ((request) => fetch(request))
  }

  /** URL of the object at `key`. */
  urlOf(key: string): string {
    return `${this.#base}${encodeObjectKey(key)}`
  }

  /** Signs a request for `key` without sending it. */
  sign(method: 'GET' | 'HEAD' | 'PUT', key: string, body?: Uint8Array, contentType?: string): Promise<Request> {
    const headers: Record<string, string> = { 'x-amz-content-sha256': sha256Hex(body ?? new Uint8Array()) }
    if (contentType) headers['content-type'] = contentType
    return this.#client.sign(this.urlOf(key), { method, headers, body })
  }

  async #send(method: 'GET' | 'HEAD' | 'PUT', key: string, body?: Uint8Array, contentType?: string) {
    const response = await this.#fetch(await this.sign(method, key, body, contentType))
    if (response.ok || (response.status === 404 && method !== 'PUT')) return response
    const text = method === 'HEAD' ? '' : (await response.text()).slice(0, 300)
    throw new Error(`S3 ${method} of "${key}" failed with HTTP ${response.status}${text ? `: ${text}` : ''}`)
  }

  async get(key: string): Promise<StoredObject | null> {
    const response = await this.#send('GET', key)
    if (response.status === 404) return null
    const bytes = new Uint8Array(await response.arrayBuffer())
    return { bytes, sizeBytes: bytes.byteLength }
  }

  /** Checks with a HEAD request whether an object exists at `key`. */
  async has(key: string): Promise<boolean> {
    const response = await this.#send('HEAD', key)
    return response.status !== 404
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
    const response = await this.#send('PUT', key, bytes, contentType)
    await response.arrayBuffer()
  }
}
