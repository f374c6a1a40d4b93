/**
 * Resamples one channel by area averaging: each output pixel is the mean of the
 * source area it covers, with partial pixels weighted by coverage. Downscaling
 * this way does not alias; upscaling degrades to nearest-neighbour blocks, which
 * is fine for the small models here. Implemented as two separable passes.
 *
 * @param source row-major samples, `stride` values per pixel, channel `channel`
 */
export function resampleArea(
  source: ArrayLike<number>,
  width: number,
  height: number,
  stride: number,
  channel: number,
  outWidth: number,
  outHeight: number,
): Float32Array {
  const horizontal = new Float32Array(outWidth * height)
  const xWeights = coverage(width, outWidth)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sum = 0
      for (const [sourceX, weight] of xWeights[x]!) sum += source[(y * width + sourceX) * stride + channel]! * weight
      horizontal[y * outWidth + x] = sum
    }
  }

  const out = new Float32Array(outWidth * outHeight)
  const yWeights = coverage(height, outHeight)
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sum = 0
      for (const [sourceY, weight] of yWeights[y]!) sum += horizontal[sourceY * outWidth + x]! * weight
      out[y * outWidth + x] = sum
    }
  }
  return out
}

/** For each output index, the source indexes it covers and their normalised weights. */
function coverage(sourceSize: number, outSize: number): Array<Array<[number, number]>> {
  const scale = sourceSize / outSize
  const weights: Array<Array<[number, number]>> = []
  for (let i = 0; i < outSize; i++) {
    const start = i * scale
    const end = start + scale
    const taps: Array<[number, number]> = []
    for (let s = Math.floor(start); s < Math.min(sourceSize, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s)
      if (overlap > 0) taps.push([s, overlap / scale])
    }
    weights.push(taps)
  }
  return weights
}
