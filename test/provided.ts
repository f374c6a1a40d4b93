import type { FacesResponse } from '../schemas/faces.ts'

/** Values that the global setup computes in Node and the workerd tests read with `inject`. */

/** A v2 inference request and the output that onnxruntime-node computed for it. */
export interface ReferenceCase {
  name: string
  inputs: Array<{ name: string; datatype: 'FP32' | 'INT64'; shape: number[]; data: number[] }>
  outputs: Record<string, { shape: number[]; data: number[] }>
}

declare module 'vitest' {
  interface ProvidedContext {
    /** Model files and the manifest by their path under models/, base64. */
    modelFiles: Record<string, string>
    /** Files of test/data by name, base64. */
    dataFiles: Record<string, string>
    /** Silero VAD inputs with onnxruntime-node outputs. */
    sileroReference: ReferenceCase[]
    /**
     * Requests to the whole-clip Silero models (by model name) with the outputs of
     * the published model run frame by frame with onnxruntime-node.
     */
    sileroClipReference: Record<string, ReferenceCase>
    /** /v1/faces responses computed in Node with onnxruntime-node (minScore 0.1), by test/data file name. */
    faceReference: Record<string, FacesResponse>
    /** /v1/digits probabilities computed in Node with onnxruntime-node, for each digit of digits-sample.json. */
    digitReference: number[][]
  }
}
