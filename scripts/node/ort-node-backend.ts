import * as ort from 'onnxruntime-node'
import type { InferenceBackend, InferenceSession } from '../../functions/runtime/backend.ts'
import { OrtSessionAdapter } from '../../functions/runtime/ort-session.ts'

/** Settings of an {@link OrtNodeBackend}. */
export interface OrtNodeBackendOptions {
  /** Threads that one session uses inside an operator; 1 by default. */
  intraOpNumThreads?: number
  /**
   * Execution providers in order of preference, such as `['cuda']` or
   * `['webgpu']`; `['cpu']` by default. ONNX Runtime runs nodes that a provider
   * does not support on the CPU, and fails at session creation when a listed
   * provider cannot be loaded.
   */
  executionProviders?: readonly string[]
}

/**
 * onnxruntime-node with a fixed number of intra-op threads (one by default, to
 * compare with the single-threaded WebAssembly build), on the CPU execution
 * provider unless other providers are given.
 */
export class OrtNodeBackend implements InferenceBackend {
  readonly name = 'onnxruntime-node'
  readonly executionProvider: string
  readonly #intraOpNumThreads: number
  readonly #executionProviders: string[]

  constructor(options: OrtNodeBackendOptions = {}) {
    this.#intraOpNumThreads = options.intraOpNumThreads ?? 1
    this.#executionProviders = [...(options.executionProviders ?? ['cpu'])]
    if (this.#executionProviders.length === 0) throw new Error('executionProviders must list at least one provider')
    this.executionProvider = this.#executionProviders.join(',')
  }

  /** Does nothing: the native binding loads with the module. */
  async initialize(): Promise<void> {}

  /** Returns undefined: native allocations are not visible from JavaScript. */
  memoryBytes(): number | undefined {
    return undefined
  }

  async createSession(model: Uint8Array): Promise<InferenceSession> {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: this.#executionProviders,
      intraOpNumThreads: this.#intraOpNumThreads,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    })
    return new OrtSessionAdapter(session, ort.Tensor)
  }
}
