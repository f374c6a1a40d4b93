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

let initialised: Promise<void> | undefined

/**
 * Runs `createFirstSession` with `WebAssembly.instantiate` redirected to the
 * precompiled module, so that ORT's lazy runtime initialisation (triggered by the
 * first session) succeeds. Later calls run `create` unchanged.
 */
export async function withOrtRuntime<T>(create: () => Promise<T>): Promise<T> {
  if (initialised) {
    await initialised
    return create()
  }

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
      ).then((instance) => ({ module: ortWasmModule, instance }))
    }
    return (original as (...args: unknown[]) => unknown)(source, imports)
  } as typeof WebAssembly.instantiate

  let result: Promise<T>
  WebAssembly.instantiate = redirected
  try {
    result = create()
    initialised = result.then(
      () => undefined,
      (error: unknown) => {
        initialised = undefined
        throw error
      },
    )
    return await result
  } finally {
    WebAssembly.instantiate = original
  }
}

export { ort }
