import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { chunkBody } from '../../scripts/batch/bucket-job.ts'
import { S3ObjectStore, encodeObjectKey, s3OptionsFromEnv, type S3StoreOptions } from '../../scripts/node/s3-store.ts'

const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}

function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex')
}

/**
 * Computes a SigV4 header signature from the request's parts, written from the
 * AWS Signature Version 4 steps (canonical request, string to sign, derived key)
 * independently of aws4fetch.
 */
function sigV4Signature(request: {
  method: string
  canonicalPath: string
  headers: Record<string, string>
  payloadHash: string
  datetime: string
  region: string
  secretAccessKey: string
}): string {
  const names = Object.keys(request.headers).sort()
  const canonicalRequest = [
    request.method,
    request.canonicalPath,
    '',
    ...names.map((name) => `${name}:${request.headers[name]!.trim()}`),
    '',
    names.join(';'),
    request.payloadHash,
  ].join('\n')
  const date = request.datetime.slice(0, 8)
  const scope = `${date}/${request.region}/s3/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', request.datetime, scope, sha256Hex(canonicalRequest)].join('\n')
  let key: Buffer = createHmac('sha256', `AWS4${request.secretAccessKey}`).update(date).digest()
  for (const part of [request.region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest()
  return createHmac('sha256', key).update(stringToSign).digest('hex')
}

/** Builds a store whose requests are recorded and sent to `respond` in place of a network. */
function recordingStore(respond: (request: Request) => Response, options: Partial<S3StoreOptions> = {}) {
  const requests: Request[] = []
  const store = new S3ObjectStore({
    endpoint: 'https://account.r2.cloudflarestorage.com/',
    bucket: 'jobs-bucket',
    region: 'auto',
    ...CREDENTIALS,
    ...options,
    fetch: async (request) => {
      requests.push(request.clone())
      return respond(request)
    },
  })
  return { store, requests }
}

/** Checks a recorded request's Authorization header against {@link sigV4Signature}. */
async function expectValidSignature(request: Request, canonicalPath: string): Promise<void> {
  const authorization = request.headers.get('authorization') ?? ''
  const match = authorization.match(
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/,
  )
  expect(match, authorization).not.toBeNull()
  const [, accessKeyId, date, region, signedHeaders, signature] = match!
  expect(accessKeyId).toBe(CREDENTIALS.accessKeyId)
  const datetime = request.headers.get('x-amz-date')!
  expect(datetime.slice(0, 8)).toBe(date)

  const body = new Uint8Array(await request.arrayBuffer())
  const payloadHash = request.headers.get('x-amz-content-sha256')!
  expect(payloadHash).toBe(sha256Hex(body))

  const url = new URL(request.url)
  const headers: Record<string, string> = {}
  for (const name of signedHeaders!.split(';')) headers[name] = name === 'host' ? url.host : request.headers.get(name)!
  const expected = sigV4Signature({
    method: request.method,
    canonicalPath,
    headers,
    payloadHash,
    datetime,
    region: region!,
    secretAccessKey: CREDENTIALS.secretAccessKey,
  })
  expect(signature).toBe(expected)
}

describe('S3 request signing', () => {
  it('reference signer matches the AWS example', () => {
    // "GET Object" example of the AWS S3 SigV4 header-signing documentation.
    const signature = sigV4Signature({
      method: 'GET',
      canonicalPath: '/test.txt',
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': sha256Hex(''),
        'x-amz-date': '20130524T000000Z',
      },
      payloadHash: sha256Hex(''),
      datetime: '20130524T000000Z',
      region: 'us-east-1',
      secretAccessKey: CREDENTIALS.secretAccessKey,
    })
    expect(signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41')
  })

  it('signs a GET with a path-style URL', async () => {
    const { store, requests } = recordingStore(() => new Response('{"a":1}'))
    const object = await store.get('jobs/abc/job.json')

    expect(new TextDecoder().decode(object!.bytes)).toBe('{"a":1}')
    expect(requests).toHaveLength(1)
    expect(requests[0]!.method).toBe('GET')
    expect(requests[0]!.url).toBe('https://account.r2.cloudflarestorage.com/jobs-bucket/jobs/abc/job.json')
    await expectValidSignature(requests[0]!, '/jobs-bucket/jobs/abc/job.json')
  })

  it('signs a PUT with its payload hash', async () => {
    const { store, requests } = recordingStore(() => new Response(null, { status: 200 }))
    const body = chunkBody([{ line: 1, id: 'a', ok: true, output: { digit: 3 } }])
    await store.put('jobs/abc/results/000000.jsonl', body, 'application/jsonl')

    const request = requests[0]!
    expect(request.method).toBe('PUT')
    expect(request.headers.get('content-type')).toBe('application/jsonl')
    expect(request.headers.get('authorization')).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date,')
    await expectValidSignature(request, '/jobs-bucket/jobs/abc/results/000000.jsonl')
  })

  it('encodes keys with spaces and symbols', async () => {
    const key = "inputs/my photo (1)+it's*.png"
    expect(encodeObjectKey(key)).toBe('inputs/my%20photo%20%281%29%2Bit%27s%2A.png')
    const { store, requests } = recordingStore(() => new Response('x'))
    await store.get(key)
    expect(requests[0]!.url).toBe(
      'https://account.r2.cloudflarestorage.com/jobs-bucket/inputs/my%20photo%20%281%29%2Bit%27s%2A.png',
    )
    await expectValidSignature(requests[0]!, '/jobs-bucket/inputs/my%20photo%20%281%29%2Bit%27s%2A.png')
  })

  it('returns null for a missing object', async () => {
    const { store } = recordingStore(() => new Response('<Error><Code>NoSuchKey</Code></Error>', { status: 404 }))
    expect(await store.get('jobs/none/job.json')).toBeNull()
    expect(await store.has('jobs/none/job.json')).toBe(false)
  })

  it('raises on a failed write', async () => {
    const { store } = recordingStore(() => new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 }))
    await expect(store.put('jobs/abc/job.json', '{}', 'application/json')).rejects.toThrow(
      /PUT of "jobs\/abc\/job.json" failed with HTTP 403.*AccessDenied/,
    )
  })
})

describe('S3 settings from the environment', () => {
  it('reads the variables with region auto', () => {
    const options = s3OptionsFromEnv({
      S3_ENDPOINT: 'https://account.r2.cloudflarestorage.com',
      S3_BUCKET: 'from-env',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
    })
    expect(options).toEqual({
      endpoint: 'https://account.r2.cloudflarestorage.com',
      bucket: 'from-env',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      region: 'auto',
    })
  })

  it('lists missing variables', () => {
    expect(() => s3OptionsFromEnv({ S3_ENDPOINT: 'https://x' }, 'bucket')).toThrow(
      'missing environment variables for the S3 bucket: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
    )
  })
})
