import type { RgbImage } from './decode.ts'
import { resampleArea } from './resample.ts'

/** Placement of an image inside a letterboxed square, in square pixels. */
export interface LetterboxPlacement {
  /** Square pixels per image pixel. */
  scale: number
  offsetX: number
  offsetY: number
}

/**
 * Scales an image to fit a `size`×`size` square with its aspect ratio kept and
 * pads the rest with black. Returns NHWC float channels, each 8-bit value v
 * mapped to `v * gain + bias`, and the placement that maps square coordinates
 * back to image pixels.
 */
export function letterbox(
  image: RgbImage,
  size: number,
  { gain, bias }: { gain: number; bias: number },
): { pixels: Float32Array; placement: LetterboxPlacement } {
  const scale = size / Math.max(image.width, image.height)
  const width = Math.max(1, Math.round(image.width * scale))
  const height = Math.max(1, Math.round(image.height * scale))
  const offsetX = Math.floor((size - width) / 2)
  const offsetY = Math.floor((size - height) / 2)

  // Padding is black: the value that 0 maps to.
  const pixels = new Float32Array(size * size * 3).fill(bias)
  const scaled = resampleArea(image.data, image.width, image.height, 3, width, height)
  for (let y = 0; y < height; y++) {
    const from = y * width * 3
    const to = ((y + offsetY) * size + offsetX) * 3
    for (let i = 0; i < width * 3; i++) pixels[to + i] = scaled[from + i]! * gain + bias
  }
  return { pixels, placement: { scale: width / image.width, offsetX, offsetY } }
}
