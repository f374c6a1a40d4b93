import type { InferenceBackend, InferenceSession } from '../runtime/backend.ts'
import type { Tensor, TensorMap } from '../runtime/tensor.ts'
import type { Datatype } from '../../schemas/manifest.ts'
import { logEvent } from '../runtime/log.ts'
import { ort, withOrtRuntime } from './ort-wasm.ts'

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

function toOrtTensor(tensor: Tensor): ort.Tensor {
  return new ort.Tensor(ORT_TYPES[tensor.datatype], tensor.data as ort.Tensor.DataType, tensor.shape)
}

function fromOrtTensor(name: string, value: ort.Tensor): Tensor {
  const datatype = DATATYPES_BY_ORT_TYPE.get(value.type)
  if (!datatype) throw new Error(`output "${name}" has ORT type "${value.type}", which has no supported v2 datatype`)
  return { datatype, shape: [...value.dims], data: value.data } as Tensor
}

class OrtWebSession implements InferenceSession {
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
    for (const [name, value] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(value)

    const results = outputNames
      ? await this.#session.run(ortFeeds, [...outputNames])
      : await this.#session.run(ortFeeds)

    const outputs: TensorMap = {}
    for (const [name, value] of Object.entries(results)) {
      outputs[name] = fromOrtTensor(name, value)
      value.dispose()
    }
    return outputs
  }

  release(): Promise<void> {
    return this.#session.release()
  }
}

/**
 * Chooses the execution provider for new sessions: WebGPU where the runtime
 * exposes `navigator.gpu`, WebAssembly otherwise.
 *
 * NOTE: workerd (through compatibility date 2026-11, with or without the `webgpu`
 * flag) has no `navigator.gpu`, so Workers always get "wasm". This bundle also
 * imports only ORT's WebAssembly build: its WebGPU build is 23–26 MB, beyond the
 * Worker size limit, so even with a GPU present the choice falls back to "wasm"
 * with a warning until a smaller WebGPU build exists.
 */
export function chooseExecutionProvider(
  gpu: unknown = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu,
): 'wasm' {
  if (gpu) {
    logEvent('warn', 'webgpu_not_bundled', {
      reason: 'navigator.gpu exists, but this bundle contains only the WebAssembly build of onnxruntime-web',
    })
  }
  return 'wasm'
}

/** onnxruntime-web on its single-threaded WebAssembly execution provider. */
export class OrtWebBackend implements InferenceBackend {
  readonly name = 'onnxruntime-web'
  readonly executionProvider = chooseExecutionProvider()

  async createSession(model: Uint8Array): Promise<InferenceSession> {
    const session = await withOrtRuntime(() =>
      ort.InferenceSession.create(model, {
        executionProviders: [this.executionProvider],
        graphOptimizationLevel: 'all',
      }),
    )
    return new OrtWebSession(session)
  }
}
