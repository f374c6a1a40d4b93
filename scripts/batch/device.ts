import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { modelPath, readManifest } from '../lib/models.ts'

/** Values of `--device`. */
export const DEVICES = ['auto', 'cuda', 'webgpu', 'cpu'] as const
export type Device = (typeof DEVICES)[number]

/** Execution providers that `auto` tries, best first. */
export const AUTO_ORDER = ['cuda', 'webgpu', 'cpu'] as const
export type ExecutionProvider = (typeof AUTO_ORDER)[number]

/** Outcome of loading and running a small model on one execution provider. */
export interface ProviderProbe {
  provider: ExecutionProvider
  ok: boolean
  /** Reason the provider is not available, when `ok` is false. */
  reason?: string
}

/** Manifest name of the model used to probe providers: small, with a dynamic batch dimension. */
const PROBE_MODEL = 'digits'

/** Reads the probe model's bytes from models/. */
export function readProbeModel(): Uint8Array {
  const entry = readManifest().models.find((model) => model.name === PROBE_MODEL)
  if (!entry) throw new Error(`the manifest lists no model "${PROBE_MODEL}" to probe execution providers with`)
  return new Uint8Array(readFileSync(modelPath(entry)))
}

/** First line of an error message, since ONNX Runtime appends multi-line native logs to some. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0]!.trim()
}

/** Folder of onnxruntime-node's native binding, where it looks for provider libraries on Linux x64. */
function bindingDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node')
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch)
}

/** Describes what a provider needs that this machine may lack, for the probe's failure reason. */
function requirementHint(provider: ExecutionProvider): string {
  if (provider === 'cuda') {
    const libraries = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']
    const missing = libraries.filter((name) => !existsSync(join(bindingDir(), name)))
    const found =
      missing.length > 0 ? `${missing.join(' and ')} missing from ${bindingDir()}` : 'provider libraries found'
    return `${found}; CUDA needs those libraries of the same onnxruntime version, CUDA 12 and cuDNN 9`
  }
  if (provider === 'webgpu') return 'WebGPU on Linux needs libvulkan.so.1 and a Vulkan driver'
  return ''
}

/**
 * Creates a session on `provider` alone and runs it once on zeros. A provider
 * whose shared libraries or driver are missing fails here, at session creation
 * ("Failed to load shared library" for CUDA, "Failed to get a WebGPU adapter"
 * for WebGPU without Vulkan), rather than in the middle of a batch.
 */
export async function probeProvider(provider: ExecutionProvider, model: Uint8Array): Promise<ProviderProbe> {
  let session: ort.InferenceSession | undefined
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [provider],
      intraOpNumThreads: 1,
      // Fatal only: a failed provider's native errors are reported through `reason`.
      logSeverityLevel: 4,
    })
    const inputName = session.inputNames[0]!
    await session.run({ [inputName]: new ort.Tensor('float32', new Float32Array(784), [1, 784]) })
    return { provider, ok: true }
  } catch (error) {
    const hint = requirementHint(provider)
    return { provider, ok: false, reason: hint ? `${firstLine(error)} (${hint})` : firstLine(error) }
  } finally {
    await session?.release()
  }
}

/** The provider a device setting resolves to, with the probes that led there. */
export interface DeviceChoice {
  provider: ExecutionProvider
  probes: ProviderProbe[]
}

/**
 * Resolves `--device`: `auto` probes CUDA, then WebGPU, then the CPU, and takes
 * the first that works; any other value probes only that provider.
 *
 * @throws {Error} when the requested provider (or, for `auto`, every provider) fails.
 */
export async function chooseDevice(device: Device, model: Uint8Array): Promise<DeviceChoice> {
  const candidates: readonly ExecutionProvider[] = device === 'auto' ? AUTO_ORDER : [device]
  const probes: ProviderProbe[] = []
  for (const provider of candidates) {
    const probe = await probeProvider(provider, model)
    probes.push(probe)
    if (probe.ok) return { provider, probes }
  }
  const reasons = probes.map((probe) => `${probe.provider}: ${probe.reason}`).join('; ')
  throw new Error(`no execution provider for --device ${device} could run a model (${reasons})`)
}
