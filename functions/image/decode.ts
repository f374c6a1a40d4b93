import { decode as decodePng, type DecodedPng } from 'fast-png'
import { imageSize } from 'image-size'
import jpeg from 'jpeg-js'
import { InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../runtime/errors.ts'
import { applyOrientation } from './orientation.ts'

/** An 8-bit RGB image, row-major, three bytes per pixel, as a viewer displays it. */
export interface RgbImage {
  width: number
  height: number
  data: Uint8Array
}

/** Media types of the image bodies that functions accept. */
export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg'] as const
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number]

const ACCEPTED_IMAGES =
  'PNG (1 to 16 bits, grayscale, RGB, palette, with or without alpha) or JPEG (baseline or progressive; grayscale, RGB or CMYK)'

function invalidImage(type: string, message: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(`the body is not a valid ${type} image: ${message}`, {
    field: 'body',
    accepted: ACCEPTED_IMAGES,
    cause,
  })
}

/**
 * Reads the image's dimensions (and JPEG EXIF orientation) from its header and
 * rejects it before decoding when it has more than `maxPixels` pixels, so a small
 * file that would inflate into a huge bitmap is never decoded.
 */
function readHeader(bytes: Uint8Array, mediaType: ImageMediaType, maxPixels: number) {
  const expected = mediaType === 'image/png' ? 'png' : 'jpg'
  let header
  try {
    header = imageSize(bytes)
  } catch (error) {
    // image-size reports a format it does not recognise as "unsupported file type: undefined".
    const reason = error instanceof Error ? error.message : String(error)
    const detail = /unsupported file type/.test(reason) ? 'it starts like no image format' : reason
    throw invalidImage(expected.toUpperCase(), `its image header could not be read (${detail})`, error)
  }
  if (header.type !== expected) {
    throw new UnsupportedMediaTypeError(
      `the body is a ${header.type?.toUpperCase() ?? 'unknown'} image but its Content-Type is ${mediaType}`,
      {
        field: 'headers.content-type',
        accepted: `a Content-Type that matches the body: ${IMAGE_MEDIA_TYPES.join(', ')}`,
      },
    )
  }
  const pixels = header.width * header.height
  if (pixels > maxPixels) {
    throw new PayloadTooLargeError(
      `the image is ${header.width}×${header.height} = ${pixels} pixels, more than the limit of ${maxPixels}`,
      { field: 'body', accepted: `images of at most ${maxPixels} pixels (MAX_IMAGE_PIXELS)` },
    )
  }
  return header
}

/**
 * Decodes a PNG or JPEG body into 8-bit RGB as a viewer shows it: alpha is
 * composited on white, 16-bit samples are scaled to 8 bits, palettes are expanded,
 * and a JPEG's EXIF orientation is applied.
 *
 * @throws {PayloadTooLargeError} for an image above `maxPixels`, before decoding.
 * @throws {UnsupportedMediaTypeError} when the bytes are not of `mediaType`.
 * @throws {InvalidInputError} for a corrupt or truncated file.
 */
export function decodeImage(bytes: Uint8Array, mediaType: ImageMediaType, maxPixels: number): RgbImage {
  const header = readHeader(bytes, mediaType, maxPixels)

  if (mediaType === 'image/png') {
    let png: DecodedPng
    try {
      png = decodePng(bytes)
    } catch (error) {
      throw invalidImage('PNG', error instanceof Error ? error.message : String(error), error)
    }
    return pngToRgb(png)
  }

  let decoded
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // A truncated or corrupt file must fail instead of decoding into grey blocks.
      tolerantDecoding: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: 64,
    })
  } catch (error) {
    throw invalidImage('JPEG', error instanceof Error ? error.message : String(error), error)
  }
  return applyOrientation({ width: decoded.width, height: decoded.height, data: decoded.data }, header.orientation ?? 1)
}

/** Converts any PNG layout to 8-bit RGB, compositing alpha on white. */
function pngToRgb(png: DecodedPng): RgbImage {
  const { width, height } = png
  const pixels = width * height
  const rgb = new Uint8Array(pixels * 3)

  if (png.palette) {
    const palette = png.palette
    const indexes = png.data
    for (let i = 0; i < pixels; i++) {
      const color = palette[indexes[i]!]!
      const alpha = color.length > 3 ? color[3]! / 255 : 1
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(color[c]! * alpha + 255 * (1 - alpha))
    }
    return { width, height, data: rgb }
  }

  const maxValue = 2 ** png.depth - 1
  const hasAlpha = png.channels === 2 || png.channels === 4
  const colorChannels = png.channels >= 3 ? 3 : 1
  const data = png.data
  for (let i = 0; i < pixels; i++) {
    const base = i * png.channels
    const alpha = hasAlpha ? data[base + colorChannels]! / maxValue : 1
    for (let c = 0; c < 3; c++) {
      const value = data[base + (colorChannels === 3 ? c : 0)]! / maxValue
      rgb[i * 3 + c] = Math.round((value * alpha + (1 - alpha)) * 255)
    }
  }
  return { width, height, data: rgb }
}
