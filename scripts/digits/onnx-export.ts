import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto'
import { CLASS_COUNT, IMAGE_SIZE, PIXELS_PER_DIGIT } from './data.ts'
import type { NetworkShape } from './model.ts'

const { onnx } = onnxProto

export const INPUT_NAME = 'pixels'
export const OUTPUT_NAME = 'probabilities'
export const OPSET_VERSION = 13
/** IR version of ONNX 1.8, the release that introduced opset 13. */
const IR_VERSION = 7
const BATCH_DIMENSION = 'batch'

/**
 * The trained parameters in TensorFlow.js layouts. Convolution kernels are in
 * HWIO order ([5, 5, in, out]) and dense kernels are [in, out]. The rows of the
 * hidden kernel follow the NHWC flattening ((y * 4 + x) * channels + c) of the
 * second pooling output.
 */
export interface DigitWeights {
  shape: NetworkShape
  kernelSize: number
  conv1Kernel: Float32Array
  conv1Bias: Float32Array
  conv2Kernel: Float32Array
  conv2Bias: Float32Array
  hiddenKernel: Float32Array
  hiddenBias: Float32Array
  outputKernel: Float32Array
  outputBias: Float32Array
}

/** Reorders a convolution kernel from HWIO (TensorFlow.js) to OIHW (ONNX Conv). */
export function hwioToOihw(
  kernel: Float32Array,
  height: number,
  width: number,
  inChannels: number,
  outChannels: number,
): Float32Array {
  const result = new Float32Array(kernel.length)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let i = 0; i < inChannels; i++) {
        for (let o = 0; o < outChannels; o++) {
          result[((o * inChannels + i) * height + y) * width + x] =
            kernel[((y * width + x) * inChannels + i) * outChannels + o]!
        }
      }
    }
  }
  return result
}

/**
 * Reorders the rows of a dense kernel [height * width * channels, units] from
 * the NHWC flattening of its input (TensorFlow.js) to the NCHW flattening
 * (c * height * width + y * width + x) that ONNX Flatten produces.
 */
export function nhwcRowsToNchw(
  kernel: Float32Array,
  height: number,
  width: number,
  channels: number,
  units: number,
): Float32Array {
  const result = new Float32Array(kernel.length)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const source = ((y * width + x) * channels + c) * units
        const target = ((c * height + y) * width + x) * units
        result.set(kernel.subarray(source, source + units), target)
      }
    }
  }
  return result
}

/** Encodes float32 values as ONNX raw_data, which is little-endian whatever the host's byte order. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4)
  const view = new DataView(bytes.buffer)
  values.forEach((value, i) => view.setFloat32(i * 4, value, true))
  return bytes
}

function floatInitializer(name: string, dims: number[], values: Float32Array) {
  const expected = dims.reduce((product, dim) => product * dim, 1)
  if (values.length !== expected) {
    throw new Error(
      `initializer ${name} has ${values.length} values, expected ${expected} for shape [${dims.join(', ')}]`,
    )
  }
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: littleEndianBytes(values),
  })
}

function int64Initializer(name: string, values: number[]) {
  return onnx.TensorProto.create({
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    int64Data: values,
  })
}

function intsAttribute(name: string, ints: number[]) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints })
}

function intAttribute(name: string, i: number) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i })
}

function node(opType: string, inputs: string[], output: string, attribute: OnnxTypes.IAttributeProto[] = []) {
  return onnx.NodeProto.create({ name: output, opType, input: inputs, output: [output], attribute })
}

function floatValueInfo(name: string, width: number) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: BATCH_DIMENSION }, { dimValue: width }] },
      },
    },
  })
}

/**
 * Builds the ONNX model (opset 13) of the network and returns its encoded bytes.
 * The batch dimension is dynamic. The graph runs from `pixels` [batch, 784]
 * through Reshape [batch, 1, 28, 28], two blocks of Conv 5×5, Relu and MaxPool
 * 2×2, Flatten, Gemm with Relu, Gemm and Softmax to `probabilities` [batch, 10].
 */
export function buildOnnxModel(weights: DigitWeights, docString = ''): Uint8Array {
  const { conv1Filters, conv2Filters, hiddenUnits } = weights.shape
  const k = weights.kernelSize
  const pool1Size = (IMAGE_SIZE - k + 1) / 2
  const pool2Size = (pool1Size - k + 1) / 2
  const flatLength = pool2Size * pool2Size * conv2Filters

  const initializer = [
    int64Initializer('image_shape', [-1, 1, IMAGE_SIZE, IMAGE_SIZE]),
    floatInitializer('conv1.weight', [conv1Filters, 1, k, k], hwioToOihw(weights.conv1Kernel, k, k, 1, conv1Filters)),
    floatInitializer('conv1.bias', [conv1Filters], weights.conv1Bias),
    floatInitializer(
      'conv2.weight',
      [conv2Filters, conv1Filters, k, k],
      hwioToOihw(weights.conv2Kernel, k, k, conv1Filters, conv2Filters),
    ),
    floatInitializer('conv2.bias', [conv2Filters], weights.conv2Bias),
    floatInitializer(
      'hidden.weight',
      [flatLength, hiddenUnits],
      nhwcRowsToNchw(weights.hiddenKernel, pool2Size, pool2Size, conv2Filters, hiddenUnits),
    ),
    floatInitializer('hidden.bias', [hiddenUnits], weights.hiddenBias),
    floatInitializer('output.weight', [hiddenUnits, CLASS_COUNT], weights.outputKernel),
    floatInitializer('output.bias', [CLASS_COUNT], weights.outputBias),
  ]

  const convAttributes = [intsAttribute('kernel_shape', [k, k]), intsAttribute('strides', [1, 1])]
  const poolAttributes = [intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [2, 2])]
  const nodes = [
    node('Reshape', [INPUT_NAME, 'image_shape'], 'images'),
    node('Conv', ['images', 'conv1.weight', 'conv1.bias'], 'conv1', convAttributes),
    node('Relu', ['conv1'], 'conv1_relu'),
    node('MaxPool', ['conv1_relu'], 'pool1', poolAttributes),
    node('Conv', ['pool1', 'conv2.weight', 'conv2.bias'], 'conv2', convAttributes),
    node('Relu', ['conv2'], 'conv2_relu'),
    node('MaxPool', ['conv2_relu'], 'pool2', poolAttributes),
    node('Flatten', ['pool2'], 'flat', [intAttribute('axis', 1)]),
    node('Gemm', ['flat', 'hidden.weight', 'hidden.bias'], 'hidden'),
    node('Relu', ['hidden'], 'hidden_relu'),
    node('Gemm', ['hidden_relu', 'output.weight', 'output.bias'], 'logits'),
    node('Softmax', ['logits'], OUTPUT_NAME, [intAttribute('axis', 1)]),
  ]

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'onnx-edge scripts/train-digits.ts',
    docString,
    graph: {
      name: 'digits',
      node: nodes,
      initializer,
      input: [floatValueInfo(INPUT_NAME, PIXELS_PER_DIGIT)],
      output: [floatValueInfo(OUTPUT_NAME, CLASS_COUNT)],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}

/** Decodes an ONNX file, for checks of its graph. */
export function decodeOnnxModel(bytes: Uint8Array): OnnxTypes.ModelProto {
  return onnx.ModelProto.decode(bytes)
}
