/**
 * Rewrites Silero VAD v5 from a one-frame-per-call graph into a graph that runs
 * every frame of a clip in one call. The weights and operations are the same, so
 * results differ only by float rounding (summation order).
 *
 * The published model takes one window of audio and the recurrent state, and
 * picks its 16 kHz or 8 kHz branch with an `If` on the `sr` input. Called once per
 * 32 ms frame, its small convolutions keep ONNX Runtime busy with per-call and
 * per-kernel overhead rather than arithmetic. Only the LSTM is recurrent: the
 * STFT and the four encoder convolutions see one window at a time. So the
 * rewritten graph takes a batch of windows [frames, window] and
 * - computes the STFT as one MatMul over all frames of all windows (its kernel
 *   is twice its hop, so each frame is two consecutive hop-sized blocks);
 * - computes each encoder convolution as one MatMul over explicit taps
 *   (im2col), skipping taps that read only padding;
 * - feeds the encoder outputs to the LSTM as one sequence, starting from the
 *   `state` input, and decodes every step's hidden state to a probability.
 *
 * Inputs: `input` [frames, window] and `state` [2, 1, 128]. Outputs: `output`
 * [frames, 1], one speech probability per window, and `stateN` [2, 1, 128], the
 * state after the last window.
 */
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto'

const { onnx } = onnxProto

type Graph = OnnxTypes.IGraphProto
type Node = OnnxTypes.INodeProto
type TensorProto = OnnxTypes.ITensorProto

/** Samples per window at one rate: the context carried from the previous frame plus the new samples. */
export interface SileroWindow {
  rateHz: number
  contextSamples: number
  frameSamples: number
}

export const SILERO_WINDOWS: readonly SileroWindow[] = [
  { rateHz: 16_000, contextSamples: 64, frameSamples: 512 },
  { rateHz: 8_000, contextSamples: 32, frameSamples: 256 },
]

function fail(message: string): never {
  throw new Error(`unexpected Silero graph: ${message}`)
}

function attribute(node: Node, name: string): OnnxTypes.IAttributeProto | undefined {
  return node.attribute?.find((candidate) => candidate.name === name)
}

/** Input names of a node, where position `i` is input `i` ('' for an omitted optional input). */
function inputs(node: Node): string[] {
  return node.input ?? []
}

function intsAttribute(node: Node, name: string): number[] {
  return (attribute(node, name)?.ints ?? []).map(Number)
}

function floatValues(tensor: TensorProto): Float32Array {
  if (tensor.floatData?.length) return Float32Array.from(tensor.floatData)
  const raw = tensor.rawData ?? fail(`tensor ${tensor.name} has no data`)
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
}

function int64Values(tensor: TensorProto): number[] {
  if (tensor.int64Data?.length) return tensor.int64Data.map(Number)
  const raw = tensor.rawData ?? fail(`tensor ${tensor.name} has no data`)
  return [...new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))].map(Number)
}

/** Initializers of a graph and of every subgraph in it, by name. */
function allInitializers(graph: Graph): Map<string, TensorProto> {
  const found = new Map<string, TensorProto>()
  const visit = (current: Graph) => {
    for (const tensor of current.initializer ?? []) found.set(tensor.name ?? '', tensor)
    for (const node of current.node ?? []) for (const attr of node.attribute ?? []) if (attr.g) visit(attr.g)
  }
  visit(graph)
  return found
}

function findNodes(graph: Graph, opType: string): Node[] {
  const found: Node[] = []
  const visit = (current: Graph) => {
    for (const node of current.node ?? []) {
      if (node.opType === opType) found.push(node)
      for (const attr of node.attribute ?? []) if (attr.g) visit(attr.g)
    }
  }
  visit(graph)
  return found
}

/** Collects the nodes and initializers of the new graph. */
class GraphBuilder {
  readonly nodes: Node[] = []
  readonly initializers: TensorProto[] = []

