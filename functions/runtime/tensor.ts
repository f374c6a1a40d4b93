import type { Datatype, TensorSpec } from '../../schemas/manifest.ts'
import { TensorMismatchError } from './errors.ts'

/** Typed array that contains the elements of each datatype. */
export interface TensorDataByType {
  BOOL: Uint8Array
  UINT8: Uint8Array
  UINT16: Uint16Array
  UINT32: Uint32Array
  UINT64: BigUint64Array
  INT8: Int8Array
  INT16: Int16Array
  INT32: Int32Array
  INT64: BigInt64Array
  FP32: Float32Array
  FP64: Float64Array
}

/**
 * A tensor as the runtime core passes it between pipelines and backends, so that
 * neither depends on a particular runtime's tensor class.
 */
export interface Tensor<D extends Datatype = Datatype> {
  datatype: D
  shape: number[]
  data: TensorDataByType[D]
}

/** Tensors by input or output name. */
export type TensorMap = Record<string, Tensor>

/** Builds a tensor, checking that the shape's element count matches the data length. */
export function tensor<D extends Datatype>(datatype: D, shape: number[], data: TensorDataByType[D]): Tensor<D> {
  const count = elementCount(shape)
  if (count !== data.length) {
    throw new TensorMismatchError(`shape [${shape.join(', ')}] needs ${count} elements but ${data.length} were given`)
  }
  return { datatype, shape, data }
}

/** Number of elements in a tensor of the given shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1)
}

/** Formats a shape as the manifest writes it, with -1 for a dynamic dimension. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`
}

/**
 * Checks tensors against a model's declared inputs: every declared input present,
 * no unknown names, matching datatype, rank and fixed dimensions, and an element
 * count that matches the shape. `fieldOf` maps an input name to its path in the
 * request, for error messages.
 *
 * @throws {TensorMismatchError} naming the input and what the model accepts.
 */
export function checkInputs(
  specs: readonly TensorSpec[],
  feeds: TensorMap,
  fieldOf: (inputName: string) => string = (inputName) => `inputs.${inputName}`,
): void {
  for (const name of Object.keys(feeds)) {
    if (!specs.some((spec) => spec.name === name)) {
      throw new TensorMismatchError(`unknown input "${name}"`, {
        field: fieldOf(name),
        accepted: `inputs ${specs.map((spec) => `"${spec.name}"`).join(', ')}`,
      })
    }
  }

  for (const spec of specs) {
    const field = fieldOf(spec.name)
    const accepted = `${spec.datatype} ${formatShape(spec.shape)}`
    const feed = feeds[spec.name]
    if (!feed) {
      throw new TensorMismatchError(`missing input "${spec.name}"`, { field, accepted })
    }
    if (feed.datatype !== spec.datatype) {
      throw new TensorMismatchError(`input "${spec.name}" has datatype ${feed.datatype}, expected ${spec.datatype}`, {
        field: `${field}.datatype`,
        accepted,
      })
    }
    const shapeMatches =
      feed.shape.length === spec.shape.length && spec.shape.every((dim, axis) => dim === -1 || dim === feed.shape[axis])
    if (!shapeMatches) {
      throw new TensorMismatchError(
        `input "${spec.name}" has shape ${formatShape(feed.shape)}, expected ${formatShape(spec.shape)}`,
        { field: `${field}.shape`, accepted },
      )
    }
    const count = elementCount(feed.shape)
    if (feed.data.length !== count) {
      throw new TensorMismatchError(
        `input "${spec.name}" has ${feed.data.length} elements, shape ${formatShape(feed.shape)} needs ${count}`,
        { field: `${field}.data`, accepted },
      )
    }
  }
}
