/**
 * Adapts a session of ONNX Runtime's JavaScript API to {@link InferenceSession}.
 * onnxruntime-web and onnxruntime-node share that API (the `onnxruntime-common`
 * package), so both backends wrap their sessions here and pass in their own
 * `Tensor` class. Only types are imported, so no runtime is bundled from here.
 */
import type { InferenceSession as OrtInferenceSession, Tensor as OrtTensor } from 'onnxruntime-common'
import type { Datatype } from '../../schemas/manifest.ts'
import type { InferenceSession } from './backend.ts'
import type { Tensor, TensorMap } from './tensor.ts'

/** ONNX Runtime's tensor type name for each datatype. */
export const ORT_TENSOR_TYPES: Record<Datatype, OrtTensor.Type> = {
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

const DATATYPES_BY_ORT_TYPE = new Map(
  Object.entries(ORT_TENSOR_TYPES).map(([datatype, type]) => [type, datatype as Datatype]),
)

/** Constructor of the runtime's tensor class. */
export type OrtTensorConstructor = new (
  type: OrtTensor.Type,
  data: OrtTensor.DataType,
  dims: readonly number[],
) => OrtTensor

/** An ONNX Runtime session behind the backend-neutral session interface. */
export class OrtSessionAdapter implements InferenceSession {
  readonly #session: OrtInferenceSession
  readonly #Tensor: OrtTensorConstructor

  constructor(session: OrtInferenceSession, TensorClass: OrtTensorConstructor) {
    this.#session = session
    this.#Tensor = TensorClass
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames
  }

  get outputNames(): readonly string[] {
    return this.#session.outputNames
  }

  async run(feeds: TensorMap, outputNames?: readonly string[]): Promise<TensorMap> {
    const ortFeeds: Record<string, OrtTensor> = {}
    for (const [name, value] of Object.entries(feeds)) {
      ortFeeds[name] = new this.#Tensor(ORT_TENSOR_TYPES[value.datatype], value.data as OrtTensor.DataType, value.shape)
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