  /** Adds a node with one output and integer attributes; returns the output's name. */
  node(opType: string, inputs: string[], output: string, attributes: Record<string, number> = {}): string {
    const attribute = Object.entries(attributes).map(([name, i]) =>
      onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT }),
    )
    this.raw(opType, inputs, [output], attribute)
    return output
  }

  /** Adds a node as given, named after its first output. */
  raw(opType: string, inputs: string[], outputs: string[], attribute: OnnxTypes.IAttributeProto[]): void {
    this.nodes.push(onnx.NodeProto.create({ opType, name: outputs[0], input: inputs, output: outputs, attribute }))
  }

  floats(name: string, dims: number[], values: Float32Array): string {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    this.initializers.push(
      onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: bytes.slice() }),
    )
    return name
  }

  int64s(name: string, values: number[]): string {
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dataType: onnx.TensorProto.DataType.INT64,
        dims: [values.length],
        int64Data: values,
      }),
    )
    return name
  }

  /** Elements `start`, `start + step`, … before `end` of axis 1. */
  sliceTime(input: string, start: number, end: number, step: number, output: string): string {
    return this.node(
      'Slice',
      [
        input,
        this.int64s(`${output}/starts`, [start]),
        this.int64s(`${output}/ends`, [end]),
        this.int64s(`${output}/axes`, [1]),
        this.int64s(`${output}/steps`, [step]),
      ],
      output,
    )
  }
}

/**
 * Adds one encoder convolution (kernel 3, padding 1) over [frames, time, channels]
 * as Pad, one Slice per tap, Concat and MatMul, followed by its bias and ReLU.
 * Returns the output name and its time length.
 */
function encoderLayer(
  builder: GraphBuilder,
  input: string,
  timeSteps: number,
  conv: Node,
  initializers: Map<string, TensorProto>,
  name: string,
): { output: string; timeSteps: number } {
  const [, weightName, biasName] = conv.input ?? []
  const weight = initializers.get(weightName ?? '') ?? fail(`no weight for ${conv.name}`)
  const bias = initializers.get(biasName ?? '') ?? fail(`no bias for ${conv.name}`)
  const [outChannels, inChannels, kernel] = (weight.dims ?? []).map(Number) as [number, number, number]
  const [stride] = intsAttribute(conv, 'strides')
  if (kernel !== 3 || intsAttribute(conv, 'pads').join() !== '1,1' || stride === undefined) {
    fail(`${conv.name} is not a kernel-3, padding-1 convolution`)
  }
  const outSteps = Math.floor((timeSteps - 1) / stride) + 1

  // Tap k of output t reads padded step k + stride * t; steps 0 and timeSteps + 1 are padding.
  const taps = [0, 1, 2].filter((k) =>
    Array.from({ length: outSteps }, (_, t) => k + stride * t).some((step) => step >= 1 && step <= timeSteps),
  )
  const padded = builder.node('Pad', [input, builder.int64s(`${name}/pads`, [0, 1, 0, 0, 1, 0])], `${name}/padded`)
  const columns = taps.map((k) =>
    builder.sliceTime(padded, k, k + stride * (outSteps - 1) + 1, stride, `${name}/tap${k}`),
  )
  const stacked = columns.length === 1 ? columns[0]! : builder.node('Concat', columns, `${name}/columns`, { axis: 2 })

  // Row (j * inChannels + c) of the matrix multiplies channel c of tap taps[j].
  const weights = floatValues(weight)
  const matrix = new Float32Array(taps.length * inChannels * outChannels)
  taps.forEach((k, j) => {
    for (let c = 0; c < inChannels; c++) {
      for (let o = 0; o < outChannels; o++) {
        matrix[(j * inChannels + c) * outChannels + o] = weights[(o * inChannels + c) * kernel + k]!
      }
    }
  })
  const product = builder.node(
    'MatMul',
    [stacked, builder.floats(`${name}/matrix`, [taps.length * inChannels, outChannels], matrix)],
    `${name}/product`,
  )
  const biased = builder.node(
    'Add',
    [product, builder.floats(`${name}/bias`, [outChannels], floatValues(bias))],
    `${name}/biased`,
  )
  return { output: builder.node('Relu', [biased], name), timeSteps: outSteps }
}

/**
 * Builds the whole-clip graph for one rate from a model whose `If` on the sample
 * rate ONNX Runtime has already inlined (see {@link fixSampleRate}).
 */
