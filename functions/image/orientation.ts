import type { RgbImage } from './decode.ts'

/**
 * Applies an EXIF Orientation value (1 to 8) so that pixel rows and columns run as
 * a viewer displays the image. Values 5 to 8 swap width and height. Unknown
 * values are treated as 1 (no change), as viewers do.
 */
export function applyOrientation(image: RgbImage, orientation: number): RgbImage {
  if (orientation < 2 || orientation > 8) return image

  const { width, height, data } = image
  const swapped = orientation >= 5
  const outWidth = swapped ? height : width
  const outHeight = swapped ? width : height
  const out = new Uint8Array(data.length)

  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      // Source pixel (sx, sy) shown at (x, y) for each orientation of the EXIF 2.32 table.
      let sx: number
      let sy: number
      switch (orientation) {
        case 2:
          sx = width - 1 - x
          sy = y
          break
        case 3:
          sx = width - 1 - x
          sy = height - 1 - y
          break
        case 4:
          sx = x
          sy = height - 1 - y
          break
        case 5:
          sx = y
          sy = x
          break
        case 6:
          sx = y
          sy = height - 1 - x
          break
        case 7:
          sx = width - 1 - y
          sy = height - 1 - x
          break
        default:
          sx = width - 1 - y
          sy = x
      }
      const from = (sy * width + sx) * 3
      const to = (y * outWidth + x) * 3
      out[to] = data[from]!
      out[to + 1] = data[from + 1]!
      out[to + 2] = data[from + 2]!
    }
  }
  return { width: outWidth, height: outHeight, data: out }
}
