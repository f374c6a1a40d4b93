import { CLASS_COUNT, IMAGE_SIZE, shiftedBatch, type DigitSet } from './data.ts'
import { createRandom, randomInt, randomNormal, shuffle, type Random } from './random.ts'
import type { DigitWeights } from './onnx-export.ts'
import { tf } from './tfjs.ts'

/** Side of both convolution kernels. */
export const KERNEL_SIZE = 5
const CONV1_SIZE = IMAGE_SIZE - KERNEL_SIZE + 1 // 24
const POOL1_SIZE = CONV1_SIZE / 2 // 12
const CONV2_SIZE = POOL1_SIZE - KERNEL_SIZE + 1 // 8
export const POOL2_SIZE = CONV2_SIZE / 2 // 4

/** Layer widths of the network. */
export interface NetworkShape {
  conv1Filters: number
  conv2Filters: number
  hiddenUnits: number
}

/**
 * The trainable tensors. Convolution kernels are stored as matrices whose rows
 * follow the HWIO order (ky, kx, input channel), and the hidden layer's rows
 * follow the NHWC flattening of the second pooling output.
 */
export interface DigitModel {
  shape: NetworkShape
  conv1Kernel: tf.Variable<tf.Rank.R2>
  conv1Bias: tf.Variable<tf.Rank.R1>
  conv2Kernel: tf.Variable<tf.Rank.R2>
  conv2Bias: tf.Variable<tf.Rank.R1>
  hiddenKernel: tf.Variable<tf.Rank.R2>
  hiddenBias: tf.Variable<tf.Rank.R1>
  outputKernel: tf.Variable<tf.Rank.R2>
  outputBias: tf.Variable<tf.Rank.R1>
}

function heNormal(random: Random, fanIn: number, fanOut: number): tf.Variable<tf.Rank.R2> {
  const scale = Math.sqrt(2 / fanIn)
  const values = Float32Array.from({ length: fanIn * fanOut }, () => randomNormal(random) * scale)
  return tf.variable(tf.tensor2d(values, [fanIn, fanOut]))
}

function zeros(length: number): tf.Variable<tf.Rank.R1> {
  return tf.variable(tf.zeros([length]))
}

/** Creates a network with He-normal weights drawn from `seed` and zero biases. */
export function createModel(shape: NetworkShape, seed: number): DigitModel {
  const random = createRandom(seed)
  const patch1 = KERNEL_SIZE * KERNEL_SIZE
  const patch2 = patch1 * shape.conv1Filters
  const flat = POOL2_SIZE * POOL2_SIZE * shape.conv2Filters
  return {
    shape,
    conv1Kernel: heNormal(random, patch1, shape.conv1Filters),
    conv1Bias: zeros(shape.conv1Filters),
    conv2Kernel: heNormal(random, patch2, shape.conv2Filters),
    conv2Bias: zeros(shape.conv2Filters),
    hiddenKernel: heNormal(random, flat, shape.hiddenUnits),
    hiddenBias: zeros(shape.hiddenUnits),
    outputKernel: heNormal(random, shape.hiddenUnits, CLASS_COUNT),
    outputBias: zeros(CLASS_COUNT),
  }
}

/** Copies the trained parameters out of TensorFlow.js, in its layouts. */
export function exportWeights(model: DigitModel): DigitWeights {
  return {
    shape: model.shape,
    kernelSize: KERNEL_SIZE,
    conv1Kernel: model.conv1Kernel.dataSync() as Float32Array,
    conv1Bias: model.conv1Bias.dataSync() as Float32Array,
    conv2Kernel: model.conv2Kernel.dataSync() as Float32Array,
    conv2Bias: model.conv2Bias.dataSync() as Float32Array,
    hiddenKernel: model.hiddenKernel.dataSync() as Float32Array,
    hiddenBias: model.hiddenBias.dataSync() as Float32Array,
    outputKernel: model.outputKernel.dataSync() as Float32Array,
    outputBias: model.outputBias.dataSync() as Float32Array,
  }
}

export function disposeModel(model: DigitModel): void {
  for (const value of Object.values(model)) {
    if (value instanceof tf.Variable) value.dispose()
  }
}

