import { env } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import { inject } from 'vitest'
import { resetEdgeRuntime } from '../../functions/edge/runtime.ts'
import type { Manifest } from '../../schemas/manifest.ts'
import type {} from '../provided.ts'

/** Decodes base64 into bytes. */
export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
}

/** Bytes of a file in test/data. */
export function dataFile(name: string): Uint8Array {
  const file = inject('dataFiles')[name]
  if (!file) throw new Error(`test/data/${name} was not provided by the global setup`)
  return fromBase64(file)
}

/** Parses the committed manifest. */
export function manifest(): Manifest {
  return JSON.parse(new TextDecoder().decode(fromBase64(inject('modelFiles')['manifest.json']!))) as Manifest
}

/** Bytes of a model file under models/. */
export function modelFile(file: string): Uint8Array {
  return fromBase64(inject('modelFiles')[file]!)
}

/** Writes every model of the manifest, then the manifest, into the MODELS bucket. */
export async function seedModels(): Promise<void> {
  for (const model of manifest().models) await env.MODELS.put(model.key, modelFile(model.file!))
  await env.MODELS.put(env.MANIFEST_KEY, JSON.stringify(manifest()))
}

/** Seeds the bucket and drops cached sessions, so each test file starts from R2. */
export async function freshWorker(): Promise<void> {
  await resetEdgeRuntime()
  await seedModels()
}

/** The Worker's default export, as the test runtime exposes it. */
const worker = (exports as unknown as { default: Fetcher }).default

/** Sends a request to the Worker's own fetch handler. */
export function workerFetch(path: string, init?: RequestInit): Promise<Response> {
  return worker.fetch(new Request(`http://localhost${path}`, init))
}

/** Headers with the test API token. */
export function authorized(headers: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${env.API_TOKEN}`, ...headers }
}

/** Speech intervals in seconds of a test/data file, from ground-truth.json. */
export function speechIntervals(file: string): Array<[number, number]> {
  const truth = JSON.parse(new TextDecoder().decode(dataFile('ground-truth.json'))) as {
    audio: Record<string, { speech_intervals_s: Array<[number, number]> }>
  }
  return truth.audio[file]!.speech_intervals_s
}

/** Problem document fields that the tests read. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  field?: string
  accepted?: string
  'invalid-params'?: Array<{ name: string; reason: string }>
  error: string
}
