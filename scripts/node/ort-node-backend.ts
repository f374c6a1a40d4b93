import * as ort from 'onnxruntime-node'
import type { InferenceBackend, InferenceSession } from '../../functions/runtime/backend.ts'
import { OrtSessionAdapter } from '../../functions/runtime/ort-session.ts'

/**
 * onnxruntime-node on the CPU execution provider with a fixed number of intra-op
 * threads (one by default, to compare with the single-threaded WebAssembly build).
 */
export class OrtNodeBackend implements InferenceBackend {
  readonly name = 'onnxruntime-node'
  readonly executionProvider = 'cpu'
  readonly #intraOpNumThreads: number

  constructor(options: { intraOpNumThreads?: number } = {}) {
    this.#intraOpNumThreads = options.intraOpNumThreads ?? 1
  }

  async createSession(model: Uint8Array): Promise<InferenceSession> {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: [this.executionProvider],
      intraOpNumThreads: this.#intraOpNumThreads,
      graphOptimizationLevel: 'all',
    })
    return new OrtSessionAdapter(session, ort.Tensor)
  }
}
