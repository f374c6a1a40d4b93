import type { InferenceBackend, InferenceSession } from '../runtime/backend.ts'
import { logEvent } from '../runtime/log.ts'
import { OrtSessionAdapter } from '../runtime/ort-session.ts'
import { initializeOrtRuntime, ort, ortMemoryBytes } from './ort-wasm.ts'

/**
 * Chooses the execution provider for new sessions: WebGPU where the runtime
 * exposes `navigator.gpu`, WebAssembly otherwise.
 *
 * NOTE: workerd (through compatibility date 2026-11, with or without the `webgpu`
 * flag) has no `navigator.gpu`, so Workers always get "wasm". This bundle also
 * imports only ORT's WebAssembly build: its WebGPU build is 23–26 MB, beyond the
 * Worker size limit, so even with a GPU present the choice falls back to "wasm"
 * with a warning until a smaller WebGPU build exists.
 */
export function chooseExecutionProvider(
  gpu: unknown = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu,
): 'wasm' {
  if (gpu) {
    logEvent('warn', 'webgpu_not_bundled', {
      reason: 'navigator.gpu exists, but this bundle contains only the WebAssembly build of onnxruntime-web',
    })
  }
  return 'wasm'
}

/** onnxruntime-web on its single-threaded WebAssembly execution provider. */
export class OrtWebBackend implements InferenceBackend {
  readonly name = 'onnxruntime-web'
  readonly executionProvider = chooseExecutionProvider()

  initialize(): Promise<void> {
    return initializeOrtRuntime()
  }

  memoryBytes(): number | undefined {
    return ortMemoryBytes()
  }

  async createSession(model: Uint8Array): Promise<InferenceSession> {
    await initializeOrtRuntime()
    const session = await ort.InferenceSession.create(model, {
      executionProviders: [this.executionProvider],
      graphOptimizationLevel: 'all',
      // Warnings such as "Removing initializer" are noise in the Worker's logs.
      logSeverityLevel: 3,
    })
    return new OrtSessionAdapter(session, ort.Tensor)
  }
}