/**
 * Extracts the 5×5 patches of the input images for the first convolution
 * (im2col): row `(b * 24 + y) * 24 + x` contains the patch whose top-left pixel is
 * (x, y) of image b, in (ky, kx) order. The patches are data, not weights, so
 * building them outside the gradient graph leaves every weight gradient to
 * TensorFlow.js autodiff while avoiding the Conv2DBackpropFilter kernel, which
 * the WebAssembly backend lacks.
 */
export function inputPatches(pixels: Float32Array, count: number): tf.Tensor2D {
  const patchLength = KERNEL_SIZE * KERNEL_SIZE
  const patches = new Float32Array(count * CONV1_SIZE * CONV1_SIZE * patchLength)
  let offset = 0
  for (let b = 0; b < count; b++) {
    const image = b * IMAGE_SIZE * IMAGE_SIZE
    for (let y = 0; y < CONV1_SIZE; y++) {
      for (let x = 0; x < CONV1_SIZE; x++) {
        for (let ky = 0; ky < KERNEL_SIZE; ky++) {
          const row = image + (y + ky) * IMAGE_SIZE + x
          for (let kx = 0; kx < KERNEL_SIZE; kx++) patches[offset++] = pixels[row + kx]!
        }
      }
    }
  }
  return tf.tensor2d(patches, [count * CONV1_SIZE * CONV1_SIZE, patchLength])
}

/**
 * 2×2 max pooling with stride 2 of an NHWC tensor, as the element-wise maximum
 * of split halves: first of row pairs, then of column pairs. The gradient of
 * `maximum` is element-wise, whereas that of a `max` reduction compares
 * with broadcasting, which the WebAssembly backend runs several times slower.
 */
function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape
  const [evenRows, oddRows] = tf.split(tf.reshape(x, [batch * (height / 2), 2, width * channels]), 2, 1)
  const rowMax = tf.maximum(evenRows!, oddRows!)
  const [evenColumns, oddColumns] = tf.split(
    tf.reshape(rowMax, [batch * (height / 2) * (width / 2), 2, channels]),
    2,
    1,
  )
  return tf.reshape(tf.maximum(evenColumns!, oddColumns!), [batch, height / 2, width / 2, channels])
}

/**
 * Extracts the 5×5 patches of an NHWC activation with slices and concats, whose
 * gradients TensorFlow.js derives. The channel axis of the result is ordered
 * (ky, kx, input channel), the row order of the HWIO kernel matrix.
 */
function activationPatches(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape
  const outHeight = height - KERNEL_SIZE + 1
  const outWidth = width - KERNEL_SIZE + 1
  const columns: tf.Tensor4D[] = []
  for (let kx = 0; kx < KERNEL_SIZE; kx++) {
    columns.push(tf.slice(x, [0, 0, kx, 0], [batch, height, outWidth, channels]))
  }
  const byColumn = tf.concat(columns, 3)
  const rows: tf.Tensor4D[] = []
  for (let ky = 0; ky < KERNEL_SIZE; ky++) {
    rows.push(tf.slice(byColumn, [0, ky, 0, 0], [batch, outHeight, outWidth, KERNEL_SIZE * channels]))
  }
  return tf.concat(rows, 3)
}

/** Computes the logits of a batch from its input patches. Pass `dropout` (rate and seed) only while training. */
export function forward(
  model: DigitModel,
  patches: tf.Tensor2D,
  batch: number,
  dropout?: { rate: number; seed: number },
): tf.Tensor2D {
  const { conv1Filters, conv2Filters } = model.shape
  const conv1 = tf.relu(tf.add(tf.matMul(patches, model.conv1Kernel), model.conv1Bias))
  const pool1 = maxPool2x2(tf.reshape(conv1, [batch, CONV1_SIZE, CONV1_SIZE, conv1Filters]))

  const patches2 = tf.reshape(activationPatches(pool1), [batch * CONV2_SIZE * CONV2_SIZE, -1])
  const conv2 = tf.relu(tf.add(tf.matMul(patches2, model.conv2Kernel), model.conv2Bias))
  const pool2 = maxPool2x2(tf.reshape(conv2, [batch, CONV2_SIZE, CONV2_SIZE, conv2Filters]))

  let hidden = tf.relu(tf.add(tf.matMul(tf.reshape(pool2, [batch, -1]), model.hiddenKernel), model.hiddenBias))
  if (dropout && dropout.rate > 0) hidden = tf.dropout(hidden, dropout.rate, undefined, dropout.seed)
  return tf.add(tf.matMul(hidden, model.outputKernel), model.outputBias)
}

