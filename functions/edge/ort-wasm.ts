/**
 * Initialises onnxruntime-web's WebAssembly runtime inside workerd.
 *
 * workerd refuses to compile WebAssembly from bytes at run time, so the .wasm is
 * imported statically and wrangler bundles it as a precompiled
 * `WebAssembly.Module`. ONNX Runtime 1.31 has no hook to accept such a module: its
 * Emscripten glue always calls `WebAssembly.instantiate(bytes, imports)`. We hand
 * it a placeholder `wasmBinary` and, only while the runtime initialises, redirect
 * the instantiate call that carries the placeholder to the precompiled module. Setting `wasmBinary` with one thread also makes ORT use the
 * glue embedded in its bundle, which it otherwise looks up via `import.meta.url`
 * (undefined in workerd).
 */
import * as ort from 'onnxruntime-web/wasm'
import ortWasmModule from 'onnxruntime-web/ort-wasm-simd-threaded.wasm'

/** The 8-byte header of an empty WebAssembly module, used as the placeholder binary. */
const PLACEHOLDER_BINARY = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])

function isPlaceholder(source: unknown): boolean {
  let bytes: Uint8Array | undefined
  if (source instanceof Uint8Array) bytes = source
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source)
  return (
    bytes !== undefined &&
    bytes.byteLength === PLACEHOLDER_BINARY.byteLength &&
    bytes.every((byte, i) => byte === PLACEHOLDER_BINARY[i])
  )
}

/**
 * A minimal ONNX model, `y = Identity(x)` with x and y float32 [1] (opset 13,
 * 68 bytes). Creating a session of it makes ORT initialise its runtime without
 * loading a real model.
 */
const IDENTITY_MODEL = new Uint8Array([
  8, 7, 58, 58, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121, 18, 4, 105, 110, 105, 116,
  90, 15, 10, 1, 120, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 98, 15, 10, 1, 121, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8,
  1, 66, 4, 10, 0, 16, 13,
])

let initialised: Promise<void> | undefined
/** ORT's linear memory, found once the runtime is instantiated. */
let memory: WebAssembly.Memory | undefined

/** Returns the current size of ORT's WebAssembly memory in bytes, or undefined before initialisation. */
export function ortMemoryBytes(): number | undefined {
  return memory?.buffer.byteLength
}

/** Finds the module's memory: exported by single-threaded builds, imported by threaded ones. */
function findMemory(instance: WebAssembly.Instance, imports?: WebAssembly.Imports): WebAssembly.Memory | undefined {
  const candidates = [
    ...Object.values(instance.exports),
    ...Object.values(imports ?? {}).flatMap((namespace) => Object.values(namespace)),
  ]
  return candidates.find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory)
}

/**
 * Instantiates ORT's WebAssembly runtime from the precompiled module, once per
 * isolate: it creates and releases a session of {@link IDENTITY_MODEL} with
 * `WebAssembly.instantiate` redirected, because ORT initialises its runtime
 * lazily with the first session. A failed attempt is retried on the next call.
 */
export function initializeOrtRuntime(): Promise<void> {
  initialised ??= instantiateRuntime().catch((error: unknown) => {
    initialised = undefined
    throw error
  })
  return initialised
}

async function instantiateRuntime(): Promise<void> {
  // ORT's own warnings (such as unused initializers) would break the one-JSON-object-per-line logs.
  ort.env.logLevel = 'error'
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  ort.env.wasm.wasmBinary = PLACEHOLDER_BINARY

  const original = WebAssembly.instantiate
  const redirected = function (source: unknown, imports?: WebAssembly.Imports) {
    if (isPlaceholder(source)) {
      return (original as (module: WebAssembly.Module, imports?: WebAssembly.Imports) => Promise<WebAssembly.Instance>)(
        ortWasmModule,
        imports,
      ).then((instance) => {
        memory = findMemory(instance, imports)
        return { module: ortWasmModule, instance }
      })
    }
    return (original as (...args: unknown[]) => unknown)(source, imports)
  } as typeof WebAssembly.instantiate

  WebAssembly.instantiate = redirected
  try {
    const session = await ort.InferenceSession.create(IDENTITY_MODEL, { executionProviders: ['wasm'] })
    await session.release()
  } finally {
    WebAssembly.instantiate = original
  }
}

export { ort }
