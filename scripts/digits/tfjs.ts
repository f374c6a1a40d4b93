/**
 * TensorFlow.js 4.22 on its WebAssembly backend. tfjs-core's Node bundle
 * registers no gradient functions, so the `@tensorflow/tfjs` bundle is loaded
 * for its side effect of registering TensorFlow.js's own gradients of every op.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'

/** Selects the WebAssembly backend and waits until it is ready. */
export async function useWasmBackend(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('failed to initialize the TensorFlow.js WebAssembly backend')
  await tf.ready()
}

export { tf }
