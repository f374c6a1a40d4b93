declare module 'onnxruntime-web/ort-wasm-simd-threaded.wasm' {
  /** ONNX Runtime's WebAssembly build, which wrangler bundles as a precompiled module. */
  const module: WebAssembly.Module
  export default module
}
