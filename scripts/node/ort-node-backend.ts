import * as ort from 'onnxruntime-node'
import type { InferenceBackend, InferenceSession } from '../../functions/runtime/backend.ts'
import type { Tensor, TensorMap } from '../../functions/runtime/tensor.ts'
import type { Datatype } from '../../schemas/manifest.ts'

const ORT_TYPES: Record<Datatype, ort.Tensor.Type> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
}

const DATATYPES_BY_ORT_TYPE = new Map(Object.entries(ORT_TYPES).map(([datatype, type]) => [type, datatype as Datatype]))

class OrtNodeSession implements InferenceSession {
  readonly #session: ort.InferenceSession

  constructor(session: ort.InferenceSession) {
    this.#session = session
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames
  }

  get outputNames(): readonly string[] {
    return this.#session.outputNames
  }

  async run(feeds: TensorMap, outputNames?: readonly string[]): Promise<TensorMap> {
    const ortFeeds: Record<string, ort.Tensor> = {}
    for (const [name, value] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(ORT_TYPES[value.datatype], value.data as ort.Tensor.DataType, value.shape)
    }
    const results = outputNames
      ? await this.#session.run(ortFeeds, [...outputNames])
      : await this.#session.run(ortFeeds)

    const outputs: TensorMap = {}
    for (const [name, value] of Object.entries(results)) {
      const datatype = DATATYPES_BY_ORT_TYPE.get(value.type)
      if (!datatype)
        throw new Error(`output "${name}" has ORT type "${value.type}", which has no supported v2 datatype`)
      outputs[name] = { datatype, shape: [...value.dims], data: value.data } as Tensor
    }
    return outputs
  }

  release(): Promise<void> {
    return this.#session.release()
  }
}

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
    return new OrtNodeSession(session)
  }
}
