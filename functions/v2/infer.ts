import type { Datatype, ModelEntry } from '../../schemas/manifest.ts'
import type { InferInput, InferRequest, InferResponse, ModelMetadata, TensorElements } from '../../schemas/v2.ts'
import type { EdgeFunction } from '../runtime/call.ts'
import { InvalidInputError, TensorMismatchError } from '../runtime/errors.ts'
import { checkInputs, elementCount, formatShape, type Tensor, type TensorMap } from '../runtime/tensor.ts'

/** Input of the generic tensor function: the model to run and the v2 request. */
export interface InferCall {
  modelName: string
  request: InferRequest
}

const INTEGER_RANGES: Partial<Record<Datatype, [min: number, max: number]>> = {
  UINT8: [0, 2 ** 8 - 1],
  UINT16: [0, 2 ** 16 - 1],
  UINT32: [0, 2 ** 32 - 1],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-(2 ** 7), 2 ** 7 - 1],
  INT16: [-(2 ** 15), 2 ** 15 - 1],
  INT32: [-(2 ** 31), 2 ** 31 - 1],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
}

/** Flattens nested row-major data into `out`, returning false on a ragged or mixed array. */
function flatten(elements: TensorElements, out: Array<number | boolean>): void {
  for (const element of elements) {
    if (Array.isArray(element)) flatten(element, out)
    else out.push(element)
  }
}

function allocate(datatype: Datatype, length: number): Tensor['data'] {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(length)
    case 'UINT16':
      return new Uint16Array(length)
    case 'UINT32':
      return new Uint32Array(length)
    case 'UINT64':
      return new BigUint64Array(length)
    case 'INT8':
      return new Int8Array(length)
    case 'INT16':
      return new Int16Array(length)
    case 'INT32':
      return new Int32Array(length)
    case 'INT64':
      return new BigInt64Array(length)
    case 'FP32':
      return new Float32Array(length)
    case 'FP64':
      return new Float64Array(length)
  }
}

/**
 * Converts one v2 input to a tensor, checking that the data contains exactly the
 * shape's element count and that every element fits the datatype.
 *
 * @throws {TensorMismatchError} with the path of the first bad element.
 */
export function toTensor(input: InferInput, index: number): Tensor {
  const field = `body.inputs.${index}`
  const elements: Array<number | boolean> = []
  flatten(input.data, elements)

  const count = elementCount(input.shape)
  if (elements.length !== count) {
    throw new TensorMismatchError(
      `input "${input.name}" has ${elements.length} elements but shape ${formatShape(input.shape)} needs ${count}`,
      { field: `${field}.data`, accepted: `${count} elements in row-major order` },
    )
  }

  const data = allocate(input.datatype, count)
  const range = INTEGER_RANGES[input.datatype]
  for (let i = 0; i < count; i++) {
    const element = elements[i]!
    if (input.datatype === 'BOOL') {
      if (typeof element !== 'boolean' && element !== 0 && element !== 1) {
        throw new TensorMismatchError(`element ${i} of input "${input.name}" is ${element}, not a BOOL`, {
          field: `${field}.data.${i}`,
          accepted: 'true, false, 0 or 1',
        })
      }
      data[i] = Number(element)
      continue
    }
    if (typeof element !== 'number') {
      throw new TensorMismatchError(`element ${i} of input "${input.name}" is ${element}, not a number`, {
        field: `${field}.data.${i}`,
        accepted: `numbers of datatype ${input.datatype}`,
      })
    }
    if (range && (!Number.isInteger(element) || element < range[0] || element > range[1])) {
      throw new TensorMismatchError(`element ${i} of input "${input.name}" is ${element}, outside ${input.datatype}`, {
        field: `${field}.data.${i}`,
        accepted: `integers from ${range[0]} to ${range[1]}`,
      })
    }
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(element)
    else data[i] = element
  }
  return { datatype: input.datatype, shape: input.shape, data } as Tensor
}

/** Converts output tensor data to JSON values: numbers, or booleans for BOOL. */
function toJsonData(output: Tensor): Array<number | boolean> {
  if (output.datatype === 'BOOL') return Array.from(output.data as Uint8Array, (value) => value !== 0)
  return Array.from(output.data as ArrayLike<number | bigint>, Number)
}

/** Metadata of a model for `GET /v2/models/{name}`, from its manifest entry. */
export function modelMetadata(entry: ModelEntry): ModelMetadata {
  return {
    name: entry.name,
    versions: [entry.version],
    platform: 'onnxruntime_onnx',
    inputs: entry.inputs,
    outputs: entry.outputs,
  }
}

/**
 * The Open Inference Protocol's generic tensor call: converts the request's
 * inputs, runs the named model (which checks them against its manifest entry),
 * and returns the requested outputs, all of them when none are named.
 */
export const inferFunction: EdgeFunction<InferCall, InferResponse> = {
  name: 'v2-infer',
  model: (call) => call.modelName,

  async run({ request }, { model: loadModel, timer }) {
    const feeds: TensorMap = {}
    request.inputs.forEach((input, index) => {
      if (feeds[input.name]) {
        throw new InvalidInputError(`input "${input.name}" is given twice`, { field: `body.inputs.${index}.name` })
      }
      feeds[input.name] = toTensor(input, index)
    })

    const model = await loadModel()
    // Checked here as well as in `model.run` so that errors name the request's field paths.
    const indexes = new Map(request.inputs.map((input, index) => [input.name, index]))
    checkInputs(model.entry.inputs, feeds, (name) =>
      indexes.has(name) ? `body.inputs.${indexes.get(name)}` : `body.inputs[name=${name}]`,
    )

    const declaredOutputs = model.entry.outputs.map((output) => output.name)
    const requested = request.outputs?.map((output) => output.name)
    requested?.forEach((name, index) => {
      if (!declaredOutputs.includes(name)) {
        throw new InvalidInputError(`unknown output "${name}"`, {
          field: `body.outputs.${index}.name`,
          accepted: declaredOutputs.map((output) => `"${output}"`).join(', '),
        })
      }
    })

    const results = await model.run(feeds, timer, requested)

    return {
      model_name: model.entry.name,
      model_version: model.entry.version,
      id: request.id,
      outputs: (requested ?? declaredOutputs).map((name) => {
        const output = results[name]!
        return { name, shape: output.shape, datatype: output.datatype, data: toJsonData(output) }
      }),
    }
  },
}
