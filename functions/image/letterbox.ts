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
 * pads the rest with black. Returns NHWC float channels in [0, 1] and the
 * placement that maps square coordinates back to image pixels.
 */
export function letterbox(image: RgbImage, size: number): { pixels: Float32Array; placement: LetterboxPlacement } {
  const scale = size / Math.max(image.width, image.height)
  const width = Math.max(1, Math.round(image.width * scale))
  const height = Math.max(1, Math.round(image.height * scale))
  const offsetX = Math.floor((size - width) / 2)
  const offsetY = Math.floor((size - height) / 2)

  const pixels = new Float32Array(size * size * 3)
  for (let channel = 0; channel < 3; channel++) {
    const plane = resampleArea(image.data, image.width, image.height, 3, channel, width, height)
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        pixels[((y + offsetY) * size + x + offsetX) * 3 + channel] = plane[y * width + x]! / 255
      }
    }
  }
  return { pixels, placement: { scale: width / image.width, offsetX, offsetY } }
}