export function buildClipGraph(inlined: OnnxTypes.ModelProto, window: SileroWindow): OnnxTypes.ModelProto {
  const graph = inlined.graph ?? fail('no graph')
  const initializers = allInitializers(graph)
  const top = graph.node ?? []
  const builder = new GraphBuilder()
  const prefix = 'clip'

  // Reflection padding of each window, kept from the original graph.
  const pad = top[0]
  if (pad?.opType !== 'Pad' || inputs(pad)[0] !== 'input') fail('the first node does not pad the input')
  const padAmounts = int64Values(initializers.get(inputs(pad)[1] ?? '') ?? fail('Pad has no constant pads'))
  const paddedSamples = window.contextSamples + window.frameSamples + padAmounts[1]! + padAmounts[3]!
  builder.nodes.push(pad)

  // STFT: a convolution with kernel 2 × hop over the padded window.
  const convs = top.filter((node) => node.opType === 'Conv')
  const stftConv = convs[0] ?? fail('no STFT convolution')
  const basis = initializers.get(inputs(stftConv)[1] ?? '') ?? fail('no STFT basis')
  const [bins, , kernel] = (basis.dims ?? []).map(Number) as [number, number, number]
  const [hop] = intsAttribute(stftConv, 'strides')
  if (hop === undefined || kernel !== 2 * hop || paddedSamples % hop !== 0) {
    fail(`STFT kernel ${kernel} with hop ${hop} over ${paddedSamples} samples`)
  }
  const blockCount = paddedSamples / hop
  const frames = blockCount - 1
  const blocks = builder.node(
    'Reshape',
    [
      (pad.output ?? [])[0] ?? fail('Pad has no output'),
      builder.int64s(`${prefix}/stft/blocks-shape`, [-1, blockCount, hop]),
    ],
    `${prefix}/stft/blocks`,
  )
  const stftFrames = builder.node(
    'Concat',
    [
      builder.sliceTime(blocks, 0, frames, 1, `${prefix}/stft/first-halves`),
      builder.sliceTime(blocks, 1, blockCount, 1, `${prefix}/stft/second-halves`),
    ],
    `${prefix}/stft/frames`,
    { axis: 2 },
  )
  const basisValues = floatValues(basis)
  const basisMatrix = new Float32Array(kernel * bins)
  for (let bin = 0; bin < bins; bin++) {
    for (let k = 0; k < kernel; k++) basisMatrix[k * bins + bin] = basisValues[bin * kernel + k]!
  }
  const spectrum = builder.node(
    'MatMul',
    [stftFrames, builder.floats(`${prefix}/stft/basis`, [kernel, bins], basisMatrix)],
    `${prefix}/stft/spectrum`,
  )

  // Magnitude: the first half of the bins is the real part, the second the imaginary part.
  const half = bins / 2
  const two = builder.floats(`${prefix}/stft/two`, [], Float32Array.of(2))
  const part = (start: number, end: number, label: string) =>
    builder.node(
      'Pow',
      [
        builder.node(
          'Slice',
          [
            spectrum,
            builder.int64s(`${prefix}/stft/${label}/starts`, [start]),
            builder.int64s(`${prefix}/stft/${label}/ends`, [end]),
            builder.int64s(`${prefix}/stft/${label}/axes`, [2]),
          ],
          `${prefix}/stft/${label}`,
        ),
        two,
      ],
      `${prefix}/stft/${label}-squared`,
    )
  const power = builder.node('Add', [part(0, half, 'real'), part(half, bins, 'imaginary')], `${prefix}/stft/power`)
  let features = builder.node('Sqrt', [power], `${prefix}/stft/magnitude`)

  // Encoder: the convolutions between the STFT and the decoder, each followed by ReLU.
  const decoderConv = convs.at(-1)!
  const encoderConvs = convs.slice(1, -1)
  if (encoderConvs.length === 0 || intsAttribute(decoderConv, 'kernel_shape').join() !== '1') {
    fail('expected encoder convolutions followed by a kernel-1 decoder convolution')
  }
  let timeSteps = frames
  encoderConvs.forEach((conv, index) => {
    const layer = encoderLayer(builder, features, timeSteps, conv, initializers, `${prefix}/encoder/${index}`)
    features = layer.output
    timeSteps = layer.timeSteps
  })
  if (timeSteps !== 1) fail(`the encoder ends with ${timeSteps} time steps per window, not 1`)

  // Decoder: one LSTM sequence over the windows, then ReLU, a 1×1 convolution and a sigmoid per step.
  const lstms = findNodes(graph, 'LSTM')
  if (lstms.length === 0) fail('no LSTM')
  const lstm = lstms[0]!
  const hiddenSize = Number(attribute(lstm, 'hidden_size')?.i ?? fail('LSTM without hidden_size'))
  const sequence = builder.node(
    'Reshape',
    [features, builder.int64s(`${prefix}/decoder/sequence-shape`, [-1, 1, hiddenSize])],
    `${prefix}/decoder/sequence`,
  )
  builder.raw(
    'Split',
    ['state'],
    [`${prefix}/decoder/initial-hidden`, `${prefix}/decoder/initial-cell`],
    [onnx.AttributeProto.create({ name: 'axis', i: 0, type: onnx.AttributeProto.AttributeType.INT })],
  )
  builder.raw(
    'LSTM',
    [sequence, ...inputs(lstm).slice(1, 4), '', `${prefix}/decoder/initial-hidden`, `${prefix}/decoder/initial-cell`],
    [`${prefix}/decoder/hidden`, `${prefix}/decoder/last-hidden`, `${prefix}/decoder/last-cell`],
    lstm.attribute ?? [],
  )
  builder.node('Concat', [`${prefix}/decoder/last-hidden`, `${prefix}/decoder/last-cell`], 'stateN', { axis: 0 })
  const steps = builder.node(
    'Reshape',
    [`${prefix}/decoder/hidden`, builder.int64s(`${prefix}/decoder/steps-shape`, [-1, hiddenSize, 1])],
    `${prefix}/decoder/steps`,
  )
  builder.raw(
    'Conv',
    [builder.node('Relu', [steps], `${prefix}/decoder/relu`), ...inputs(decoderConv).slice(1, 3)],
    [`${prefix}/decoder/logits`],
    decoderConv.attribute ?? [],
  )
  const probabilities = builder.node('Sigmoid', [`${prefix}/decoder/logits`], `${prefix}/decoder/probabilities`)
  builder.node('Reshape', [probabilities, builder.int64s(`${prefix}/decoder/output-shape`, [-1, 1])], 'output')

  // Keep only the original initializers that the new nodes read.
  const used = new Set(builder.nodes.flatMap((node) => node.input))
  const usedInitializers = [...initializers.values()].filter((tensor) => used.has(tensor.name))

  const floatType = (name: string, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: {
            dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })),
          },
        },
      },
    })
  const windowSamples = window.contextSamples + window.frameSamples
  return onnx.ModelProto.create({
    irVersion: inlined.irVersion,
    opsetImport: inlined.opsetImport,
    producerName: 'onnx-edge scripts/derive-silero.ts',
    docString:
      `Silero VAD v5 at ${window.rateHz} Hz, rewritten to run a batch of consecutive windows ` +
      `(${window.contextSamples} context + ${window.frameSamples} new samples each) as one sequence`,
    graph: onnx.GraphProto.create({
      name: `silero-vad-clip-${window.rateHz}`,
      node: builder.nodes,
      initializer: [...usedInitializers, ...builder.initializers],
      input: [floatType('input', ['frames', windowSamples]), floatType('state', [2, 1, hiddenSize])],
      output: [floatType('output', ['frames', 1]), floatType('stateN', [2, 1, hiddenSize])],
    }),
  })
}

/**
 * Replaces the `sr` input with a constant, so that ONNX Runtime's constant
 * folding can inline the `If` branch of that rate.
 */
export function fixSampleRate(model: OnnxTypes.ModelProto, rateHz: number): OnnxTypes.ModelProto {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish())
  const graph = copy.graph ?? fail('no graph')
  if (!graph.input?.some((input) => input.name === 'sr')) fail('no "sr" input')
  graph.input = graph.input.filter((input) => input.name !== 'sr')
  graph.initializer = graph.initializer ?? []
  graph.initializer.push(
    onnx.TensorProto.create({ name: 'sr', dataType: onnx.TensorProto.DataType.INT64, dims: [], int64Data: [rateHz] }),
  )
  return copy
}

export function decodeModel(bytes: Uint8Array): OnnxTypes.ModelProto {
  return onnx.ModelProto.decode(bytes)
}

export function encodeModel(model: OnnxTypes.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish()
}