/** Returns the softmax probabilities of `count` digits, row-major [count, 10]. */
export function predictProbabilities(
  model: DigitModel,
  pixels: Float32Array,
  count: number,
  batchSize = 200,
): Float32Array {
  const probabilities = new Float32Array(count * CLASS_COUNT)
  const pixelsPerDigit = IMAGE_SIZE * IMAGE_SIZE
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start)
    const batchPixels = pixels.subarray(start * pixelsPerDigit, (start + size) * pixelsPerDigit)
    const result = tf.tidy(() => tf.softmax(forward(model, inputPatches(batchPixels, size), size)))
    probabilities.set(result.dataSync(), start * CLASS_COUNT)
    result.dispose()
  }
  return probabilities
}

export interface TrainOptions {
  epochs: number
  batchSize: number
  /** Learning rate of the first epoch, before the cosine decay. */
  learningRate: number
  momentum: number
  /** Maximum random shift of a training digit in pixels, on each axis. */
  maxShift: number
  /** Dropout rate of the hidden dense layer. */
  dropoutRate: number
  seed: number
  onEpoch?: (report: { epoch: number; loss: number; accuracy: number; seconds: number }) => void
}

/** Network of the published `digits` model. */
export const DEFAULT_SHAPE: NetworkShape = { conv1Filters: 16, conv2Filters: 32, hiddenUnits: 128 }

/** Training settings of the published `digits` model, apart from the epochs and seed. */
export const DEFAULT_TRAIN_OPTIONS = {
  batchSize: 64,
  learningRate: 0.03,
  momentum: 0.9,
  maxShift: 2,
  dropoutRate: 0.25,
} as const satisfies Partial<TrainOptions>

/** Learning rate of a 1-based epoch: half a cosine from `initial` down towards 0 over `epochs`. */
function cosineLearningRate(initial: number, epoch: number, epochs: number): number {
  return initial * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs))
}

/**
 * Trains with SGD with momentum on softmax cross-entropy, shuffling every epoch
 * and shifting each digit by up to `maxShift` pixels. Every gradient comes from
 * `optimizer.minimize`, that is from TensorFlow.js autodiff.
 */
export function trainModel(model: DigitModel, train: DigitSet, options: TrainOptions): void {
  const random = createRandom(options.seed)
  const variables = [
    model.conv1Kernel,
    model.conv1Bias,
    model.conv2Kernel,
    model.conv2Bias,
    model.hiddenKernel,
    model.hiddenBias,
    model.outputKernel,
    model.outputBias,
  ]
  const order = Array.from({ length: train.count }, (_, i) => i)
  const optimizer = tf.train.momentum(options.learningRate, options.momentum)

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = performance.now()
    optimizer.setLearningRate(cosineLearningRate(options.learningRate, epoch, options.epochs))
    shuffle(order, random)
    let lossSum = 0
    let correct = 0

    for (let start = 0; start < train.count; start += options.batchSize) {
      const indices = order.slice(start, start + options.batchSize)
      const pixels = shiftedBatch(train, indices, options.maxShift, random)
      const labels = indices.map((index) => train.labels[index]!)
      const dropoutSeed = randomInt(random, 2 ** 31)

      let predicted: ArrayLike<number> = []
      const loss = tf.tidy(() => {
        const patches = inputPatches(pixels, indices.length)
        const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASS_COUNT)
        const cost = optimizer.minimize(
          () => {
            const logits = forward(model, patches, indices.length, { rate: options.dropoutRate, seed: dropoutSeed })
            // Read inside the closure because minimize disposes every tensor made here except the loss.
            predicted = tf.argMax(logits, 1).dataSync()
            return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar
          },
          true,
          variables,
        )!
        return cost.dataSync()[0]!
      })
      lossSum += loss * indices.length
      labels.forEach((label, i) => {
        if (predicted[i] === label) correct++
      })
    }

    options.onEpoch?.({
      epoch,
      loss: lossSum / train.count,
      accuracy: correct / train.count,
      seconds: (performance.now() - started) / 1000,
    })
  }
  optimizer.dispose()
}
