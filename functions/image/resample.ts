/**
 * Resamples an image by area averaging: each output pixel is the mean of the
 * source area it covers, with partial pixels weighted by coverage. Downscaling
 * this way does not alias; upscaling degrades to nearest-neighbour blocks, which
 * is fine for the small models here. Implemented as two separable passes over
 * all channels at once.
 *
 * @param source row-major pixels with `channels` interleaved values each
 * @returns row-major pixels of `outWidth`×`outHeight`, `channels` interleaved values each
 */
export function resampleArea(
  source: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
): Float32Array {
  const rowLength = outWidth * channels
  const horizontal = new Float32Array(rowLength * height)
  const xTaps = coverage(width, outWidth)
  for (let y = 0; y < height; y++) {
    const sourceRow = y * width * channels
    for (let x = 0; x < outWidth; x++) {
      const firstTap = xTaps.first[x]!
      const endTap = xTaps.first[x + 1]!
      for (let c = 0; c < channels; c++) {
        let sum = 0
        for (let tap = firstTap; tap < endTap; tap++) {
          sum += source[sourceRow + xTaps.index[tap]! * channels + c]! * xTaps.weight[tap]!
        }
        horizontal[y * rowLength + x * channels + c] = sum
      }
    }
  }

  const result = new Float32Array(rowLength * outHeight)
  const yTaps = coverage(height, outHeight)
  for (let y = 0; y < outHeight; y++) {
    const firstTap = yTaps.first[y]!
    const endTap = yTaps.first[y + 1]!
    for (let i = 0; i < rowLength; i++) {
      let sum = 0
      for (let tap = firstTap; tap < endTap; tap++)
        sum += horizontal[yTaps.index[tap]! * rowLength + i]! * yTaps.weight[tap]!
      result[y * rowLength + i] = sum
    }
  }
  return result
}

/**
 * Source taps of each output index, flattened: output `i` reads source indexes
 * `index[first[i]]` … `index[first[i + 1] - 1]` with normalised `weight`s.
 */
interface Taps {
  first: Int32Array
  index: Int32Array
  weight: Float64Array
}

function coverage(sourceSize: number, outSize: number): Taps {
  const scale = sourceSize / outSize
  const first = new Int32Array(outSize + 1)
  const index: number[] = []
  const weight: number[] = []
  for (let i = 0; i < outSize; i++) {
    first[i] = index.length
    const start = i * scale
    const end = start + scale
    for (let s = Math.floor(start); s < Math.min(sourceSize, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s)
      if (overlap > 0) {
        index.push(s)
        weight.push(overlap / scale)
      }
    }
  }
  first[outSize] = index.length
  return { first, index: Int32Array.from(index), weight: Float64Array.from(weight) }
}
