import type { TensorMap } from './tensor.ts'

/**
 * A model loaded into an inference runtime. One session runs one request at a
 * time: callers go through the session cache, which serialises `run`.
 */
export interface InferenceSession {
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  /** Runs the model; `outputNames` limits the outputs computed, all when omitted. */
  run(feeds: TensorMap, outputNames?: readonly string[]): Promise<TensorMap>
  /** Frees the runtime memory of the session; it must not be used afterwards. */
  release(): Promise<void>
}

/**
 * An inference runtime that turns verified ONNX bytes into sessions:
 * onnxruntime-web in the Worker, onnxruntime-node in the batch runner.
 */
export interface InferenceBackend {
  /** Short name for logs, such as "onnxruntime-web". */
  readonly name: string
  /** Execution provider that sessions use, such as "wasm", "webgpu" or "cuda". */
  readonly executionProvider: string
  /**
   * Prepares the runtime once per process or isolate (onnxruntime-web instantiates
   * its WebAssembly module here). Later calls return at once, and
   * `createSession` calls it too.
   */
  initialize(): Promise<void>
  /**
   * Returns the bytes of memory the runtime uses now (onnxruntime-web: its
   * WebAssembly memory, which counts toward the isolate's limit), or undefined
   * where the runtime does not report it.
   */
  memoryBytes(): number | undefined
  /** Creates a session from model bytes that have already passed the integrity check. */
  createSession(model: Uint8Array): Promise<InferenceSession>
}
